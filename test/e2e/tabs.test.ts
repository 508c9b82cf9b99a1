/**
 * The demo app in three tabs of one Chromium profile, with `shareAcrossTabs` on: the server sees
 * one socket and one refresh per period, and when the leading tab closes another takes over.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { TestServer } from '../conformance/server';
import { connectionState, messages, sendMessage, signIn } from './support/app';
import { chromiumMissing, openWindow, type Window } from './support/browser';
import { startDemo } from './support/setup';
import { countMessages } from './support/sqlite';

const skip = chromiumMissing();
/** A 4-second token is refreshed every 2 seconds (at half its lifetime). */
const TTL_S = 4;
const WATCH_MS = 8_000;

/** How many server log lines are this event (`ws.open`, `http.refresh`, ...). */
const logged = (server: TestServer, event: string) => server.logs().split('\n').filter((line) => line.split(' ')[1] === event).length;

/** Opens one more tab of the same browser profile (same cookies, same origin). */
async function openTab(window: Window, url: string): Promise<Page> {
  const page = await window.context.newPage();
  await page.goto(url);
  return page;
}

/** Records the client's state changes with their time, from now on. */
function recordStates(page: Page): Promise<void> {
  return page.evaluate(() => {
    const seen: [string, number][] = [];
    (window as unknown as { seenStates: typeof seen }).seenStates = seen;
    window.permsocket.on('state', (state) => seen.push([state, Date.now()]));
  });
}
const seenStates = (page: Page) => page.evaluate(() => (window as unknown as { seenStates: [string, number][] }).seenStates);

/** The demo server for one describe block, and the browser its tests open; both closed after the block. */
function useDemo(options?: Parameters<typeof startDemo>[0]): { server: TestServer; browser: Window | undefined } {
  const demo = { server: undefined as unknown as TestServer, browser: undefined as Window | undefined };
  beforeAll(async () => {
    demo.server = await startDemo(options);
  });
  afterAll(async () => {
    await demo.browser?.close();
    await demo.server?.stop();
  });
  return demo;
}

describe.skipIf(skip !== undefined)('the demo app in three tabs of one browser', () => {
  const demo = useDemo({ env: { ACCESS_TOKEN_TTL: String(TTL_S) } });
  let tabs: Page[] = [];

  it('opens one socket for three tabs and refreshes the token once per period, not three times', async () => {
    demo.browser = await openWindow(demo.server.httpUrl);
    await signIn(demo.browser.page, 'alice');
    tabs = [demo.browser.page, await openTab(demo.browser, demo.server.httpUrl), await openTab(demo.browser, demo.server.httpUrl)];
    for (const tab of tabs) await connectionState(tab, 'Connected');
    for (const tab of tabs.slice(1)) await tab.getByTestId('user-name').filter({ hasText: 'alice' }).waitFor();
    expect(logged(demo.server, 'ws.open')).toBe(1);

    const before = { http: logged(demo.server, 'http.refresh'), ws: logged(demo.server, 'ws.refresh') };
    // Watch from inside a follower: every new expiry it shows is a refresh it took part in.
    const expiries = await tabs[2]!.evaluate(
      (ms) =>
        new Promise<number>((resolve) => {
          const seen = new Set([window.permsocket.expiresAt]);
          const stop = window.permsocket.subscribe(() => seen.add(window.permsocket.expiresAt));
          setTimeout(() => (stop(), resolve(seen.size - 1)), ms);
        }),
      WATCH_MS,
    );
    const periods = WATCH_MS / ((TTL_S * 1000) / 2);
    const refreshes = logged(demo.server, 'http.refresh') - before.http;
    // One per period (give or take the one at the edges); three tabs on their own would make ~12.
    expect(refreshes).toBeGreaterThanOrEqual(periods - 1);
    expect(refreshes).toBeLessThanOrEqual(periods + 1);
    expect(logged(demo.server, 'ws.refresh') - before.ws).toBe(refreshes);
    expect(expiries).toBeGreaterThanOrEqual(periods - 2);
    expect(logged(demo.server, 'ws.open')).toBe(1);
    for (const tab of tabs) expect(await tab.getByTestId('connection-state').textContent()).toBe('Connected');
  });

  it('closing the leading tab leaves the other two ready again within 1 s plus backoff, on one socket', async () => {
    const [leader, ...others] = tabs as [Page, Page, Page];
    for (const tab of others) await recordStates(tab);
    const closedAt = Date.now();
    await leader.close();
    for (const tab of others) {
      // Ready again after the switch (the badge alone may not have left "Connected" yet).
      await tab.waitForFunction(() => (window as unknown as { seenStates: [string, number][] }).seenStates.some(([state]) => state === 'ready'), undefined, { timeout: 10_000 });
      await connectionState(tab, 'Connected');
    }
    for (const tab of others) {
      const states = await seenStates(tab);
      expect(states.map(([state]) => state)).toContain('reconnecting');
      const readyAt = [...states].reverse().find(([state]) => state === 'ready')![1];
      // The lock passes at once; the first reconnect attempt waits 1-2 s (retry.minDelay, jittered).
      expect(readyAt - closedAt).toBeLessThan(1_000 + 2_000 + 1_000);
    }
    expect(logged(demo.server, 'ws.open') - logged(demo.server, 'ws.close')).toBe(1);
    tabs = others;
  });

  it('a message sent in a follower during the switch is delivered once, in both tabs', async () => {
    // The first tab left leads now: close it, and send from the other while it takes over.
    const [leader, follower] = tabs as [Page, Page];
    const text = 'sent while the leading tab changed';
    const third = await openTab(demo.browser!, demo.server.httpUrl);
    await connectionState(third, 'Connected');
    await leader.close();
    await connectionState(follower, 'Reconnecting');
    await sendMessage(follower, text);
    for (const tab of [follower, third]) {
      await connectionState(tab, 'Connected', 10_000);
      await messages(tab, text).waitFor();
      expect(await messages(tab, text).count()).toBe(1);
    }
    await follower.getByTestId('pending-message').waitFor({ state: 'detached' });
    expect(await countMessages(demo.server.database, text)).toBe(1);
    expect(logged(demo.server, 'ws.open') - logged(demo.server, 'ws.close')).toBe(1);
    tabs = [follower, third];
  });

  it('signing out in one tab ends the session in the other: its getToken gets no token and every tab shows the sign-in form', async () => {
    const [signingOut, other] = tabs as [Page, Page];
    await signingOut.getByRole('button', { name: 'Sign out' }).click();
    // The leader's next refresh (within one 2-second period) finds the cookie revoked.
    for (const tab of tabs) await tab.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: 10_000 });
    expect(await other.evaluate(() => window.permsocket.state)).toBe('unauthenticated');
    expect(logged(demo.server, 'ws.open') - logged(demo.server, 'ws.close')).toBe(0);
    expect(demo.browser!.pageErrors).toEqual([]);
  });
});

