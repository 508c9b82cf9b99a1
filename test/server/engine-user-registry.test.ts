/**
 * The engine's registry of sockets by user, as an app sees it: `connectionCount` follows the
 * sockets, a user's other sockets keep getting events and pushes when one closes, and a user whose
 * last socket closed costs no more loadPermissions calls.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { appsPerTest, startApp, type TestApp } from './harness';

// Each test's apps are stopped after it.
const app = appsPerTest();

describe('the registry of sockets', () => {
  it('counts every open socket and forgets each one that closes, signed in or not', async () => {
    const { ps, signIn, open, logs } = await app();
    const signedIn = (await signIn('1')).client;
    const anonymous = await open();
    expect(ps.connectionCount).toBe(2);
    anonymous.close();
    await anonymous.waitClosed();
    await vi.waitFor(() => expect(ps.connectionCount).toBe(1));
    signedIn.close();
    await signedIn.waitClosed();
    await vi.waitFor(() => expect(ps.connectionCount).toBe(0));
    expect(logs.filter((log) => log.event === 'ws.close')).toHaveLength(2);
  });

  it("keeps sending events and pushes to a user's other socket after one of theirs closes", async () => {
    const { ps, signIn, users } = await app();
    const leaving = (await signIn('1')).client;
    const staying = (await signIn('1')).client;
    leaving.close();
    await leaving.waitClosed();
    await vi.waitFor(() => expect(ps.connectionCount).toBe(1));
    await ps.publish('system.notice', { text: 'still here' }, { permission: null });
    expect((await staying.next('event')).data).toEqual({ text: 'still here' });
    Object.assign(users.get('1')!, { version: 2, grants: [] });
    await ps.pushPermissions('1');
    expect(await staying.next('perms')).toEqual({ type: 'perms', version: 2, grants: [] });
  });

  it('calls loadPermissions for no event or push once the last socket of a user has closed', async () => {
    const { ps, signIn, calls } = await app();
    const alice = (await signIn('1')).client;
    const bob = (await signIn('2')).client;
    alice.close();
    await alice.waitClosed();
    await vi.waitFor(() => expect(ps.connectionCount).toBe(1));
    const loads = calls.loadPermissions;
    await ps.publish('system.notice', { text: 'for bob' }, { permission: null });
    await bob.next('event');
    await ps.pushPermissions('1');
    expect(calls.loadPermissions).toBe(loads + 1);
  });
});
