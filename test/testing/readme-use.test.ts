/**
 * The README's "Use" example, word for word (test/testing/readme-use.ts, which test/unit/readme.test.ts
 * keeps equal to the README), run as a browser page would run it: against permsocket/testing's
 * fake at the page's host, with the refresh endpoint answered by msw.
 */
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { defineContract, action, event } from 'permsocket';
import { permsocketServer } from 'permsocket/testing';

type Message = { id: string; room: string; text: string; user: string; at: number };
// The same contract the example defines (the example module connects as soon as it is imported).
const chat = defineContract({
  actions: {
    'chat.send': action<{ room: string; text: string }, { message: Message }>({ permission: 'chat.send_message', resource: (p) => `room:${p.room}` }),
  },
  events: { 'chat.message': event<{ message: Message }>() },
});

const PAGE = 'https://chat.example.test/';
const fake = permsocketServer(chat, {
  url: 'wss://chat.example.test/ws',
  user: { id: '1', name: 'alice' },
  grants: ['chat.send_message'],
  handlers: { 'chat.send': ({ room, text }) => ({ message: { id: '1', room, text, user: 'alice', at: Date.UTC(2026, 0, 1) } }) },
});
const server = setupServer(
  fake.handler,
  http.post(new URL('/auth/refresh', PAGE).href, () => HttpResponse.json({ accessToken: fake.token(), expiresIn: 300 })),
);

beforeAll(() => {
  server.listen({ onUnhandledRequest: 'error' });
  // What a browser page has and Node lacks: a location, and fetch resolving paths against it.
  vi.stubGlobal('location', new URL(PAGE));
  const fetch = globalThis.fetch;
  vi.stubGlobal('fetch', (input: string, init?: RequestInit) => fetch(new URL(input, PAGE), init));
});
afterAll(() => {
  vi.unstubAllGlobals();
  server.close();
});

it('runs the README’s Use example: signs in with the refreshed token, checks, sends and logs the answer', async () => {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const { client } = await import('./readme-use');
  try {
    expect(client.state).toBe('ready');
    expect(fake.requests).toEqual([expect.objectContaining({ action: 'chat.send', payload: { room: 'general', text: 'hi' } })]);
    expect(log).toHaveBeenCalledWith('sent #1 at 2026-01-01T00:00:00.000Z');
    fake.emit('chat.message', { message: { id: '2', room: 'general', text: 'hello', user: 'bob', at: 0 } });
    await vi.waitFor(() => expect(log).toHaveBeenCalledWith('bob: hello'));
  } finally {
    client.close();
    log.mockRestore();
  }
});
