import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClient, RequestError } from 'permsocket';
import { permsocketServer } from 'permsocket/testing';
import { chatContract, type Message } from '../../demo/contract';
import { PermsocketProvider } from '../../demo/web/src/permsocket';
import { Room } from '../../demo/web/src/Room';
import { createToastStore, ToastContext } from '../../demo/web/src/toast-store';

const URL = 'wss://chat.test/ws';
const VIEW = 'chat.view_message';
const SEND = 'chat.send_message';
const DELETE = 'chat.delete_message';

// The fake plays the reference server's chat: one message list per room, events to each room's audience.
let stored: Message[] = [];
let nextId = 1;
const audience = (room: string) => ({ permission: VIEW, resource: `room:${room}` });
const fake = permsocketServer(chatContract, {
  url: URL,
  user: { id: '1', name: 'alice' },
  handlers: {
    'chat.history': ({ room }) => ({ messages: stored.filter((message) => message.room === room) }),
    'chat.send': ({ room, text }, { user }) => {
      const message: Message = { id: String(nextId++), room, text, user: user.name, at: Date.now() };
      stored.push(message);
      fake.emit('chat.message', { message }, audience(room));
      return { message };
    },
    'chat.delete': ({ room, id }) => {
      if (!stored.some((message) => message.id === id)) throw new RequestError('not_found', `no message "${id}"`, 'chat.delete');
      stored = stored.filter((message) => message.id !== id);
      fake.emit('chat.deleted', { room, id }, audience(room));
      return {};
    },
  },
});
const msw = setupServer(fake.handler);

beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
beforeEach(() => {
  vi.useFakeTimers();
  stored = [{ id: 'w', room: 'general', text: 'welcome', user: 'bob', at: 0 }];
});
afterEach(() => {
  cleanup();
  fake.reset();
  vi.useRealTimers();
});
afterAll(() => msw.close());

const settle = (ms = 0) => act(() => vi.advanceTimersByTimeAsync(ms));

async function renderRoom(grants: string[], room = 'general') {
  fake.setGrants(grants);
  const client = createClient({ url: URL, contract: chatContract, getToken: () => fake.token(), ping: { interval: 0 } });
  render(
    <ToastContext.Provider value={createToastStore()}>
      <PermsocketProvider client={client}>
        <Room room={room} />
      </PermsocketProvider>
    </ToastContext.Provider>,
  );
  await settle();
  return client;
}

const messages = () => within(screen.getByRole('list', { name: /Messages in/ })).queryAllByTestId('message').map((item) => item.textContent);

function type(text: string) {
  fireEvent.change(screen.getByLabelText('Message'), { target: { value: text } });
}

describe('the demo room on the fake server', () => {
  it('loads the history and sends a message, which the server stores and echoes', async () => {
    const client = await renderRoom([VIEW, SEND]);
    expect(messages()).toEqual([expect.stringContaining('welcome')]);
    type('hello');
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    await settle();
    expect(messages()).toEqual([expect.stringContaining('welcome'), expect.stringContaining('hello')]);
    expect(fake.requests.map((request) => request.action)).toEqual(['chat.history', 'chat.send']);
    expect(fake.requests[1]!.payload).toEqual({ room: 'general', text: 'hello' });
    client.close();
  });

  it('shows a reader no composer until the server grants posting', async () => {
    const client = await renderRoom([VIEW]);
    expect(screen.getByText('You can read #general but not post here.')).toBeTruthy();
    expect(screen.queryByLabelText('Message')).toBeNull();
    fake.setGrants([VIEW, `${SEND}@room:general`]);
    await settle();
    expect(screen.getByLabelText('Message')).toBeTruthy();
    client.close();
  });

  it('shows messages that others post in this room, only those', async () => {
    const client = await renderRoom([VIEW]);
    fake.emit('chat.message', { message: { id: 'r', room: 'random', text: 'elsewhere', user: 'carol', at: 1 } });
    fake.emit('chat.message', { message: { id: 'g', room: 'general', text: 'here', user: 'carol', at: 1 } });
    await settle();
    expect(messages()).toEqual([expect.stringContaining('welcome'), expect.stringContaining('here')]);
    client.close();
  });

  it('hides the composer and stores nothing when the server refuses a grant revoked behind its back', async () => {
    const client = await renderRoom([VIEW, SEND]);
    fake.setGrants([VIEW], { push: false });
    type('too late');
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    await settle();
    expect(screen.getByText('You can read #general but not post here.')).toBeTruthy();
    expect(messages()).toEqual([expect.stringContaining('welcome')]);
    expect(stored.map((message) => message.text)).toEqual(['welcome']);
    client.close();
  });

  it('catches up on what it missed while the network was down', async () => {
    const client = await renderRoom([VIEW]);
    fake.setOnline(false);
    await settle();
    stored.push({ id: 'm', room: 'general', text: 'missed', user: 'carol', at: 2 });
    await settle(5_000);
    expect(messages()).toEqual([expect.stringContaining('welcome')]);
    fake.setOnline(true);
    await settle(30_000);
    expect(client.state).toBe('ready');
    expect(messages()).toEqual([expect.stringContaining('welcome'), expect.stringContaining('missed')]);
    client.close();
  });

  it('offers Delete to a moderator only, and removes the message', async () => {
    let client = await renderRoom([VIEW, SEND]);
    expect(screen.queryByRole('button', { name: /^Delete message/ })).toBeNull();
    client.close();
    cleanup();
    client = await renderRoom([VIEW, SEND, DELETE]);
    fireEvent.click(screen.getByRole('button', { name: 'Delete message from bob: welcome' }));
    await settle();
    expect(messages()).toEqual([]);
    expect(stored).toEqual([]);
    client.close();
  });
});
