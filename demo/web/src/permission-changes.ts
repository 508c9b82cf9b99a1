/** What a new permission snapshot changed for the user, in words: "You can no longer post in #general." */
import { checkAction, type PermissionSet } from 'permsocket';
import { chatContract, ROOMS } from '../../contract';

/** One change: a capability gained or lost, in one or more rooms. */
export interface PermissionChange {
  kind: 'gained' | 'lost';
  text: string;
}

/** The capabilities the notice speaks of, each as the contract action that needs it. */
const CAPABILITIES = [
  { verb: 'read', allowed: (set: PermissionSet, room: string) => checkAction(chatContract.actions['chat.history'], { room }, set).allowed },
  { verb: 'post', allowed: (set: PermissionSet, room: string) => checkAction(chatContract.actions['chat.send'], { room, text: '' }, set).allowed },
  { verb: 'delete messages', allowed: (set: PermissionSet, room: string) => checkAction(chatContract.actions['chat.delete'], { room, id: '' }, set).allowed },
] as const;

const rooms = (list: readonly string[]) => list.map((room) => `#${room}`).join(' and ');

/**
 * The changes from `before` to `after`, losses first; empty when nothing the UI offers changed
 * (a new version with the same effect, or the first snapshot of a session).
 */
export function describePermissionChanges(before: PermissionSet, after: PermissionSet, roomNames: readonly string[] = ROOMS): PermissionChange[] {
  const lost: PermissionChange[] = [];
  const gained: PermissionChange[] = [];
  for (const { verb, allowed } of CAPABILITIES) {
    const was = roomNames.filter((room) => allowed(before, room));
    const now = roomNames.filter((room) => allowed(after, room));
    const gone = was.filter((room) => !now.includes(room));
    const added = now.filter((room) => !was.includes(room));
    if (gone.length) lost.push({ kind: 'lost', text: `You can no longer ${verb} in ${rooms(gone)}.` });
    if (added.length) gained.push({ kind: 'gained', text: `You can now ${verb} in ${rooms(added)}.` });
  }
  return [...lost, ...gained];
}