describe.skipIf(skip !== undefined)('the demo app in three tabs of one browser: the leading tab crashes', () => {
  const demo = useDemo();

  it('leaves the other tabs ready on a new leader socket within 1 s plus backoff', async () => {
    demo.browser = await openWindow(demo.server.httpUrl);
    await signIn(demo.browser.page, 'alice');
    const others = [await openTab(demo.browser, demo.server.httpUrl), await openTab(demo.browser, demo.server.httpUrl)];
    for (const tab of others) await connectionState(tab, 'Connected');
    for (const tab of others) await recordStates(tab);
    // The renderer of the leading tab dies: no unload, no goodbye; the browser frees its lock.
    const devtools = await demo.browser.context.newCDPSession(demo.browser.page);
    const crashedAt = Date.now();
    void devtools.send('Page.crash').catch(() => {});
    for (const tab of others) {
      await tab.waitForFunction(() => (window as unknown as { seenStates: [string, number][] }).seenStates.some(([state]) => state === 'ready'), undefined, { timeout: 10_000 });
      const readyAt = (await seenStates(tab)).find(([state]) => state === 'ready')![1];
      expect(readyAt - crashedAt).toBeLessThan(1_000 + 2_000 + 1_000);
    }
    await expect.poll(() => logged(demo.server, 'ws.open') - logged(demo.server, 'ws.close'), { timeout: 10_000 }).toBe(1);
    await others[0]!.getByLabel('Message', { exact: true }).waitFor();
  });
});

describe.skipIf(skip !== undefined)('the demo app in two tabs of a browser without Web Locks (a page that is not a secure context)', () => {
  const demo = useDemo();

  it('opens a socket per tab and says so in the console', async () => {
    demo.browser = await openWindow('about:blank');
    // What an insecure context lacks: the Web Locks API.
    await demo.browser.context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined }));
    const said: string[] = [];
    demo.browser.context.on('console', (message) => said.push(message.text()));
    await demo.browser.page.goto(demo.server.httpUrl);
    await signIn(demo.browser.page, 'alice');
    const second = await openTab(demo.browser, demo.server.httpUrl);
    await connectionState(second, 'Connected');
    expect(logged(demo.server, 'ws.open')).toBe(2);
    expect(said.filter((text) => text.startsWith('[permsocket] this tab: alone (Web Locks or BroadcastChannel are missing'))).toHaveLength(2);
    expect(demo.browser.pageErrors).toEqual([]);
  });
});
