/**
 * The Node server as a process: data survives a restart, SIGTERM closes clients with 1001, a
 * change written to SQLite by another process is enforced on the very next request, and the log
 * has one line per connection event and refusal, never a token.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, adminChange, expectServerClose, forgeToken, grantPath, login, type Session } from '../conformance/helpers';
import { startNodeServer } from '../conformance/node-server';
import type { TestServer } from '../conformance/server';

describe('the Node server process', () => {
  let server: TestServer;
  let admin: Session;

  beforeAll(async () => {
    server = await startNodeServer();
    admin = await login(server, 'admin');
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** Runs SQL on the server's database from this process, behind the server's back. */
  const writeBehindTheBack = (sql: string, ...params: unknown[]) => {
    const db = new Database(server.database, { timeout: 5000 });
    try {
      db.prepare(sql).run(...params);
    } finally {
      db.close();
    }
  };

  it('enforces a grant deleted from SQLite by another process on the next request, pushing perms before the res', async () => {
    const alice = await login(server, 'alice');
    const { client, authOk } = await RawClient.signedIn(server, alice.accessToken);
    writeBehindTheBack(
      `DELETE FROM user_grants WHERE user_id = ? AND permission_id =
         (SELECT id FROM permissions WHERE app_label = 'chat' AND codename = 'send_message')`,
      Number(alice.userId),
    );
    try {
      const res = await client.request('chat.send', { room: 'general', text: 'sneaky' });
      expect(res).toMatchObject({ ok: false, error: { code: 'permission_denied', permission: 'chat.send_message' } });
      const perms = client.received('perms');
      expect(perms).toHaveLength(1);
      expect(perms[0]?.grants).toEqual(['chat.view_message']);
      expect(perms[0]?.version).toBeGreaterThan(authOk.perms.version);
      expect(client.frames.indexOf(perms[0]!)).toBeLessThan(client.frames.indexOf(res));
    } finally {
      await adminChange(server, admin.accessToken, 'PUT', grantPath('alice', 'chat.send_message'));
    }
    client.close();
  });

  it('enforces a grant moved to another room by an UPDATE in place, although the server caches grants by version', async () => {
    const dave = await login(server, 'dave');
    const { client } = await RawClient.signedIn(server, dave.accessToken);
    // Warm the server's cache with dave's current grants.
    expect(await client.request('chat.send', { room: 'general', text: 'before' })).toMatchObject({ ok: true });
    writeBehindTheBack(`UPDATE user_grants SET scope = 'room:random' WHERE user_id = ? AND scope = 'room:general'`, Number(dave.userId));
    try {
      expect(await client.request('chat.send', { room: 'general', text: 'after' })).toMatchObject({ ok: false, error: { code: 'permission_denied' } });
      expect(await client.request('chat.send', { room: 'random', text: 'after' })).toMatchObject({ ok: true });
    } finally {
      writeBehindTheBack(`UPDATE user_grants SET scope = 'room:general' WHERE user_id = ? AND scope = 'room:random'`, Number(dave.userId));
    }
    client.close();
  });

  it('closes with 4403 on the next request of a user deactivated in SQLite by another process', async () => {
    const dave = await login(server, 'dave');
    const { client } = await RawClient.signedIn(server, dave.accessToken);
    writeBehindTheBack('UPDATE users SET is_active = 0 WHERE username = ?', 'dave');
    try {
      client.send({ type: 'req', id: 'after', action: 'chat.history', payload: { room: 'general' } });
      await expectServerClose(client, 4403);
      expect(client.received('res')).toEqual([]);
    } finally {
      await adminChange(server, admin.accessToken, 'PUT', '/admin/users/dave/active', { active: true });
    }
  });

  it('logs one line per connection event and refusal with user and code, and never a token', async () => {
    const alice = await login(server, 'alice');
    const { client } = await RawClient.signedIn(server, alice.accessToken);
    // A token smuggled where the server echoes text back in its refusal reason.
    client.send({ type: alice.accessToken });
    await expectServerClose(client, 4400);
    const expired = await forgeToken(server.jwtSecret, { sub: alice.userId, name: 'alice', aud: 'permsocket', expiresIn: -10 });
    const late = await RawClient.open(server);
    late.send({ type: 'auth', token: expired });
    await expectServerClose(late, 4401);

    const lines = server.logs().split('\n');
    expect(lines.some((line) => / ws\.auth user=alice /.test(line))).toBe(true);
    expect(lines.some((line) => / ws\.refused user=alice .*code=4400 /.test(line))).toBe(true);
    expect(lines.some((line) => / ws\.refused .*code=4401 reason="token expired"/.test(line))).toBe(true);
    expect(lines.some((line) => / ws\.close user=alice .*code=4400/.test(line))).toBe(true);
    for (const token of [alice.accessToken, expired, admin.accessToken]) {
      for (const part of token.split('.')) expect(server.logs()).not.toContain(part);
    }
  });

  it('closes connected clients with 1001 on SIGTERM, and keeps users, grants and messages across the restart', async () => {
    const alice = await login(server, 'alice');
    const { client } = await RawClient.signedIn(server, alice.accessToken);
    const sent = await client.request('chat.send', { room: 'random', text: 'remember me' });
    await adminChange(server, admin.accessToken, 'PUT', grantPath('alice', 'chat.delete_message@room:random'));
    await client.next('perms');

    await server.restart();
    expect((await client.waitClosed()).code).toBe(1001);
    expect(server.logs()).toMatch(/server\.stopping signal=SIGTERM/);

    // The old access token still works: same secret, same user id.
    const { client: again, authOk } = await RawClient.signedIn(server, alice.accessToken);
    expect(authOk.perms.grants).toContain('chat.delete_message@room:random');
    const history = await again.request('chat.history', { room: 'random' });
    expect(history.data.messages).toContainEqual(sent.data.message);
    expect((await login(server, 'bob')).userId).toBeDefined();
    again.close();
  });
});
