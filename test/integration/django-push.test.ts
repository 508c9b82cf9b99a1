/**
 * Pushes from another process through the Redis channel layer (REDIS_URL): an admin change on one
 * node and chat events reach sockets on a second node, and a `manage.py` command run beside the
 * server reaches the open sockets as a `perms` push and as a 4403 close.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PYTHON, djangoUnavailable, startDjangoServer } from '../conformance/django-server';
import { RawClient, adminChange, expectServerClose, grantPath, login } from '../conformance/helpers';
import type { TestServer } from '../conformance/server';
import { redisUnavailable, startRedis, type TestRedis } from './redis-server';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

const django = djangoUnavailable();
if (django && process.env.CI === 'true') throw new Error(django);
if (django) console.warn(`\nSkipping the Django push tests: ${django}\n`);
const missing = django ?? redisUnavailable();

describe.skipIf(missing !== null)('the Django server with REDIS_URL', () => {
  let redis: TestRedis;
  let server: TestServer;
  /** A second node on the same database, secret and Redis. */
  let other: TestServer;

  beforeAll(async () => {
    redis = await startRedis();
    server = await startDjangoServer({ env: { REDIS_URL: redis.url } });
    other = await startDjangoServer({ env: { REDIS_URL: redis.url }, database: server.database, jwtSecret: server.jwtSecret });
  });
  afterAll(async () => {
    await other?.stop();
    await server?.stop();
    await redis?.stop();
  });

  it('pushes an admin change made on one node to a socket on the other, and chat events across nodes', async () => {
    const admin = await login(server, 'admin');
    const carol = await login(server, 'carol');
    const bob = await login(other, 'bob');
    const onOther = await RawClient.signedIn(other, carol.accessToken);
    const bobOnOther = await RawClient.signedIn(other, bob.accessToken);
    await adminChange(server, admin.accessToken, 'PUT', grantPath('carol', 'chat.send_message@room:random'));
    const push = await onOther.client.next('perms', 10_000);
    expect(push.grants).toContain('chat.send_message@room:random');
    await adminChange(server, admin.accessToken, 'DELETE', '/admin/users/carol/groups/moderator');
    expect((await onOther.client.next('perms', 10_000)).grants).toEqual(['chat.send_message@room:random']);

    const sender = await RawClient.signedIn(server, admin.accessToken);
    const sent = await sender.client.request('chat.send', { room: 'general', text: 'across nodes' });
    expect(sent.ok).toBe(true);
    const event = await bobOnOther.client.next('event', 10_000);
    expect(event).toMatchObject({ name: 'chat.message', data: { message: { text: 'across nodes', user: 'admin' } } });
    // carol lost chat.view_message with the group: the event is not hers to see.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(onOther.client.received('event')).toEqual([]);
    for (const socket of [onOther, bobOnOther, sender]) socket.client.close();
  });

  /** Runs `manage.py <args>` in its own process, with the server's database, secret and Redis. */
  const manage = (...args: string[]) =>
    run(PYTHON, ['demo/django/manage.py', ...args], {
      cwd: repoRoot,
      env: { ...process.env, DATABASE: server.database, JWT_SECRET: server.jwtSecret, REDIS_URL: redis.url },
      timeout: 30_000,
    });

  it("pushes perms to alice's open socket when `manage.py revoke` runs in another process", async () => {
    const alice = await login(server, 'alice');
    const { client, authOk } = await RawClient.signedIn(server, alice.accessToken);
    await manage('revoke', 'alice', 'chat.send_message');
    const push = await client.next('perms', 10_000);
    expect(push.version).toBeGreaterThan(authOk.perms.version);
    expect(push.grants).toEqual(['chat.view_message']);
    expect(await client.request('chat.send', { room: 'general', text: 'still?' })).toMatchObject({
      ok: false,
      error: { code: 'permission_denied', permission: 'chat.send_message', resource: 'room:general' },
    });
    client.close();
  });

  it('closes every open socket of the user with 4403 when `manage.py deactivate` runs in another process', async () => {
    const bob = await login(server, 'bob');
    const first = await RawClient.signedIn(server, bob.accessToken);
    const second = await RawClient.signedIn(server, bob.accessToken);
    await manage('deactivate', 'bob');
    await expectServerClose(first.client, 4403);
    await expectServerClose(second.client, 4403);
    const again = await RawClient.open(server);
    again.send({ type: 'auth', token: bob.accessToken });
    await expectServerClose(again, 4403);
  });
});
