/**
 * What happens when a hook or the hub fails while the engine handles pushes, events and
 * disconnects: ForbiddenError closes the user's sockets with 4403, anything else is logged as
 * `hub.error` and the sockets stay open, a failed publish rejects and is logged, and a message
 * that fails does not stop the ones after it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ForbiddenError } from 'permsocket/server';
import { expectServerClose } from '../conformance/helpers';
import { startApp, type TestApp } from './harness';
import { testHub } from './test-hub';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const started of apps.splice(0)) await started.stop();
});

/** An app whose loadPermissions fails with `failure.error` (thrown, or rejected when `async`) once set. */
async function failingApp(overrides: Parameters<typeof startApp>[0] = {}) {
  const failure: { error?: unknown; async?: boolean } = {};
  const started = await startApp({
    loadPermissions: () => {
      const snapshot = { version: 1, grants: ['notes.view_note'] };
      if (failure.error === undefined) return snapshot;
      if (failure.async) return Promise.reject(failure.error);
      throw failure.error;
    },
    ...overrides,
  });
  apps.push(started);
  return { ...started, failure };
}

const hubErrors = (logs: TestApp['logs']) => logs.filter((log) => log.event === 'hub.error');

describe('a loadPermissions that fails on a push or an event', () => {
  it.each([
    ['throws', false],
    ['rejects', true],
  ])('logs hub.error with the user and the message when it %s another error, and keeps the socket open', async (_, async) => {
    const { signIn, ps, failure, logs } = await failingApp();
    const { client } = await signIn('1');
    Object.assign(failure, { error: new Error('permissions database down'), async });
    await ps.pushPermissions('1');
    await ps.publish('system.notice', { text: 'lost' }, { permission: null });
    client.send({ type: 'ping' });
    await client.next('pong');
    expect(hubErrors(logs)).toEqual([
      { event: 'hub.error', fields: { user: 'alice', message: 'permissions database down' } },
      { event: 'hub.error', fields: { user: 'alice', message: 'permissions database down' } },
    ]);
    expect(client.received('event')).toEqual([]);
  });

  it.each([
    ['throws', false],
    ['rejects', true],
  ])("closes every socket of the user with 4403 when it %s a ForbiddenError, saying 'forbidden' when it has no message", async (_, async) => {
    const { signIn, ps, failure, logs } = await failingApp();
    const first = (await signIn('1')).client;
    const second = (await signIn('1')).client;
    Object.assign(failure, { error: new ForbiddenError(''), async });
    await ps.pushPermissions('1');
    for (const client of [first, second]) expect((await expectServerClose(client, 4403))?.error.message).toBe('forbidden');
    expect(hubErrors(logs)).toEqual([]);
  });

  it('logs nothing, and calls no hook, for a push to a user with no socket on this node', async () => {
    const started = await startApp();
    apps.push(started);
    const loads = started.calls.loadPermissions;
    await started.ps.pushPermissions('1');
    await started.ps.disconnectUser('1', 4403, 'gone');
    expect(started.calls.loadPermissions).toBe(loads);
    expect(hubErrors(started.logs)).toEqual([]);
  });
});

describe('a push', () => {
  it('reloads the permissions even while permissionsVersion still reports the old version', async () => {
    const started = await startApp({ permissionsVersion: () => 1 });
    apps.push(started);
    const { client } = await started.signIn('1');
    started.users.get('1')!.grants = ['notes.add_note', 'notes.view_note'];
    await started.ps.pushPermissions('1');
    expect(await client.next('perms')).toEqual({ type: 'perms', version: 1, grants: ['notes.add_note', 'notes.view_note'] });
  });
});

describe('the hub', () => {
  it('rejects publish, pushPermissions and disconnectUser with its error when it cannot publish, and logs hub.error with the kind', async () => {
    const hub = testHub();
    const { ps, logs } = await failingApp({ hub: hub.hub });
    hub.failWith = new Error('broker unreachable');
    await expect(ps.publish('system.notice', { text: 'x' }, { permission: null })).rejects.toBe(hub.failWith);
    await expect(ps.pushPermissions('1')).rejects.toBe(hub.failWith);
    await expect(ps.disconnectUser('1', 1000, 'bye')).rejects.toBe(hub.failWith);
    expect(hubErrors(logs).map((log) => log.fields)).toEqual([
      { kind: 'event', message: 'broker unreachable' },
      { kind: 'perms', message: 'broker unreachable' },
      { kind: 'disconnect', message: 'broker unreachable' },
    ]);
  });

  it('logs hub.error with the kind for a message it cannot handle, and still handles the next one', async () => {
    const hub = testHub();
    const { signIn, logs } = await failingApp({ hub: hub.hub });
    const { client } = await signIn('1');
    // A hub that passes objects along (no JSON on the way) can carry data no frame can hold.
    hub.deliver({ kind: 'event', name: 'system.notice', data: { n: 1n }, permission: null, resource: undefined });
    expect(hubErrors(logs)).toEqual([{ event: 'hub.error', fields: { kind: 'event', message: 'Do not know how to serialize a BigInt' } }]);
    hub.deliver({ kind: 'event', name: 'system.notice', data: { text: 'next' }, permission: null, resource: undefined });
    expect((await client.next('event')).data).toEqual({ text: 'next' });
  });

  it('ignores, and logs, a disconnect from another node with a code it does not allow, keeping the socket working', async () => {
    const hub = testHub();
    const { signIn, logs } = await failingApp({ hub: hub.hub });
    const { client } = await signIn('1');
    hub.deliver({ kind: 'disconnect', userId: '1', code: 999, reason: 'from an older node' });
    expect(hubErrors(logs)).toEqual([{ event: 'hub.error', fields: { kind: 'disconnect', message: 'disconnect: code 999 is not one a socket can be closed with here' } }]);
    client.send({ type: 'ping' });
    await client.next('pong');
  });
});
