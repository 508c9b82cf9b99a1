/**
 * The demo app's session across tabs (refresh-cookie rotation, sign-out) and the admin panel in
 * two windows: what the user notices when several tabs refresh at once, when sign-out fails, when
 * the session ends elsewhere, and when another admin changes something.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Route } from 'playwright-core';
import type { TestServer } from '../conformance/server';
import { connectionState, signIn, toast } from './support/app';
import { chromiumMissing, openWindow, windowSet, type Window } from './support/browser';
import { adminRequest, startDemo } from './support/setup';

const skip = chromiumMissing();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}
function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}
/** A GET /admin/users held back: fetched from the server, then answered late. */
interface Slow {
  fetched: Deferred;
  served: Deferred;
}

/** Opens another tab in the same window (same profile, so the same refresh cookie). */
async function openTab(window: Window, url: string): Promise<Page> {
  const page = await window.context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (error) => window.pageErrors.push(error.message));
  await page.goto(url);
  return page;
}

/** Waits until the page has settled on the chat or the sign-in form; says who is signed in, or null. */
async function signedInUser(page: Page): Promise<string | null> {
  await page.locator('[data-testid="user-name"], #username').first().waitFor();
  const name = page.getByTestId('user-name');
  if ((await name.count()) === 0) return null;
  await connectionState(page, 'Connected');
  return name.textContent();
}

/** The effective grants the admin panel lists for a user. */
function listedGrants(page: Page, user: string): Promise<string[]> {
  return page.getByTestId(`grants-${user}`).locator('code').allTextContents();
}

/** Waits until the admin panel lists `grant` for `user` (or no longer lists it). */
async function waitForListed(page: Page, user: string, grant: string, listed: boolean): Promise<void> {
  const code = page.getByTestId(`grants-${user}`).locator('code').filter({ hasText: new RegExp(`^${grant.replace(/\./g, '\\.')}$`) });
  await code.waitFor({ state: listed ? 'attached' : 'detached' });
}

