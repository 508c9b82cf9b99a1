/**
 * Changes while connected: grant and group changes pushed as `perms` to every connection of the
 * user at once, deactivation closing them with 4403, token expiry closing with 4401, and
 * `auth.refresh` extending the session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  RawClient,
  adminChange,
  decodeClaims,
  expectServerClose,
  forgeToken,
  grantPath,
  login,
  postJson,
  type Session,
} from './helpers';
import type { TestServer } from './server';
import { servers } from './servers';

describe.each(servers)('$name server pushes live changes', ({ start }) => {
  let server: TestServer;
  let admin: Session;
  let alice: Session;
  let bob: Session;

  beforeAll(async () => {
    server = await start();
    admin = await login(server, 'admin');
    alice = await login(server, 'alice');
    bob = await login(server, 'bob');
  });
  afterAll(async () => {
    await server?.stop();
  });

  const change = (method: 'PUT' | 'DELETE', path: string, body?: unknown) => adminChange(server, admin.accessToken, method, path, body);

  it("pushes perms to alice's socket within 100 ms when her send grant is revoked, and denies her next send", async () => {
    const { client, authOk } = await RawClient.signedIn(server, alice.accessToken);
    const before = authOk.perms.version as number;
    const arrived = client.next('perms').then((frame) => ({ frame, at: Date.now() }));
    await change('DELETE', grantPath('alice', 'chat.send_message'));
    const committedAt = Date.now();
    const { frame: push, at } = await arrived;
    // The change is committed when the admin call answers; the push may even come before that.
    expect(at - committedAt).toBeLessThan(100);
    expect(push.version).toBeGreaterThan(before);
    expect(push.grants).toEqual(['chat.view_message']);
    expect(await client.request('chat.send', { room: 'general', text: 'still?' })).toMatchObject({
      ok: false,
      error: { code: 'permission_denied', permission: 'chat.send_message', resource: 'room:general' },
    });

    await change('PUT', grantPath('alice', 'chat.send_message'));
    const back = await client.next('perms');
    expect(back.version).toBeGreaterThan(push.version);
    expect([...back.grants].sort()).toEqual(['chat.send_message', 'chat.view_message']);
    expect((await client.request('chat.send', { room: 'general', text: 'back again' })).ok).toBe(true);
    client.close();
  });

  it('pushes to every open connection of the user', async () => {
    const sockets = await Promise.all([1, 2, 3].map(async () => (await RawClient.signedIn(server, alice.accessToken)).client));
    await change('PUT', grantPath('alice', 'chat.delete_message@room:random'));
    for (const socket of sockets) expect((await socket.next('perms')).grants).toContain('chat.delete_message@room:random');
    await change('DELETE', grantPath('alice', 'chat.delete_message@room:random'));
    for (const socket of sockets) expect((await socket.next('perms')).grants).not.toContain('chat.delete_message@room:random');
    for (const socket of sockets) socket.close();
  });

  it('pushes nothing for a PUT of a grant already held or a DELETE of one absent', async () => {
    const { client } = await RawClient.signedIn(server, alice.accessToken);
    await change('PUT', grantPath('alice', 'chat.view_message'));
    await change('DELETE', grantPath('alice', 'chat.delete_message'));
    // A real change afterwards: its push must be the first and only one.
    await change('PUT', grantPath('alice', 'chat.delete_message@room:general'));
    const push = await client.next('perms');
    expect(push.grants).toContain('chat.delete_message@room:general');
    expect(client.received('perms')).toHaveLength(1);
    await change('DELETE', grantPath('alice', 'chat.delete_message@room:general'));
    await client.next('perms');
    client.close();
  });

  it("pushes group membership changes as bob's new effective grants", async () => {
    const { client } = await RawClient.signedIn(server, bob.accessToken);
    await change('PUT', '/admin/users/bob/groups/moderator');
    const added = await client.next('perms');
    expect([...added.grants].sort()).toEqual(['chat.delete_message', 'chat.send_message', 'chat.view_message']);
    expect((await client.request('chat.send', { room: 'random', text: 'bob the moderator' })).ok).toBe(true);
    await change('DELETE', '/admin/users/bob/groups/moderator');
    const removed = await client.next('perms');
    expect(removed.grants).toEqual(['chat.view_message']);
    expect(removed.version).toBeGreaterThan(added.version);
    client.close();
  });

  it('closes every connection of a deactivated user with an error forbidden and 4403, and refuses them at auth', async () => {
    const dave = await login(server, 'dave');
    const sockets = await Promise.all([1, 2].map(async () => (await RawClient.signedIn(server, dave.accessToken)).client));
    await change('PUT', '/admin/users/dave/active', { active: false });
    try {
      for (const socket of sockets) {
        const error = await expectServerClose(socket, 4403);
        expect(error?.error.code).toBe('forbidden');
      }
      // The still-valid token of an inactive user is refused at auth.
      const again = await RawClient.open(server);
      again.send({ type: 'auth', token: dave.accessToken });
      await expectServerClose(again, 4403);
      expect((await postJson(server, '/auth/login', { username: 'dave', password: 'dave-pass' })).status).toBe(401);
    } finally {
      await change('PUT', '/admin/users/dave/active', { active: true });
    }
    const { authOk } = await RawClient.signedIn(server, dave.accessToken);
    expect(authOk.user.name).toBe('dave');
  });

  it('answers auth.refresh with a fresh perms snapshot in auth.ok', async () => {
    const { client, authOk } = await RawClient.signedIn(server, alice.accessToken);
    await change('PUT', grantPath('alice', 'chat.delete_message@room:random'));
    await client.next('perms');
    const token = await forgeToken(server.jwtSecret, { sub: alice.userId, name: 'alice', aud: 'permsocket', expiresIn: 900 });
    client.send({ type: 'auth.refresh', token });
    const refreshed = await client.next('auth.ok');
    expect(refreshed.perms.version).toBeGreaterThan(authOk.perms.version);
    expect(refreshed.perms.grants).toContain('chat.delete_message@room:random');
    expect(refreshed.exp).toBe(decodeClaims(token).exp);
    await change('DELETE', grantPath('alice', 'chat.delete_message@room:random'));
    client.close();
  });
});

describe.each(servers)('$name server with short-lived tokens', ({ start }) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await start({ env: { ACCESS_TOKEN_TTL: '2' } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('closes with an error unauthenticated and 4401 when the token expires without a refresh', async () => {
    const alice = await login(server, 'alice');
    const { client, authOk } = await RawClient.signedIn(server, alice.accessToken);
    const error = await expectServerClose(client, 4401);
    expect(error?.error.code).toBe('unauthenticated');
    // Not before the token's expiry (allowing for clock granularity).
    expect(Date.now()).toBeGreaterThanOrEqual((authOk.exp as number) * 1000 - 50);
  });

  it('keeps the connection open past the first expiry when auth.refresh brings a later token', async () => {
    const alice = await login(server, 'alice');
    const { client, authOk } = await RawClient.signedIn(server, alice.accessToken);
    const later = await forgeToken(server.jwtSecret, { sub: alice.userId, name: 'alice', aud: 'permsocket', expiresIn: 60 });
    client.send({ type: 'auth.refresh', token: later });
    expect((await client.next('auth.ok')).exp).toBeGreaterThan(authOk.exp);
    // Wait out the first token's lifetime: the socket must still answer.
    await new Promise((resolve) => setTimeout(resolve, (authOk.exp as number) * 1000 - Date.now() + 300));
    client.send({ type: 'ping' });
    await client.next('pong');
    expect(client.received('error')).toEqual([]);
    client.close();
  });
});
