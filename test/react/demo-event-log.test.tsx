/** The demo's developer panel log (demo/web/src/event-log.ts) over a real client on the test kit's fake. */
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClient } from 'permsocket';
import { permsocketServer } from 'permsocket/testing';
import { chatContract } from '../../demo/contract';
import { eventLogOf } from '../../demo/web/src/event-log';

const URL = 'wss://log.test/ws';
const fake = permsocketServer(chatContract, { url: URL, user: { id: '1', name: 'alice' }, grants: ['chat.view_message'], tokenTtl: 20 });
const msw = setupServer(fake.handler);
beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  fake.reset();
  vi.useRealTimers();
});
afterAll(() => msw.close());

describe('the client events log', () => {
  it('logs the first state, the sign-in, snapshots, refreshes on the open socket and local refusals, newest first', async () => {
    const client = createClient({ url: URL, contract: chatContract, getToken: () => fake.token(), ping: { interval: 0 } });
    const log = eventLogOf(client);
    expect(eventLogOf(client)).toBe(log);
    await vi.advanceTimersByTimeAsync(0);
    expect(client.state).toBe('ready');
    const kinds = () => log.entries().map((entry) => entry.kind).reverse();
    expect(kinds()).toEqual(['state', 'state', 'state', 'perms', 'ready']);
    expect(log.entries()[0]!.text).toBe('signed in as alice, permissions v1');

    // A 20 s token is refreshed at 10 s left, on the same socket: one refresh, no new ready.
    await vi.advanceTimersByTimeAsync(11_000);
    expect(kinds().slice(5)).toEqual(['perms', 'refresh']);
    expect(log.entries()[0]!.text).toMatch(/^token refreshed on the open socket, valid for \d+ s$/);

    await client.request('chat.send', { room: 'general', text: 'x' }).catch(() => undefined);
    expect(log.entries()[0]).toMatchObject({ kind: 'denied', text: 'Refused locally (never sent): chat.send needs chat.send_message on room:general' });

    client.close();
    expect(kinds().slice(-3)).toEqual(['close', 'perms', 'state']);
    log.clear();
    expect(log.entries()).toEqual([]);
  });
});
