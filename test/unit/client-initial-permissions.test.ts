import { describe, expect, it } from 'vitest';
import { createClient, type PermissionSet } from 'permsocket';
import { chatContract } from '../../demo/contract';
import { WS_URL, authOk, grantsOf, tick } from './fake-server';
import { useFakeServer } from './harness';

const { server, start } = useFakeServer();

const SSR = { version: 7, grants: ['chat.view_message', 'chat.send_message@room:general'] };

describe('the initialPermissions option (a server-rendered snapshot)', () => {
  it('answers can() and permissions from the snapshot before the socket is ready', () => {
    const { client } = start({ initialPermissions: SSR });
    expect(client.state).toBe('connecting');
    expect(client.permissions.version).toBe(7);
    expect(client.permissions.grants).toEqual(['chat.send_message@room:general', 'chat.view_message']);
    expect(client.can('chat.send', { room: 'general', text: 'hi' })).toBe(true);
    expect(client.can('chat.send', { room: 'random', text: 'hi' })).toBe(false);
    expect(client.permissions.can('chat.view_message', 'room:random')).toBe(true);
    expect(Object.isFrozen(client.permissions)).toBe(true);
  });

  it('works on a client that never connects (a server render)', () => {
    const client = createClient({ url: WS_URL, contract: chatContract, getToken: () => 't', autoConnect: false, initialPermissions: SSR });
    expect(client.state).toBe('closed');
    expect(client.can('chat.history', { room: 'random' })).toBe(true);
    expect(client.can('chat.delete', { room: 'general', id: '1' })).toBe(false);
  });

  it('takes the JSON of another client’s permissions as it is', () => {
    const { client } = start({ initialPermissions: JSON.parse(JSON.stringify(start({ initialPermissions: SSR }).client.permissions)) });
    expect(client.permissions.version).toBe(7);
    expect(client.can('chat.send', { room: 'general', text: 'x' })).toBe(true);
  });

  it('is replaced by the first auth.ok, even one with a lower version, and emits permissions once for it', async () => {
    server.script({ onAuth: (token) => authOk(token, grantsOf(2, ['chat.view_message'])) });
    const seen: PermissionSet[] = [];
    const { client } = start({ initialPermissions: SSR, on: { permissions: (p) => seen.push(p) } });
    expect(seen).toEqual([]);
    await tick(10);
    expect(client.state).toBe('ready');
    expect(client.permissions.version).toBe(2);
    expect(client.can('chat.send', { room: 'general', text: 'x' })).toBe(false);
    expect(seen.map((p) => p.version)).toEqual([2]);
  });

  it('does not refuse a request locally on the snapshot: it waits and is checked against the server’s', async () => {
    // The page was rendered without chat.send_message; the server has granted it since.
    server.script({ onAuth: (token) => authOk(token, grantsOf(8, ['chat.view_message', 'chat.send_message'])) });
    const denials: string[] = [];
    const { client } = start({ initialPermissions: { version: 7, grants: ['chat.view_message'] }, on: { 'permission-denied': (d) => denials.push(d.source) } });
    expect(client.can('chat.send', { room: 'random', text: 'x' })).toBe(false);
    const sent = client.request('chat.send', { room: 'random', text: 'x' });
    await tick(10);
    await expect(sent).resolves.toEqual({ echo: { room: 'random', text: 'x' } });
    expect(denials).toEqual([]);
  });

  it('refuses a queued request locally at flush when the server’s snapshot does not allow it, never sending it', async () => {
    server.script({ onAuth: (token) => authOk(token, grantsOf(8, ['chat.view_message'])) });
    const { client } = start({ initialPermissions: SSR });
    const sent = client.request('chat.send', { room: 'general', text: 'x' }).catch((error: unknown) => error);
    await tick(10);
    expect(await sent).toMatchObject({ name: 'PermissionDeniedError', source: 'local', permission: 'chat.send_message' });
    expect(server.last.frames.filter((frame) => frame.type === 'req')).toEqual([]);
  });

  it('refuses at call time again once the server’s snapshot is in', async () => {
    server.script({ onAuth: (token) => authOk(token, grantsOf(8, ['chat.view_message'])) });
    const { client } = start({ initialPermissions: SSR });
    await tick(10);
    await expect(client.request('chat.send', { room: 'general', text: 'x' })).rejects.toMatchObject({ source: 'local' });
  });

  it('is cleared by a terminal state and not restored by connect()', async () => {
    const { client } = start({ initialPermissions: SSR, autoConnect: false });
    expect(client.can('chat.history', { room: 'general' })).toBe(true);
    client.connect();
    client.close();
    expect(client.permissions.grants).toEqual([]);
    expect(client.can('chat.history', { room: 'general' })).toBe(false);
    client.connect();
    expect(client.permissions.grants).toEqual([]);
    await tick(10);
  });

  it('starts with nothing allowed when it is absent or null', () => {
    expect(start().client.permissions).toMatchObject({ version: -1, grants: [] });
    expect(start({ initialPermissions: null }).client.can('chat.history', { room: 'general' })).toBe(false);
  });

  it.each([
    ['a string', 'chat.view_message'],
    ['grants missing', { version: 1 }],
    ['a version that is not a number', { version: '1', grants: [] }],
    ['a grant that is not a string', { version: 1, grants: ['chat.view_message', 3] }],
    ['grants that are not an array', { version: 1, grants: 'chat.view_message' }],
  ])('refuses %s at createClient with a setup error saying what it expects', (_, value) => {
    expect(() => start({ initialPermissions: value as never })).toThrow(
      expect.objectContaining({ code: 'setup', message: 'initialPermissions expects { version: number, grants: string[] }' }),
    );
  });
});
