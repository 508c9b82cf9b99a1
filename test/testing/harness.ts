/**
 * Shared setup of the permsocket/testing tests: one fake on msw for the file, fake timers, clients
 * that are closed after each test, and a raw socket for frame-level checks.
 */
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, expect, vi } from 'vitest';
import { createClient, type Client, type ClientOptions } from 'permsocket';
import { permsocketServer, type FakePermsocketServer, type PermsocketServerOptions } from 'permsocket/testing';
import { chatContract, type ChatContract } from '../../demo/contract';

export const URL = 'wss://app.test/ws';

/** Starts msw with one fake for this test file; fake timers in every test. */
export function useFake(options: Omit<PermsocketServerOptions<ChatContract>, 'url'> = {}) {
  const fake = permsocketServer(chatContract, { url: URL, user: { id: '1', name: 'alice' }, ...options });
  const msw = setupServer(fake.handler);
  const clients: Client<ChatContract>[] = [];
  beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
    fake.reset();
    vi.useRealTimers();
  });
  afterAll(() => msw.close());

  /** A real permsocket client on the fake; pings off so the frame lists stay short. */
  function connect(overrides: Partial<ClientOptions<ChatContract>> = {}) {
    const client = createClient({
      url: URL,
      contract: chatContract,
      getToken: () => fake.token(),
      ping: { interval: 0 },
      ...overrides,
    });
    clients.push(client);
    return client;
  }

  return { fake, connect };
}

/** Lets timers and promise callbacks run, `ms` of fake time at a time. */
export async function tick(ms = 0) {
  await vi.advanceTimersByTimeAsync(ms);
}

/** A raw socket on the fake: what it received, parsed, and how it closed. */
export function rawSocket(protocols: string[] = ['permsocket.v1']) {
  const socket = new WebSocket(URL, protocols);
  const received: Array<Record<string, unknown>> = [];
  let closed: { code: number; reason: string } | null = null;
  socket.addEventListener('message', (event) => received.push(JSON.parse(String(event.data)) as Record<string, unknown>));
  socket.addEventListener('close', (event) => (closed = { code: event.code, reason: event.reason }));
  return {
    socket,
    received,
    get closed() {
      return closed;
    },
    send: (frame: unknown) => socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
  };
}

/** A raw socket signed in on the fake with `token` (a fresh one of the fake's by default); auth.ok is its first frame. */
export async function signedInSocket(fake: FakePermsocketServer<ChatContract>, token = fake.token()) {
  const raw = rawSocket();
  await tick(0);
  raw.send({ type: 'auth', token });
  await tick(0);
  expect(raw.received.map((frame) => frame.type)).toEqual(['auth.ok']);
  return raw;
}
