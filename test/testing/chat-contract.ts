/** The README's testing example contract, in the module its second example imports. */
import { action, defineContract, event } from 'permsocket';

type Message = { id: string; text: string };
export const chat = defineContract({
  actions: {
    'chat.history': action<{ room: string }, { messages: Message[] }>({
      permission: 'chat.view_message',
      resource: (p) => `room:${p.room}`,
    }),
    'chat.send': action<{ room: string; text: string }, { message: Message }>({
      permission: 'chat.send_message',
      resource: (p) => `room:${p.room}`,
    }),
  },
  events: { 'chat.message': event<{ message: Message }>() },
});
