/**
 * The React tests' setup: a real client on permsocket/testing's fake server (msw), fake timers,
 * and the notes contract (notes-contract.ts).
 */
import { act, cleanup } from '@testing-library/react';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, vi } from 'vitest';
import { createClient, type Client, type ClientOptions } from 'permsocket';
import { permsocketServer } from 'permsocket/testing';
import { notesContract, type NotesContract } from './notes-contract';

export { notesContract, type NotesContract };

const URL = 'wss://notes.test/ws';

/** Lets the fake, the client and React settle, `ms` of fake time at a time. */
export async function settle(ms = 0) {
  await act(() => vi.advanceTimersByTimeAsync(ms));
}

/** One fake for the test file; `connect(grants)` gives a ready client signed in with those grants. */
export function useNotesServer() {
  const fake = permsocketServer(notesContract, { url: URL, user: { id: '7', name: 'nora' } });
  const msw = setupServer(fake.handler);
  const clients: Client<NotesContract>[] = [];
  beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    // Without vitest globals, testing-library cannot register its own cleanup.
    cleanup();
    for (const client of clients.splice(0)) client.close();
    fake.reset();
    vi.useRealTimers();
  });
  afterAll(() => msw.close());

  /** A client on the fake; `wait: false` returns it before it has signed in; other options go to createClient. */
  async function connect(grants: string[] = [], { wait = true, ...options }: { wait?: boolean } & Partial<ClientOptions<NotesContract>> = {}) {
    fake.setGrants(grants);
    const client = createClient({ url: URL, contract: notesContract, getToken: () => fake.token(), ping: { interval: 0 }, ...options });
    clients.push(client);
    if (!wait) return client;
    await vi.advanceTimersByTimeAsync(0);
    if (client.state !== 'ready') throw new Error(`the client did not sign in on the fake (state ${client.state})`);
    return client;
  }

  return { fake, connect };
}
