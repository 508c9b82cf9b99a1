/** Merging message lists that arrive from history, events and send results, without duplicates. */
import type { Message } from '../../contract';

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

/**
 * Applies a history answer: the server's list wins, so messages deleted while this tab was offline
 * go away; only messages newer than its newest (events that overtook the answer) are kept.
 */
export function applyHistory(current: readonly Message[], history: readonly Message[]): Message[] {
  const newest = history.at(-1)?.at ?? -Infinity;
  return mergeMessages(
    current.filter((message) => message.at > newest),
    history,
  );
}
