/**
 * Request keys on the real Django server (daphne, demo/django, a child process on a free port):
 * `features: ["keys"]` in auth.ok, a re-send of a key on a new connection answered with the first
 * answer, another user's same key kept apart, a bad key refused with bad_request, and a SIGKILL
 * between chat.send's commit and its answer: after the restart the re-send of the same key gets
 * the stored message and the database holds it once.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PYTHON, djangoUnavailable, startDjangoServer } from '../conformance/django-server';
import { RawClient, login, type Frame } from '../conformance/helpers';
import type { TestServer } from '../conformance/server';
import { startServerProcess } from '../conformance/server-process';
import { redisUnavailable, startRedis, type TestRedis } from './redis-server';

const missing = djangoUnavailable();
if (missing && process.env.CI === 'true') throw new Error(missing);
if (missing) console.warn(`\nSkipping the Django request-key tests: ${missing}\n`);

const CRASH_TEXT = 'the send that kills the server after its commit';

function storedSends(server: TestServer, text: string): { key: string | null; username: string }[] {
  const db = new Database(server.database, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare('SELECT m.key AS key, u.username AS username FROM chat_message m JOIN auth_user u ON u.id = m.user_id WHERE m.text = ?')
      .all(text) as { key: string | null; username: string }[];
  } finally {
    db.close();
  }
}

function send(client: RawClient, id: string, text: string, key: unknown): Promise<Frame> {
  client.send({ type: 'req', id, action: 'chat.send', payload: { room: 'general', text }, key });
  return client.next((frame) => frame.type === 'res' && frame.id === id);
}

describe.skipIf(missing !== null)('request keys on the Django server', () => {
  let server: TestServer;
  const clients: RawClient[] = [];
  const signedIn = async (username: string) => {
    const { accessToken } = await login(server, username);
    const { client, authOk } = await RawClient.signedIn(server, accessToken);
    clients.push(client);
    return { client, authOk };
  };

  beforeAll(async () => {
    server = await startServerProcess({
      name: 'django-crash',
      command: PYTHON,
      args: ['test/integration/fixtures/django-crash-after-commit.py'],
      env: { PYTHONUNBUFFERED: '1', CRASH_AFTER_COMMIT_TEXT: CRASH_TEXT, LOGIN_RATE_LIMIT: 'off' },
      startupMs: 90_000,
    });
  }, 120_000);

  afterAll(async () => {
    for (const client of clients) client.close();
    await server?.stop();
  });

  it('announces keys and answers a re-sent key on a new connection with the first answer', async () => {
    const { client, authOk } = await signedIn('alice');
    expect(authOk.features).toEqual(['keys']);
    const first = await send(client, 'a1', 'keyed once', 'key-once');
    client.close();
    const { client: again } = await signedIn('alice');
    const second = await send(again, 'a2', 'keyed once', 'key-once');
    expect(first.ok).toBe(true);
    expect(second).toEqual({ ...first, id: 'a2' });
    expect(storedSends(server, 'keyed once')).toEqual([{ key: 'key-once', username: 'alice' }]);
  });

  it("keeps another user's same key apart", async () => {
    const { client: alice } = await signedIn('alice');
    const { client: carol } = await signedIn('carol');
    const mine = await send(alice, 'b1', 'same key, two users', 'key-shared');
    const theirs = await send(carol, 'b1', 'same key, two users', 'key-shared');
    expect(theirs.data.message.id).not.toBe(mine.data.message.id);
    expect(storedSends(server, 'same key, two users').map((row) => row.username).sort()).toEqual(['alice', 'carol']);
  });

  it('refuses a key that is not a string of 1-64 characters with bad_request and stores nothing', async () => {
    const { client } = await signedIn('alice');
    for (const [index, key] of ['', 'k'.repeat(65), 42, null, ['k']].entries()) {
      const answer = await send(client, `c${index}`, 'a bad key', key);
      expect(answer.ok).toBe(false);
      expect(answer.error.code).toBe('bad_request');
    }
    expect(storedSends(server, 'a bad key')).toEqual([]);
  });

  it('answers a re-send after a SIGKILL between the commit and the answer with the stored message, stored once', async () => {
    const { client } = await signedIn('alice');
    client.send({ type: 'req', id: 'd1', action: 'chat.send', payload: { room: 'general', text: CRASH_TEXT }, key: 'key-crash' });
    const closed = await client.waitClosed(20_000);
    expect(closed.code).toBe(1006);
    expect(client.received('res')).toEqual([]);
    expect(storedSends(server, CRASH_TEXT)).toEqual([{ key: 'key-crash', username: 'alice' }]);

    await server.restart();
    const { client: again } = await signedIn('alice');
    const answer = await send(again, 'd2', CRASH_TEXT, 'key-crash');
    expect(answer.ok).toBe(true);
    expect(answer.data.message).toMatchObject({ room: 'general', text: CRASH_TEXT, user: 'alice' });
    expect(storedSends(server, CRASH_TEXT)).toEqual([{ key: 'key-crash', username: 'alice' }]);
    const history = await again.request('chat.history', { room: 'general' });
    expect(history.data.messages.filter((message: { text: string }) => message.text === CRASH_TEXT)).toHaveLength(1);
  }, 120_000);
});

describe.skipIf(missing !== null || redisUnavailable() !== null)('request keys shared by two Django nodes through Redis', () => {
  let redis: TestRedis;
  let nodeA: TestServer;
  let nodeB: TestServer;
  const clients: RawClient[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    nodeA = await startDjangoServer({ env: { REDIS_URL: redis.url, LOGIN_RATE_LIMIT: 'off' } });
    nodeB = await startDjangoServer({ env: { REDIS_URL: redis.url, LOGIN_RATE_LIMIT: 'off' }, database: nodeA.database, jwtSecret: nodeA.jwtSecret });
  }, 180_000);

  afterAll(async () => {
    for (const client of clients) client.close();
    await nodeA?.stop();
    await nodeB?.stop();
    await redis?.stop();
  });

  it('answers a re-send on the other node with the first answer, without running it again', async () => {
    const { accessToken } = await login(nodeA, 'carol');
    const { client: onA } = await RawClient.signedIn(nodeA, accessToken);
    const { client: onB } = await RawClient.signedIn(nodeB, accessToken);
    clients.push(onA, onB);
    const sent = await send(onA, 's1', 'to be deleted once', 'key-for-the-send');
    const id = sent.data.message.id as string;
    const deleteFrame = (requestId: string, key?: string) => ({ type: 'req', id: requestId, action: 'chat.delete', payload: { room: 'general', id }, ...(key ? { key } : {}) });
    onA.send(deleteFrame('d1', 'key-for-the-delete'));
    const first = await onA.next((frame) => frame.type === 'res' && frame.id === 'd1');
    onB.send(deleteFrame('d2', 'key-for-the-delete'));
    const repeat = await onB.next((frame) => frame.type === 'res' && frame.id === 'd2');
    expect(first).toEqual({ type: 'res', id: 'd1', ok: true, data: {} });
    expect(repeat).toEqual({ type: 'res', id: 'd2', ok: true, data: {} });
    // Run again (no key), the delete finds nothing: the repeat above was answered from Redis.
    onB.send(deleteFrame('d3'));
    const again = await onB.next((frame) => frame.type === 'res' && frame.id === 'd3');
    expect(again.error.code).toBe('not_found');
  });
});