describe.skipIf(skip !== undefined)('the demo app: sessions in several tabs and the admin panel', () => {
  let server: TestServer;
  const windows = windowSet();
  const close = windows.close;

  async function open(url = server.httpUrl): Promise<Window> {
    const window = await windows.open(url);
    window.page.setDefaultTimeout(10_000);
    return window;
  }

  beforeAll(async () => {
    server = await startDemo();
  });

  afterAll(async () => {
    await windows.closeAll();
    await server?.stop();
  });

  describe('the session', () => {
    it('keeps alice signed in in every tab when she reloads three tabs at once', async () => {
      const alice = await open();
      await signIn(alice.page, 'alice');
      const tabs = [alice.page];
      for (let i = 0; i < 2; i++) {
        const tab = await openTab(alice, server.httpUrl);
        expect(await signedInUser(tab)).toBe('alice');
        tabs.push(tab);
      }

      // Hold every refresh a moment before it leaves: tabs that refresh at the same time would
      // all send the same cookie, which the server takes for a replayed one. The tabs share one
      // client (`shareAcrossTabs`), so the leading tab refreshes for all, or, while the lead passes
      // from a reloading tab to the next, a new leader once more.
      const sent: string[] = [];
      await alice.context.route('**/auth/refresh', async (route: Route) => {
        sent.push((await route.request().allHeaders()).cookie ?? '');
        await sleep(300);
        await route.continue();
      });
      await Promise.all(tabs.map((tab) => tab.reload()));
      const users = await Promise.all(tabs.map(signedInUser));
      expect(users).toEqual(['alice', 'alice', 'alice']);
      // At most one refresh per tab, each with the cookie the previous one set: the server saw no reuse.
      expect(sent.length).toBeGreaterThanOrEqual(1);
      expect(sent.length).toBeLessThanOrEqual(3);
      expect(new Set(sent).size).toBe(sent.length);
      expect(server.logs()).not.toContain('refresh_refused');
      await alice.context.unroute('**/auth/refresh');

      // The cookie family is still good: one more reload signs in again.
      await tabs[0]!.reload();
      expect(await signedInUser(tabs[0]!)).toBe('alice');
      for (const tab of tabs) expect(await toast(tab, /./).count()).toBe(0);
      expect(alice.pageErrors).toEqual([]);
      await close(alice);
    });

    it('says sign-out failed and the server may still have the session when the logout request fails, and a retry signs out', async () => {
      const alice = await open();
      await signIn(alice.page, 'alice');

      await alice.context.route('**/auth/logout', (route) => route.abort());
      await alice.page.getByRole('button', { name: 'Sign out' }).click();
      await toast(alice.page, /Sign-out failed.*may still be active/).waitFor();
      const notice = alice.page.getByTestId('logout-failed');
      await notice.filter({ hasText: 'may still be active' }).waitFor();

      // A server error is a failure too, not a sign-out.
      await alice.context.unroute('**/auth/logout');
      await alice.context.route('**/auth/logout', (route) => route.fulfill({ status: 500, body: 'boom' }));
      await alice.page.getByRole('button', { name: 'Retry sign-out' }).click();
      await toast(alice.page, /Sign-out failed \(HTTP 500\)/).waitFor();
      await notice.waitFor();

      await alice.context.unroute('**/auth/logout');
      await alice.page.getByRole('button', { name: 'Retry sign-out' }).click();
      await alice.page.getByRole('status').filter({ hasText: 'Signed out on the server' }).waitFor();
      await notice.waitFor({ state: 'detached' });
      await alice.page.reload();
      expect(await signedInUser(alice.page)).toBeNull();
      expect(alice.pageErrors).toEqual([]);
      await close(alice);
    });
  });

  describe('the admin panel in two windows', () => {
    let admin: Window;
    let other: Window;

    beforeAll(async () => {
      [admin, other] = await Promise.all([open(), open()]);
      await Promise.all([signIn(admin.page, 'admin'), signIn(other.page, 'admin')]);
      await admin.page.getByLabel('User', { exact: true }).selectOption('alice');
      await admin.page.getByLabel('Permission', { exact: true }).fill('chat.send_message');
    });

    it('shows a change made in another admin window as soon as this window gets focus again', async () => {
      await admin.page.getByRole('button', { name: 'Deactivate dave', exact: true }).waitFor();
      await other.page.getByRole('button', { name: 'Deactivate dave', exact: true }).click();
      await other.page.getByRole('button', { name: 'Activate dave', exact: true }).waitFor();

      const listed = admin.page.waitForResponse((r) => r.url().endsWith('/admin/users') && r.request().method() === 'GET', { timeout: 2000 });
      await admin.page.evaluate(() => window.dispatchEvent(new Event('focus')));
      await listed;
      await admin.page.getByRole('button', { name: 'Activate dave', exact: true }).waitFor({ timeout: 1000 });

      await other.page.getByRole('button', { name: 'Activate dave', exact: true }).click();
      await other.page.getByRole('button', { name: 'Deactivate dave', exact: true }).waitFor();
      await admin.page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
      await admin.page.getByRole('button', { name: 'Deactivate dave', exact: true }).waitFor({ timeout: 2000 });
    });

    it('shows a change made in another admin window within seconds while it stays open', async () => {
      await other.page.getByRole('button', { name: 'Deactivate dave', exact: true }).click();
      await other.page.getByRole('button', { name: 'Activate dave', exact: true }).waitFor();
      // Nothing happens in this window: the reload every few seconds brings the change.
      await admin.page.getByRole('button', { name: 'Activate dave', exact: true }).waitFor({ timeout: 8000 });
      await adminRequest(server, 'PUT', '/admin/users/dave/active', { active: true });
    });

    it('never goes back to an older list when reloads answer out of order', async () => {
      // An armed GET /admin/users is fetched at once but answered 1.5 s later: an old list, late.
      let armed: Slow | null = null;
      await admin.context.route(/\/admin\/users$/, async (route) => {
        const slow = armed;
        if (route.request().method() !== 'GET' || !slow) return route.continue();
        armed = null;
        const response = await route.fetch();
        slow.fetched.resolve();
        await sleep(1500);
        await route.fulfill({ response });
        slow.served.resolve();
      });
      const arm = () => (armed = { fetched: deferred(), served: deferred() });
      const settled = async (slow: Slow) => {
        await slow.served.promise;
        await sleep(300);
      };

      // Two quick changes: the list after the first answers last.
      await waitForListed(admin.page, 'alice', 'chat.send_message', true);
      const first = arm();
      await admin.page.getByRole('button', { name: 'Revoke', exact: true }).click();
      await first.fetched.promise;
      await admin.page.getByRole('button', { name: 'Grant', exact: true }).click();
      await admin.page.getByRole('status').filter({ hasText: 'Granted chat.send_message to alice' }).waitFor();
      await settled(first);
      expect(await listedGrants(admin.page, 'alice')).toContain('chat.send_message');

      // A background reload asked before a change answers after the change's reload.
      const second = arm();
      await admin.page.evaluate(() => window.dispatchEvent(new Event('focus')));
      await second.fetched.promise;
      await admin.page.getByRole('button', { name: 'Revoke', exact: true }).click();
      await waitForListed(admin.page, 'alice', 'chat.send_message', false);
      await settled(second);
      expect(await listedGrants(admin.page, 'alice')).not.toContain('chat.send_message');

      await admin.context.unroute(/\/admin\/users$/);
      await admin.page.getByRole('button', { name: 'Grant', exact: true }).click();
      await waitForListed(admin.page, 'alice', 'chat.send_message', true);
    });

    it('says a grant carol still gets from group moderator was not revoked', async () => {
      await admin.page.getByLabel('User', { exact: true }).selectOption('carol');
      await admin.page.getByLabel('Permission', { exact: true }).fill('chat.send_message');
      await admin.page.getByRole('button', { name: 'Revoke', exact: true }).click();
      await toast(admin.page, 'chat.send_message still comes from group moderator').waitFor();
      await admin.page.getByRole('button', { name: 'Revoke', exact: true }).waitFor({ state: 'visible' });
      expect(await admin.page.getByRole('status').filter({ hasText: 'Revoked chat.send_message from carol' }).count()).toBe(0);
      expect(await listedGrants(admin.page, 'carol')).toContain('chat.send_message');
      expect(admin.pageErrors).toEqual([]);
      expect(other.pageErrors).toEqual([]);
    });
  });
});

