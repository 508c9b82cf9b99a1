import { createClient, defineContract, action, event, AuthError } from 'permsocket';

export type Message = { id: string; room: string; text: string; user: string; at: number };

export const chat = defineContract({
  actions: {
    'chat.send': action<{ room: string; text: string }, { message: Message }>({
      permission: 'chat.send_message',
      resource: (p) => `room:${p.room}`,
    }),
  },
  events: { 'chat.message': event<{ message: Message }>() },
});

export const client = createClient({
  url: `wss://${location.host}/ws`,
  contract: chat,
  // The httpOnly refresh cookie buys a fresh access token; a 401 means nobody is signed in.
  getToken: async () => {
    const res = await fetch('/auth/refresh', { method: 'POST', credentials: 'same-origin' });
    if (res.status === 401) throw new AuthError('signed out');
    return (await res.json()).accessToken;
  },
});

client.onEvent('chat.message', ({ message }) => console.log(`${message.user}: ${message.text}`));
client.on('permission-denied', (d) => console.warn(`${d.action} refused (${d.source})`));

await client.ready();
if (client.can('chat.send', { room: 'general', text: '' })) {
  const { message } = await client.request('chat.send', { room: 'general', text: 'hi' });
  console.log(`sent #${message.id} at ${new Date(message.at).toISOString()}`);
}
