/**
 * The demo app as a new user meets it, in Chromium against the Node reference server: what a
 * permission change says, the developer panel with the client's events, a refusal by the client
 * and one by the server, toasts that never cover the admin table, a signed-out load without a
 * 401, and a message that never left the tab sent again exactly once.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import type { TestServer } from '../conformance/server';
import { connectionState, messages, openRoom, screenshot, sendButton, sendMessage, signIn, toast } from './support/app';
import { chromiumMissing, windowSet, type Window } from './support/browser';
import { Line } from './support/line';
import { adminRequest, startDemo } from './support/setup';
import { countMessages } from './support/sqlite';

const skip = chromiumMissing();
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

/** The client events panel's entries of one kind, newest first. */
function logEntries(page: Page, kind: string): Locator {
  return page.getByTestId('event-log').locator(`li[data-kind="${kind}"]`);
}

/** The notice of the last permission change. */
function notice(page: Page, text: string): Locator {
  return page.getByTestId('permission-notices').filter({ hasText: text });
}

type Box = { x: number; y: number; width: number; height: number };
const overlap = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe.skipIf(skip !== undefined)('the demo app: a front-end developer’s first day', () => {
  let server: TestServer;
  const windows = windowSet();
  const open = () => windows.open(server.httpUrl);

  beforeAll(async () => {
    server = await startDemo();
  });

  afterAll(async () => {
    await windows.closeAll();
    await server?.stop();
  });

  it('loads signed out without asking /auth/refresh, so the console shows no 401', async () => {
    const window = await open();
    const failures: string[] = [];
    const refreshes: number[] = [];
    window.page.on('console', (message) => message.type() === 'error' && failures.push(message.text()));
    window.page.on('response', (response) => response.url().endsWith('/auth/refresh') && refreshes.push(response.status()));
    await window.page.reload();
    await window.page.getByRole('button', { name: 'Sign in' }).waitFor();
    await logEntries(window.page, 'auth-error').first().waitFor();
    expect(refreshes).toEqual([]);
    expect(failures).toEqual([]);

    // Signed in once, a reload does use the cookie (200), and a sign-out stops that again.
    await signIn(window.page, 'bob');
    await window.page.reload();
    await connectionState(window.page, 'Connected');
    expect(refreshes).toEqual([200]);
    await window.page.getByRole('button', { name: 'Sign out' }).click();
    await window.page.getByRole('button', { name: 'Sign in' }).waitFor();
    await window.page.reload();
    await window.page.getByRole('button', { name: 'Sign in' }).waitFor();
    await logEntries(window.page, 'auth-error').first().waitFor();
    expect(refreshes).toEqual([200]);
    expect(failures).toEqual([]);
    await windows.close(window);
  });

  it('tells alice in words what a live revoke and a scoped grant changed, and logs state and perms in the events panel', async () => {
    const alice = await open();
    await signIn(alice.page, 'alice');
    await logEntries(alice.page, 'ready').filter({ hasText: 'signed in as alice' }).waitFor();
    await logEntries(alice.page, 'state').filter({ hasText: 'ready' }).first().waitFor();

    await adminRequest(server, 'DELETE', '/admin/users/alice/grants/chat.send_message');
    await notice(alice.page, 'You can no longer post in #general and #random.').waitFor({ timeout: 2_000 });
    await sendButton(alice.page).waitFor({ state: 'detached' });
    await logEntries(alice.page, 'perms').filter({ hasText: 'chat.view_message' }).first().waitFor();
    await alice.page.setViewportSize(DESKTOP);
    await screenshot(alice.page, '10-alice-revoke-notice-1280');

    await adminRequest(server, 'PUT', `/admin/users/alice/grants/${encodeURIComponent('chat.send_message@room:general')}`);
    await notice(alice.page, 'You can now post in #general.').waitFor({ timeout: 2_000 });
    expect(await notice(alice.page, 'no longer').count()).toBe(0);
    await sendButton(alice.page).waitFor();

    await alice.page.getByRole('button', { name: 'Dismiss permission changes' }).click();
    await alice.page.getByTestId('permission-notices').waitFor({ state: 'detached' });
    await adminRequest(server, 'DELETE', `/admin/users/alice/grants/${encodeURIComponent('chat.send_message@room:general')}`);
    await adminRequest(server, 'PUT', '/admin/users/alice/grants/chat.send_message');
    await notice(alice.page, 'You can now post in #general and #random.').waitFor({ timeout: 2_000 });
    await windows.close(alice);
  });

  it('lets bob meet the client’s own refusal with "show disallowed controls": nothing is sent, the panel logs the denial', async () => {
    const bob = await open();
    await signIn(bob.page, 'bob');
    expect(await sendButton(bob.page).count()).toBe(0);
    await bob.page.getByLabel('Show disallowed controls').check();
    await sendButton(bob.page).waitFor();
    const before = bob.sentFrames.length;

    await sendMessage(bob.page, 'bob tries anyway');
    await toast(bob.page, 'Refused locally (never sent): chat.send needs chat.send_message on room:general').waitFor();
    await logEntries(bob.page, 'denied').filter({ hasText: 'Refused locally (never sent): chat.send' }).waitFor();
    expect(bob.sentFrames.slice(before).filter((frame) => frame.includes('chat.send'))).toEqual([]);
    expect(await bob.page.getByLabel('Message', { exact: true }).inputValue()).toBe('bob tries anyway');
    await bob.page.setViewportSize(DESKTOP);
    await screenshot(bob.page, '11-bob-local-refusal-1280');
    await bob.page.setViewportSize(PHONE);
    await screenshot(bob.page, '11-bob-local-refusal-phone');
    await windows.close(bob);
  });

  it('shows alice refusals only the server can make: an unknown room, and a grant removed behind its back', async () => {
    const alice = await open();
    await signIn(alice.page, 'alice');
    await alice.page.getByLabel('Show disallowed controls').check();

    // #archive: her unscoped grant covers every room, so the client sends; only the server knows the room.
    await openRoom(alice.page, 'archive');
    await toast(alice.page, 'Could not load #archive: no room "archive"').waitFor();
    await sendMessage(alice.page, 'into the void');
    await toast(alice.page, 'Message not sent: no room "archive"').waitFor();
    expect(alice.sentFrames.filter((frame) => frame.includes('into the void'))).toHaveLength(1);

    // A grant deleted in the database by the demo's script, without a push: her page still offers
    // Send, the server refuses.
    await openRoom(alice.page, 'general');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'demo/server/revoke-directly.ts', 'alice', 'chat.send_message'], {
      env: { ...process.env, DATABASE: server.database },
    });
    expect(stdout).toContain('deleted chat.send_message from alice');
    await sendMessage(alice.page, 'sent on a stale snapshot');
    await toast(alice.page, 'Refused by the server: chat.send needs chat.send_message on room:general').waitFor();
    await logEntries(alice.page, 'denied').filter({ hasText: 'Refused by the server' }).waitFor();
    // The server pushed the new snapshot before its answer: the page says what changed.
    await notice(alice.page, 'You can no longer post in #general and #random.').waitFor();
    expect(await messages(alice.page, 'sent on a stale snapshot').count()).toBe(0);
    await alice.page.setViewportSize(DESKTOP);
    await screenshot(alice.page, '12-alice-server-refusal-1280');
    await adminRequest(server, 'PUT', '/admin/users/alice/grants/chat.send_message');
    await windows.close(alice);
  });

  it('shows the admin table within 1280x800, never under a toast, with every grant readable at phone width', async () => {
    const admin = await open();
    await admin.page.setViewportSize(DESKTOP);
    await signIn(admin.page, 'admin');
    const table = admin.page.getByRole('heading', { name: 'Users (admin)' });
    await admin.page.getByTestId('grants-dave').filter({ hasText: 'room:general' }).waitFor();
    const heading = await table.boundingBox();
    expect(heading).not.toBeNull();
    expect(heading!.y + heading!.height).toBeLessThan(DESKTOP.height);

    // Five changes in a row: at most three toasts, none over the table.
    await admin.page.getByLabel('User', { exact: true }).selectOption('bob');
    for (const grant of ['chat.send_message@room:random', 'chat.delete_message@room:random', 'chat.send_message@room:general', 'chat.delete_message@room:general', 'chat.send_message']) {
      await admin.page.getByLabel('Permission', { exact: true }).fill(grant);
      await admin.page.getByRole('button', { name: 'Grant', exact: true }).click();
      await admin.page.getByRole('status').filter({ hasText: `Granted ${grant} to bob` }).waitFor();
    }
    const shown = admin.page.getByRole('region', { name: 'Notifications' }).locator('.toast');
    await admin.page.screenshot({ path: 'test/e2e/artifacts/13-admin-toasts-beside-table-1280.png' });
    expect(await shown.count()).toBeLessThanOrEqual(3);
    const tableBox = await admin.page.locator('.admin table').boundingBox();
    for (const box of await Promise.all((await shown.all()).map((one) => one.boundingBox()))) {
      expect(box && tableBox && overlap(box, tableBox)).toBe(false);
    }
    // Scrolled to the end of the table, the toasts are still beside it.
    await admin.page.locator('.admin table').scrollIntoViewIfNeeded();
    const scrolled = await admin.page.locator('.admin table').boundingBox();
    for (const box of await Promise.all((await shown.all()).map((one) => one.boundingBox()))) {
      expect(box && scrolled && overlap(box, scrolled)).toBe(false);
    }
    // A toast can be dismissed; confirmations leave by themselves within 3 s.
    await shown.first().getByRole('button', { name: 'Dismiss notification' }).click();
    await expect.poll(() => shown.count(), { timeout: 5_000 }).toBe(0);

    await admin.page.setViewportSize(PHONE);
    const clipped = await admin.page.locator('td.grants code').evaluateAll((codes) =>
      codes.filter((code) => code.scrollWidth > code.clientWidth + 1 || code.getBoundingClientRect().right > window.innerWidth).map((code) => code.textContent),
    );
    expect(clipped).toEqual([]);
    const deactivate = await admin.page.getByRole('button', { name: 'Deactivate bob' }).boundingBox();
    expect(deactivate && deactivate.x + deactivate.width).toBeLessThanOrEqual(PHONE.width);
    await admin.page.locator('.admin').scrollIntoViewIfNeeded();
    await screenshot(admin.page, '13-admin-grants-phone');
    for (const grant of ['chat.send_message@room:random', 'chat.delete_message@room:random', 'chat.send_message@room:general', 'chat.delete_message@room:general', 'chat.send_message']) {
      await adminRequest(server, 'DELETE', `/admin/users/bob/grants/${encodeURIComponent(grant)}`);
    }
    await windows.close(admin);
  });

  it('reports a deactivation once, on the sign-in form, and not again as a toast', async () => {
    const bob = await open();
    await signIn(bob.page, 'bob');
    await adminRequest(server, 'PUT', '/admin/users/bob/active', { active: false });
    await connectionState(bob.page, 'Forbidden');
    await bob.page.getByText('The server refused this account (Forbidden)').waitFor();
    await logEntries(bob.page, 'auth-error').filter({ hasText: 'forbidden' }).waitFor();
    expect(await bob.page.getByRole('region', { name: 'Notifications' }).locator('.toast').count()).toBe(0);
    // Said once to the user (the developer panel logs it too, as a developer expects).
    expect(await bob.page.getByRole('alert').filter({ hasText: /forbidden|deactivated/i }).count()).toBe(1);
    await screenshot(bob.page, '14-bob-deactivated-once');
    await adminRequest(server, 'PUT', '/admin/users/bob/active', { active: true });
    await windows.close(bob);
  });

  it('says a message queued through an outage was not sent, and "Send again" sends it exactly once', async () => {
    const window: Window = await open();
    const line = await Line.attach(window.page);
    await window.page.reload();
    await signIn(window.page, 'carol');
    const text = 'typed while the network was down';
    const sends: string[] = [];
    line.onRequest = (frame) => {
      if (frame.action === 'chat.send') sends.push(frame.id ?? '');
    };

    line.cut({ stayOffline: true });
    await connectionState(window.page, 'Reconnecting');
    await sendMessage(window.page, text);
    // It waits in the client's queue for requestTimeout (10 s), then fails without having left.
    const unsent = window.page.getByTestId('unsent-message').filter({ hasText: text });
    await unsent.getByText('Not sent: there was no connection in time, so it never left this tab.').waitFor({ timeout: 15_000 });
    expect(await toast(window.page, /may not have been sent/).count()).toBe(0);
    expect(await window.page.getByLabel('Message', { exact: true }).inputValue()).toBe('');
    await window.page.setViewportSize(DESKTOP);
    await screenshot(window.page, '15-carol-not-sent-1280');

    line.restore();
    await connectionState(window.page, 'Connected', 20_000);
    const again = unsent.getByRole('button', { name: 'Send again' });
    await again.click();
    await again.click({ timeout: 500 }).catch(() => undefined); // a second click, if it is still there, must not send twice
    await messages(window.page, text).waitFor();
    await unsent.waitFor({ state: 'detached' });
    expect(sends).toHaveLength(1);
    expect(await countMessages(server.database, text)).toBe(1);
    await window.page.setViewportSize(PHONE);
    await screenshot(window.page, '15-carol-sent-again-phone');
    expect(window.pageErrors).toEqual([]);
    await windows.close(window);
  });
});
