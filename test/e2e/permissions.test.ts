/**
 * The demo app in Chromium against the Node reference server: what each user may do shows in the
 * UI, changes without a reload, and the server stays the authority.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../conformance/server';
import { connectionState, messages, openRoom, screenshot, sendButton, sendMessage, signIn, toast } from './support/app';
import { chromiumMissing, windowSet, type Window } from './support/browser';
import { deleteGrantDirectly } from './support/sqlite';
import { adminRequest, startDemo } from './support/setup';

const skip = chromiumMissing();

describe.skipIf(skip !== undefined)('the demo app: permissions in the browser', () => {
  let server: TestServer;
  let alice: Window;
  const windows = windowSet();
  const open = () => windows.open(server.httpUrl);
  const close = windows.close;

  beforeAll(async () => {
    server = await startDemo();
    alice = await open();
    await signIn(alice.page, 'alice');
  });

  afterAll(async () => {
    await windows.closeAll();
    await server?.stop();
  });

  it('shows alice her own message, bob sees it arrive without a Send button, dave may send in general only', async () => {
    const bob = await open();
    await screenshot(bob.page, '00-sign-in');
    await signIn(bob.page, 'bob');
    expect(await sendButton(bob.page).count()).toBe(0);
    await bob.page.getByText('You can read #general but not post here.').waitFor();

    await sendMessage(alice.page, 'hello from alice');
    await messages(alice.page, 'hello from alice').waitFor();
    await messages(bob.page, 'hello from alice').waitFor();
    await screenshot(alice.page, '01-alice-sent');
    await screenshot(bob.page, '01-bob-read-only');

    // A reload keeps alice signed in: the token was in memory only, the refresh cookie brings it back.
    await alice.page.reload();
    await connectionState(alice.page, 'Connected');
    await messages(alice.page, 'hello from alice').waitFor();

    const dave = await open();
    await signIn(dave.page, 'dave');
    await sendButton(dave.page).waitFor();
    await openRoom(dave.page, 'random');
    await dave.page.getByText('You can read #random but not post here.').waitFor();
    expect(await sendButton(dave.page).count()).toBe(0);
    await screenshot(dave.page, '01-dave-random-read-only');
    await close(bob, dave);
  });

  it("hides alice's Send within a second when the admin revokes her grant, and shows it again when granted back", async () => {
    const admin = await open();
    await signIn(admin.page, 'admin');
    await admin.page.getByRole('heading', { name: 'Users (admin)' }).waitFor();
    await admin.page.getByTestId('grants-alice').filter({ hasText: 'chat.send_message' }).waitFor();
    await admin.page.getByLabel('User', { exact: true }).selectOption('alice');
    await admin.page.getByLabel('Permission', { exact: true }).fill('chat.send_message');
    await sendButton(alice.page).waitFor();

    const revokedAt = Date.now();
    await admin.page.getByRole('button', { name: 'Revoke', exact: true }).click();
    await sendButton(alice.page).waitFor({ state: 'detached', timeout: 1000 });
    expect(Date.now() - revokedAt).toBeLessThan(1000);
    await alice.page.getByText('You can read #general but not post here.').waitFor();
    await admin.page.getByRole('status').filter({ hasText: 'Revoked chat.send_message from alice' }).waitFor();
    await screenshot(admin.page, '02-admin-revoked');
    await screenshot(alice.page, '02-alice-send-revoked');

    await admin.page.getByRole('button', { name: 'Grant', exact: true }).click();
    await sendButton(alice.page).waitFor({ timeout: 1000 });
    await screenshot(alice.page, '02-alice-send-granted-back');
    await close(admin);
  });

  it('shows Delete only to a user who may delete, and a deletion disappears from every window', async () => {
    const admin = await open();
    await signIn(admin.page, 'admin');
    await sendMessage(admin.page, 'a message to delete');
    await messages(alice.page, 'a message to delete').waitFor();
    expect(await alice.page.getByRole('button', { name: /^Delete message/ }).count()).toBe(0);

    await admin.page.getByRole('button', { name: 'Delete message from admin: a message to delete' }).click();
    await messages(alice.page, 'a message to delete').waitFor({ state: 'detached' });
    await messages(admin.page, 'a message to delete').waitFor({ state: 'detached' });
    await close(admin);
  });

  it('shows bob Forbidden as soon as the admin deactivates him, and lets him in again once activated', async () => {
    const [admin, bob] = await Promise.all([open(), open()]);
    await Promise.all([signIn(admin.page, 'admin'), signIn(bob.page, 'bob')]);

    await admin.page.getByRole('button', { name: 'Deactivate bob' }).click();
    await connectionState(bob.page, 'Forbidden');
    await bob.page.getByText('The server refused this account (Forbidden)').waitFor();
    await screenshot(bob.page, '02-bob-deactivated');

    await admin.page.getByRole('button', { name: 'Activate bob' }).click();
    await admin.page.getByRole('button', { name: 'Deactivate bob' }).waitFor();
    await signIn(bob.page, 'bob');
    await close(admin, bob);
  });

  it("enforces a grant removed behind the server's back on alice's next send, and says the server refused", async () => {
    const { changes } = await deleteGrantDirectly(server.database, 'alice', 'chat.send_message');
    expect(changes).toBe(1);
    // No push was sent: alice's window still offers Send, from her old snapshot.
    await sendButton(alice.page).waitFor();

    await sendMessage(alice.page, 'sent after the grant was gone');
    await toast(alice.page, 'Refused by the server: chat.send needs chat.send_message on room:general').waitFor();
    await sendButton(alice.page).waitFor({ state: 'detached' });
    expect(await messages(alice.page, 'sent after the grant was gone').count()).toBe(0);
    await screenshot(alice.page, '03-alice-refused-by-server');

    await adminRequest(server, 'PUT', '/admin/users/alice/grants/chat.send_message');
    await sendButton(alice.page).waitFor();
  });

  it('refuses a hidden request dispatched from the console locally, without sending it', async () => {
    // alice may not delete; the UI shows no Delete button, the console can still try.
    await messages(alice.page, 'hello from alice').waitFor();
    expect(await alice.page.getByRole('button', { name: /^Delete message/ }).count()).toBe(0);
    const framesBefore = alice.sentFrames.length;

    const outcome = await alice.page.evaluate(() =>
      window.permsocket.request('chat.delete', { room: 'general', id: '1' }).then(
        () => 'sent',
        (error: { name: string; source?: string }) => `${error.name}:${error.source}`,
      ),
    );

    expect(outcome).toBe('PermissionDeniedError:local');
    await toast(alice.page, 'Refused locally (never sent): chat.delete needs chat.delete_message on room:general').waitFor();
    const sentSince = alice.sentFrames.slice(framesBefore);
    expect(sentSince.filter((frame) => frame.includes('chat.delete'))).toEqual([]);
    await screenshot(alice.page, '04-alice-refused-locally');
    expect(alice.pageErrors).toEqual([]);
  });
});
