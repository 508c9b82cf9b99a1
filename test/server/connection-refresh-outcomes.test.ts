/**
 * What a signed-in client sees, and what the engine logs, on sign-in and on `auth.refresh`: the
 * log lines, the fresh permission load a refresh forces, and each refusal with its code and words,
 * none of which leaves an internal error behind.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expectServerClose } from '../conformance/helpers';
import { appsPerTest, startApp, type TestApp } from './harness';

// Each test's apps are stopped after it.
const app = appsPerTest();

const internalErrors = (started: TestApp) => started.logs.filter((log) => log.event === 'ws.internal_error');

describe('signing in and refreshing', () => {
  it('logs ws.auth with the user, the address and the connection once auth.ok went out', async () => {
    const started = await app();
    await started.signIn('1');
    expect(started.logs).toContainEqual({ event: 'ws.auth', fields: { user: 'alice', ip: '127.0.0.1', connection: expect.stringMatching(/^c\d+$/) } });
  });

  it('never signs in a client that left while its token was being verified', async () => {
    let verified!: () => void;
    const pending = new Promise<void>((resolve) => (verified = resolve));
    const started = await app({
      authenticate: async () => {
        await pending;
        return { user: { id: '1', name: 'alice' }, exp: Math.floor(Date.now() / 1000) + 300 };
      },
    });
    const client = await started.open();
    client.send({ type: 'auth', token: 't' });
    // Longer than waitFor's 1 s: on a loaded machine (the whole suite, or Stryker) the close took longer.
    await vi.waitFor(() => expect(started.logs.some((log) => log.event === 'ws.open')).toBe(true), { timeout: 5_000 });
    client.close();
    await vi.waitFor(() => expect(started.logs.some((log) => log.event === 'ws.close')).toBe(true), { timeout: 5_000 });
    verified();
    await new Promise((resolve) => setImmediate(resolve));
    expect(started.logs.map((log) => log.event)).toEqual(['ws.open', 'ws.close']);
    expect(started.ps.connectionCount).toBe(0);
  });

  it('logs ws.refresh with the user and the connection after answering an auth.refresh', async () => {
    const started = await app();
    const { client } = await started.signIn('1');
    client.send({ type: 'auth.refresh', token: await started.token('1') });
    await client.next('auth.ok');
    const auth = started.logs.find((log) => log.event === 'ws.auth')!;
    expect(started.logs).toContainEqual({ event: 'ws.refresh', fields: { user: 'alice', connection: auth.fields.connection } });
  });

  it("loads permissions afresh on sign-in even when permissionsVersion has not moved since the user's other socket signed in", async () => {
    const started = await app({ permissionsVersion: (user) => started.users.get(user.id)?.version });
    await started.signIn('1');
    const loads = started.calls.loadPermissions;
    // Changed without a version bump: only a forced load sees it.
    started.users.get('1')!.grants = ['notes.view_note'];
    expect((await started.signIn('1')).authOk.perms).toEqual({ version: 1, grants: ['notes.view_note'] });
    expect(started.calls.loadPermissions).toBe(loads + 1);
  });

  it('loads permissions afresh on auth.refresh even when permissionsVersion has not moved', async () => {
    const started = await app({ permissionsVersion: (user) => started.users.get(user.id)?.version });
    const { client } = await started.signIn('1');
    const loads = started.calls.loadPermissions;
    // Changed without a version bump: only a forced load sees it.
    started.users.get('1')!.grants = ['notes.view_note'];
    client.send({ type: 'auth.refresh', token: await started.token('1') });
    expect((await client.next('auth.ok')).perms).toEqual({ version: 1, grants: ['notes.view_note'] });
    expect(started.calls.loadPermissions).toBe(loads + 1);
  });

  it('closes with 4403 saying why when auth.refresh carries a token of another user', async () => {
    const started = await app();
    const { client } = await started.signIn('1');
    client.send({ type: 'auth.refresh', token: await started.token('2') });
    expect((await expectServerClose(client, 4403))?.error.message).toBe('auth.refresh with a token of another user');
  });

  it('closes with 4401 an auth.refresh whose token it cannot verify, and logs no internal error', async () => {
    const started = await app();
    const { client } = await started.signIn('1');
    client.send({ type: 'auth.refresh', token: await started.token('1', { aud: 'elsewhere' }) });
    expect((await expectServerClose(client, 4401))?.error.message).toBe('token claim aud check_failed');
    await started.stop();
    expect(internalErrors(started)).toEqual([]);
  });

  it('closes with 1013 when permissions cannot be loaded for an auth.refresh, logging the failure once', async () => {
    let failing = false;
    const started = await app({
      loadPermissions: () => {
        if (failing) throw new Error('permissions store down');
        return { version: 1, grants: [] };
      },
    });
    const { client } = await started.signIn('1');
    failing = true;
    client.send({ type: 'auth.refresh', token: await started.token('1') });
    expect((await client.waitClosed()).code).toBe(1013);
    await started.stop();
    expect(internalErrors(started).map((log) => log.fields.message)).toEqual(['permissions store down']);
  });
});
