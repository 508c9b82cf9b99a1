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
