import { describe, expect, it } from 'vitest';
import type { PermissionSet } from 'permsocket';
import { authOk, grantsOf, tick } from './fake-server';
import { useFakeServer } from './harness';

const { server, start } = useFakeServer();

describe('the permission snapshot', () => {
  it('replaces the snapshot on a newer perms push and emits permissions', async () => {
    server.script({ onAuth: (token) => authOk(token, grantsOf(3, ['chat.view_message', 'chat.send_message'])) });
    const seen: PermissionSet[] = [];
    const { client } = start({ on: { permissions: (p) => seen.push(p) } });
    await tick(10);
    const before = client.permissions;
    server.last.send({ type: 'perms', version: 4, grants: ['chat.view_message'] });
    await tick(10);
    expect(client.permissions.version).toBe(4);
    expect(client.can('chat.send', { room: 'general', text: 'x' })).toBe(false);
    expect(seen.map((p) => p.version)).toEqual([3, 4]);
    // The old snapshot is untouched: a UI can compare by identity.
    expect(before.grants).toEqual(['chat.send_message', 'chat.view_message']);
    expect(Object.isFrozen(client.permissions)).toBe(true);
  });

  it('ignores a snapshot older than the one it has', async () => {
    server.script({ onAuth: (token) => authOk(token, grantsOf(5, ['chat.view_message', 'chat.send_message'])) });
    const seen: number[] = [];
    const { client } = start({ on: { permissions: (p) => seen.push(p.version) } });
    await tick(10);
    server.last.send({ type: 'perms', version: 4, grants: [] });
    server.last.send({ type: 'perms', version: 5, grants: [] });
    await tick(10);
    expect(client.permissions.version).toBe(5);
    expect(client.can('chat.history', { room: 'general' })).toBe(true);
    expect(seen).toEqual([5]);
  });

  it('applies no perms push that comes before the auth.ok saying whose grants they are', async () => {
    let accept: (() => void) | undefined;
    server.script({
      onAuth: (token, connection) => {
        connection.send({ type: 'perms', version: 7, grants: ['*'] });
        accept = () => connection.send(authOk(token, grantsOf(2, ['chat.view_message'])));
      },
    });
    const seen: number[] = [];
    const { client } = start({ on: { permissions: (p) => seen.push(p.version) } });
    await tick(10);
    expect(client.state).toBe('authenticating');
    expect(client.permissions.grants).toEqual([]);
    expect(seen).toEqual([]);
    accept?.();
    await tick(10);
    expect(client.permissions).toMatchObject({ version: 2, grants: ['chat.view_message'] });
    expect(seen).toEqual([2]);
  });

  it('keeps the grants while it reconnects after a ping went unanswered, as the user is the same', async () => {
    server.script({ onAuth: (token) => authOk(token, grantsOf(3, ['chat.view_message'])), onPing: (connection) => (connection === server.connections[0] ? null : { type: 'pong' }) });
    const seen: number[] = [];
    const { client } = start({ ping: { interval: 1_000, timeout: 500 }, retry: { minDelay: 60_000, maxDelay: 60_000 }, on: { permissions: (p) => seen.push(p.version) } });
    await tick(10);
    await tick(2_000);
    expect(server.connections[0]!.closedByClient?.code).toBe(4000);
    expect(client.state).toBe('reconnecting');
    expect(client.permissions).toMatchObject({ version: 3, grants: ['chat.view_message'] });
    expect(client.can('chat.history', { room: 'general' })).toBe(true);
    expect(client.user).toEqual({ id: '1', name: 'alice' });
    expect(seen).toEqual([3]);
  });

  it('tells debug it dropped the socket itself with 4000 and reconnects', async () => {
    server.script({ onPing: () => null });
    const closes: unknown[] = [];
    start({ ping: { interval: 1_000, timeout: 500 }, retry: { minDelay: 60_000, maxDelay: 60_000 }, debug: (entry) => void (entry.kind === 'close' && closes.push(entry)) });
    await tick(10);
    await tick(1_600);
    expect(closes).toEqual([{ kind: 'close', code: 4000, decision: 'reconnect' }]);
  });

  it('lets a UI re-render through subscribe when permissions, state or the user change', async () => {
    const { client } = start();
    let renders = 0;
    const unsubscribe = client.subscribe(() => renders++);
    await tick(10);
    const afterConnect = renders;
    expect(afterConnect).toBeGreaterThanOrEqual(2);
    server.last.send({ type: 'perms', version: 9, grants: [] });
    await tick(10);
    expect(renders).toBe(afterConnect + 1);
    unsubscribe();
    server.last.send({ type: 'perms', version: 10, grants: [] });
    await tick(10);
    expect(renders).toBe(afterConnect + 1);
  });

  it('forgets the user and the grants when the client stops', async () => {
    const { client } = start();
    await tick(10);
    expect(client.user).toEqual({ id: '1', name: 'alice' });
    client.close();
    expect(client.user).toBeNull();
    expect(client.permissions.grants).toEqual([]);
    expect(client.can('chat.history', { room: 'general' })).toBe(false);
  });
});