describe.skipIf(skip !== undefined)('the demo app: a session that ends while in use (3-second token)', () => {
  let server: TestServer;
  let alice: Window | undefined;
  let nobody: Window | undefined;

  beforeAll(async () => {
    server = await startDemo({ env: { ACCESS_TOKEN_TTL: '3' } });
  });

  afterAll(async () => {
    await Promise.all([alice?.close(), nobody?.close()]);
    await server?.stop();
  });

  it('tells alice her session ended in a second tab when she signs out in the first, but says nothing on a page opened signed out', async () => {
    nobody = await openWindow(server.httpUrl);
    nobody.page.setDefaultTimeout(10_000);
    expect(await signedInUser(nobody.page)).toBeNull();

    alice = await openWindow(server.httpUrl);
    alice.page.setDefaultTimeout(10_000);
    await signIn(alice.page, 'alice');
    const second = await openTab(alice, server.httpUrl);
    expect(await signedInUser(second)).toBe('alice');

    await alice.page.getByRole('button', { name: 'Sign out' }).click();
    expect(await signedInUser(alice.page)).toBeNull();
    // The second tab's next refresh (within 3 seconds) is refused: it says why it signed out.
    await toast(second, 'Your session ended, sign in again').waitFor();
    expect(await signedInUser(second)).toBeNull();

    expect(await toast(alice.page, /./).count()).toBe(0);
    expect(await toast(nobody.page, /./).count()).toBe(0);
    expect(alice.pageErrors).toEqual([]);
  });
});
