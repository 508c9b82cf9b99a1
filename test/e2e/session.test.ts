/**
 * The demo app's connection in Chromium: silent refreshes on the open socket, and a server
 * restart survived with a message typed while it was down.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../conformance/server';
import { connectionState, messages, screenshot, sendMessage, signIn } from './support/app';
import { chromiumMissing, openWindow, type Window } from './support/browser';
import { startDemo } from './support/setup';
import { countMessages } from './support/sqlite';

const skip = chromiumMissing();
const WATCH_MS = 15_000;

describe.skipIf(skip !== undefined)('the demo app: a 3-second access token', () => {
  let server: TestServer;
  let alice: Window | undefined;

  beforeAll(async () => {
    server = await startDemo({ env: { ACCESS_TOKEN_TTL: '3' } });
  });

  afterAll(async () => {
    await alice?.close();
    await server?.stop();
  });

  it('keeps alice connected for 15 seconds through silent refreshes, and a message at the end goes through', async () => {
    alice = await openWindow(server.httpUrl);
    await signIn(alice.page, 'alice');

    // Watch the client from inside the page for the whole period: every new expiry is a refresh,
    // every state change would be a dropped connection.
    const watched = await alice.page.evaluate(
      (ms) =>
        new Promise<{ refreshes: number; states: string[] }>((resolve) => {
          const client = window.permsocket;
          const expiries = new Set([client.expiresAt]);
          const states: string[] = [];
          const stopChanges = client.subscribe(() => expiries.add(client.expiresAt));
          const stopStates = client.on('state', (state) => states.push(state));
          setTimeout(() => {
            stopChanges();
            stopStates();
            resolve({ refreshes: expiries.size - 1, states });
          }, ms);
        }),
      WATCH_MS,
    );

    expect(watched.states).toEqual([]);
    expect(watched.refreshes).toBeGreaterThanOrEqual(5);
    await connectionState(alice.page, 'Connected');
    expect(await alice.page.getByTestId('reconnects').textContent()).toBe('0');
    await screenshot(alice.page, '05-alice-after-15s-of-refreshes');

    await sendMessage(alice.page, 'still here after 15 seconds');
    await messages(alice.page, 'still here after 15 seconds').waitFor();
    expect(await alice.page.getByTestId('reconnects').textContent()).toBe('0');
    expect(alice.pageErrors).toEqual([]);
  });
});

describe.skipIf(skip !== undefined)('the demo app: a server restart', () => {
  let server: TestServer;
  let alice: Window | undefined;

  beforeAll(async () => {
    server = await startDemo();
  });

  afterAll(async () => {
    await alice?.close();
    await server?.stop();
  });

  it('shows Reconnecting then Connected, and delivers a message typed during the outage once', async () => {
    alice = await openWindow(server.httpUrl);
    await signIn(alice.page, 'alice');
    const text = 'typed while the server was down';

    const restarted = server.restart();
    await connectionState(alice.page, 'Reconnecting');
    await sendMessage(alice.page, text);
    // Still down: the message waits in the client's queue, shown as pending.
    await alice.page.getByTestId('pending-message').filter({ hasText: text }).waitFor();
    expect(await alice.page.getByTestId('connection-state').textContent()).toBe('Reconnecting');
    await screenshot(alice.page, '06-alice-reconnecting-with-pending-message');

    await restarted;
    await connectionState(alice.page, 'Connected', 15_000);
    await messages(alice.page, text).waitFor();
    await alice.page.getByTestId('pending-message').waitFor({ state: 'detached' });
    expect(await messages(alice.page, text).count()).toBe(1);
    expect(await countMessages(server.database, text)).toBe(1);
    expect(await alice.page.getByTestId('reconnects').textContent()).toBe('1');
    await screenshot(alice.page, '06-alice-reconnected');
    expect(alice.pageErrors).toEqual([]);
  });
});
