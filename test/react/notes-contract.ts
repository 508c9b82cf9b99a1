/** The React tests' small notes contract: a resource-scoped action, a global one and one event. */
import { action, defineContract, event } from 'permsocket';

export const notesContract = defineContract({
  actions: {
    'notes.write': action<{ board: string; text: string }, { id: string }>({
      permission: 'notes.add_note',
      resource: (p) => `board:${p.board}`,
    }),
    'notes.clear': action<Record<string, never>, Record<string, never>>({ permission: 'notes.delete_note' }),
  },
  events: { 'notes.added': event<{ id: string; text: string }>() },
});
export type NotesContract = typeof notesContract;
