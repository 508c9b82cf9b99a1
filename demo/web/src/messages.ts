/** Pure helpers for a room's messages: merging lists, applying a history answer, checking and explaining sends. */
import { isPermsocketError } from 'permsocket';
import { ErrorCode } from 'permsocket/protocol';
import { MAX_TEXT_LENGTH, type Message } from '../../contract';

/** Oldest first; ids are increasing integers on the reference servers, `at` breaks nothing else. */
function byTime(a: Message, b: Message): number {
  return a.at - b.at || Number(a.id) - Number(b.id) || a.id.localeCompare(b.id);
}

/** The union of two lists by id, oldest first. */
export function mergeMessages(current: readonly Message[], incoming: readonly Message[]): Message[] {
  const byId = new Map(current.map((message) => [message.id, message]));
  for (const message of incoming) byId.set(message.id, message);
  return [...byId.values()].sort(byTime);
}

/** What arrived as live events (or send results) after a history request was sent. */
export interface SinceHistoryRequest {
  /** Ids of messages that arrived: the answer may predate them. */
  readonly arrived: ReadonlySet<string>;
  /** Ids of messages deleted: the answer may still hold them. */
  readonly deleted: ReadonlySet<string>;
}

/** Starts recording what happens while a history request is in flight. */
export function startTracking(): { arrived: Set<string>; deleted: Set<string> } {
  return { arrived: new Set(), deleted: new Set() };
}

/**
 * Applies a history answer. The answer is the truth: a message shown before the request but absent
 * from the answer was deleted meanwhile (while this tab was offline, say) and goes away. Only what
 * changed after the request was sent is layered on top: messages that arrived since are kept, and
 * messages deleted since stay deleted even when the answer still holds them.
 */
export function applyHistory(current: readonly Message[], history: readonly Message[], since: SinceHistoryRequest): Message[] {
  return mergeMessages(
    current.filter((message) => since.arrived.has(message.id)),
    history.filter((message) => !since.deleted.has(message.id)),
  );
}

/** Why a draft may not be sent (too long, counted in code points like the server's validator), or undefined. */
export function draftProblem(text: string): string | undefined {
  const length = [...text.trim()].length;
  if (length <= MAX_TEXT_LENGTH) return undefined;
  return `Message too long: ${length} characters, the limit is ${MAX_TEXT_LENGTH}. Shorten it by ${length - MAX_TEXT_LENGTH} to send.`;
}

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Whether a failed request never left this tab (the error's `sent` is false: it waited in the
 * client's queue through an outage until it timed out or the client stopped), so sending it again
 * cannot post it twice.
 */
export function neverSent(error: unknown): boolean {
  return (isPermsocketError(error, 'ConnectionLostError') || isPermsocketError(error, 'TimeoutError')) && error.sent === false;
}

/** What a message that never left this tab says next to its "Send again" button. */
export function unsentText(error: unknown): string {
  const why = isPermsocketError(error, 'TimeoutError') ? 'there was no connection in time' : 'the connection was lost';
  return `Not sent: ${why}, so it never left this tab.`;
}

/**
 * The toast for a failed `chat.send` in `room` that may have left this tab (see {@link neverSent}
 * for one that did not). `chat.send` is not idempotent: when the connection
 * dropped or the answer timed out, the server may have stored the message, so this says so instead
 * of claiming it failed.
 */
export function sendFailureText(room: string, error: unknown): string {
  const why = isPermsocketError(error, 'ConnectionLostError')
    ? 'the connection dropped before the server answered'
    : isPermsocketError(error, 'TimeoutError')
      ? 'the server did not answer in time'
      : undefined;
  if (why) return `Message may not have been sent: ${why}. Once reconnected, the history of #${room} shows whether it arrived.`;
  return `Message not sent: ${reason(error)}`;
}

/** Whether a failed `chat.delete` still means the message is gone: `not_found` (an earlier attempt, or someone else, deleted it). */
export function deleteLeftItGone(error: unknown): boolean {
  return isPermsocketError(error, 'RequestError') && error.code === ErrorCode.NotFound;
}
