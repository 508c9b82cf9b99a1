/**
 * The reference chat app's contract, shared by the demo web app, the Node reference server, the
 * tests and (as generated JSON) the Django reference server.
 */
import { action, defineContract, event } from 'permsocket';

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

type Shape = Record<string, unknown>;

function object(payload: unknown): Shape | undefined {
  return typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? (payload as Shape) : undefined;
}

function roomError(p: Shape | undefined): string | undefined {
  if (!p) return 'expected the payload to be an object';
  if (typeof p.room !== 'string' || p.room.length === 0 || p.room.length > 64) {
    return "expected 'room' to be a string of 1-64 characters";
  }
  return undefined;
}

const roomResource = (p: { room: string }) => `room:${p.room}`;

/** The reference chat contract. */
export const chatContract = defineContract({
  actions: {
    'chat.history': action<{ room: string }, { messages: Message[] }>({
      permission: 'chat.view_message',
      resource: roomResource,
      idempotent: true,
      validate: (payload) => roomError(object(payload)),
    }),
    'chat.send': action<{ room: string; text: string }, { message: Message }>({
      permission: 'chat.send_message',
      resource: roomResource,
      idempotent: false,
      validate: (payload) => {
        const p = object(payload);
        const error = roomError(p);
        if (error || !p) return error;
        if (typeof p.text !== 'string') return "expected 'text' to be a string";
        // Count code points, not UTF-16 units: an emoji is one character to a user.
        const length = [...p.text].length;
        if (length < 1 || length > MAX_TEXT_LENGTH) {
          return `expected 'text' to be 1-${MAX_TEXT_LENGTH} characters, got ${length}`;
        }
        // A lone surrogate (from a JSON escape) is no character at all: it would be stored as U+FFFD.
        if (/\p{Cs}/u.test(p.text)) return "expected 'text' to be valid Unicode";
        return undefined;
      },
    }),
    'chat.delete': action<{ room: string; id: string }, Record<string, never>>({
      permission: 'chat.delete_message',
      resource: roomResource,
      idempotent: true,
      validate: (payload) => {
        const p = object(payload);
        const error = roomError(p);
        if (error || !p) return error;
        if (typeof p.id !== 'string' || p.id.length === 0 || p.id.length > 64) {
          return "expected 'id' to be a string of 1-64 characters";
        }
        return undefined;
      },
    }),
  },
  events: {
    'chat.message': event<{ message: Message }>(),
    'chat.deleted': event<{ room: string; id: string }>(),
  },
});

/** The contract's type, for `createClient<ChatContract>` and server handlers. */
export type ChatContract = typeof chatContract;
