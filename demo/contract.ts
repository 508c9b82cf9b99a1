/**
 * The reference chat app's contract, shared by the demo web app, the Node reference server, the
 * tests and (as generated JSON, `permsocket export-contract`) the Django reference server.
 * Payloads are zod schemas: the TypeScript types are inferred from them, the Node server validates
 * with them, and their JSON Schema is what the Django server validates with.
 */
import { action, defineContract, event, returns } from 'permsocket/protocol';
// A namespace import lets the bundler drop zod's locales from the demo page (93 -> 26 KB gzipped).
import * as z from 'zod';

/** One chat message. */
export interface Message {
  id: string;
  room: string;
  text: string;
  /** The author's username. */
  user: string;
  /** Unix milliseconds. */
  at: number;
}

/** The rooms the reference app knows; another room is `not_found`. */
export const ROOMS = ['general', 'random'] as const;
/** Longest message, in Unicode code points. */
export const MAX_TEXT_LENGTH = 2000;
/** Longest room name and message id, in Unicode code points. */
export const MAX_NAME_LENGTH = 64;

// Well-formed UTF-16: every surrogate in a pair. A lone one (from a JSON escape) is no character
// at all and would be stored as U+FFFD. The same regex means the same thing to a JavaScript
// engine with or without the `u` flag and to Python's re, so the JSON Schema agrees with zod.
const WELL_FORMED = /^(?:[^\ud800-\udfff]|[\ud800-\udbff][\udc00-\udfff])*$/;

function codePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // The high half of a pair starts a code point, the low half does not.
    if (c < 0xdc00 || c > 0xdfff) count++;
  }
  return count;
}

/**
 * A string of `min`-`max` Unicode code points (an emoji is one), well formed. zod's own
 * .min/.max count UTF-16 units, JSON Schema's minLength/maxLength count code points: the check
 * here counts code points and the exported schema says minLength/maxLength, so both agree.
 */
export function text(min: number, max: number, what: string) {
  return z
    .string({ error: `expected '${what}' to be a string` })
    .regex(WELL_FORMED, `expected '${what}' to be valid Unicode (no lone surrogate)`)
    .refine(
      (value) => {
        const length = codePoints(value);
        return length >= min && length <= max;
      },
      { error: (issue) => `expected '${what}' to be ${min}-${max} characters, got ${codePoints(String(issue.input))}` },
    )
    .meta({ minLength: min, maxLength: max });
}

const room = text(1, MAX_NAME_LENGTH, 'room');
const PAYLOAD = { error: 'expected the payload to be an object' };

/** The reference chat contract. */
export const chatContract = defineContract({
  actions: {
    'chat.history': action({
      payload: z.object({ room }, PAYLOAD),
      result: returns<{ messages: Message[] }>(),
      permission: 'chat.view_message',
      resource: 'room:{room}',
      idempotent: true,
    }),
    'chat.send': action({
      payload: z.object({ room, text: text(1, MAX_TEXT_LENGTH, 'text') }, PAYLOAD),
      result: returns<{ message: Message }>(),
      permission: 'chat.send_message',
      resource: 'room:{room}',
      idempotent: false,
    }),
    'chat.delete': action({
      payload: z.object({ room, id: text(1, MAX_NAME_LENGTH, 'id') }, PAYLOAD),
      result: returns<Record<string, never>>(),
      permission: 'chat.delete_message',
      resource: 'room:{room}',
      idempotent: true,
    }),
  },
  events: {
    'chat.message': event<{ message: Message }>(),
    'chat.deleted': event<{ room: string; id: string }>(),
  },
});

/** The contract's type, for `createClient<ChatContract>` and server handlers. */
export type ChatContract = typeof chatContract;
