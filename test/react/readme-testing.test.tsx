import { cleanup, render, screen } from '@testing-library/react';
import { setupServer } from 'msw/node';
import { useEffect, useState } from 'react';
import { afterAll, afterEach, beforeAll, expect, it, onTestFinished } from 'vitest';
import { action, createClient, defineContract, event } from 'permsocket';
import { createPermsocketReact } from 'permsocket/react';
import { permsocketServer } from 'permsocket/testing';

type Message = { id: string; text: string };
const chat = defineContract({
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
const { PermsocketProvider, Can, useClient, useEvent } = createPermsocketReact<typeof chat>();

// The component under test: a room's messages, and a Send button for those who may post.
function Room({ room }: { room: string }) {
  const client = useClient();
  const [messages, setMessages] = useState<Message[]>([]);
  useEffect(() => {
    void client.request('chat.history', { room }).then((result) => setMessages(result.messages));
  }, [client, room]);
  useEvent('chat.message', ({ message }) => setMessages((list) => [...list, message]));
  return (
    <>
      <ul>{messages.map((message) => <li key={message.id}>{message.text}</li>)}</ul>
      <Can action="chat.send" payload={{ room, text: '' }} fallback={<p>Read only</p>}>
        <button type="button">Send</button>
      </Can>
    </>
  );
}

const fake = permsocketServer(chat, {
  url: 'wss://app.test/ws',
  user: { id: '1', name: 'alice' },
  grants: ['chat.view_message'],
  handlers: { 'chat.history': () => ({ messages: [{ id: '1', text: 'welcome' }] }) },
});
const server = setupServer(fake.handler);
beforeAll(() => server.listen());
afterEach(() => {
  cleanup();
  fake.reset();
});
afterAll(() => server.close());

function renderRoom() {
  const client = createClient({ url: 'wss://app.test/ws', contract: chat, getToken: () => fake.token() });
  onTestFinished(() => client.close());
  render(
    <PermsocketProvider client={client}>
      <Room room="general" />
    </PermsocketProvider>,
  );
}

it('shows the history and live messages, and Send once the user may post', async () => {
  renderRoom();
  await screen.findByText('welcome');
  expect(screen.getByText('Read only')).toBeTruthy();

  fake.emit('chat.message', { message: { id: '2', text: 'hi all' } });
  await screen.findByText('hi all');

  fake.setGrants(['chat.view_message', 'chat.send_message']);
  await screen.findByRole('button', { name: 'Send' });
  expect(fake.requests).toEqual([{ id: expect.any(String), action: 'chat.history', payload: { room: 'general' } }]);
});

it('hides Send again when the server revokes the grant', async () => {
  fake.setGrants(['chat.view_message', 'chat.send_message']);
  renderRoom();
  await screen.findByRole('button', { name: 'Send' });

  fake.setGrants(['chat.view_message']);
  await screen.findByText('Read only');
});
