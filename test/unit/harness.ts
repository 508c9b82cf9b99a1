/** Shared setup for client tests: a fake server for the file and a client factory with fake timers. */
import { afterAll, afterEach, beforeAll, beforeEach, vi } from 'vitest';
import { createClient, type Client, type ClientOptions, type ConnectionState } from 'permsocket';
import { chatContract, type ChatContract } from '../../demo/contract';
import { FAKE_NOW, WS_URL, createFakeServer, jwt, nowSeconds } from './fake-server';

/** Starts the fake server for this test file, with fake timers in every test. */
export function useFakeServer() {
  const server = createFakeServer();
  const clients: Client<ChatContract>[] = [];
  beforeAll(() => server.listen());
  afterAll(() => server.close());
  beforeEach(() => vi.useFakeTimers({ now: FAKE_NOW }));
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
    vi.useRealTimers();
    server.reset();
  });

  /** Creates a client whose getToken returns fresh 5-minute JWTs for subject 1. */
  function start(overrides: Partial<ClientOptions<ChatContract>> = {}) {
    const getToken = vi.fn(async () => jwt({ sub: '1', exp: nowSeconds() + 300 }));
    const states: ConnectionState[] = [];
    const client = createClient({
      url: WS_URL,
      contract: chatContract,
      getToken,
      ...overrides,
      on: { state: (s) => states.push(s), ...overrides.on },
    });
    clients.push(client);
    return { client, getToken, states };
  }
  return { server, start };
}

/**
 * Gives Node's globalThis the window events a browser has (`online`), for the duration of `run`.
 * Returns what `run` returns; the globals are removed afterwards.
 */
export async function withWindowEvents<T>(run: (window: EventTarget) => Promise<T>): Promise<T> {
  const target = new EventTarget();
  const globals = globalThis as { addEventListener?: unknown; removeEventListener?: unknown };
  globals.addEventListener = target.addEventListener.bind(target);
  globals.removeEventListener = target.removeEventListener.bind(target);
  try {
    return await run(target);
  } finally {
    delete globals.addEventListener;
    delete globals.removeEventListener;
  }
}
