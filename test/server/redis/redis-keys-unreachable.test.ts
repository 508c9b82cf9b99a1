/**
 * redisKeys when Redis cannot be reached, or stops under a run or a waiting repeat: what the
 * request's caller sees (an `internal` answer, never a second run of the handler), that an answer
 * already computed still reaches its caller exactly once, and the log line that says why. Each test
 * stops Redis on purpose, so each starts a redis-server of its own (stopped by PID after it).
 */
import { Redis } from 'ioredis';
import { redisKeys, type RedisKeysOptions } from 'permsocket/server';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { freePort, type Frame, type RawClient } from '../../conformance/helpers';
import { redisUnavailable, setCalls, startRedis, type TestRedis } from '../../integration/redis-server';
import { appsPerTest, type TestApp } from '../harness';

const keyed = (id: string, action: string, payload: unknown, key: string) => ({ type: 'req', id, action, payload, key });
const answer = (id: string) => (frame: Frame) => frame.type === 'res' && frame.id === id;
const internal = (id: string) => ({ type: 'res', id, ok: false, error: { code: 'internal', message: 'internal error' } });
/** The log lines that say the key window could not be used, by their message. */
const unavailable = (node: TestApp) =>
  node.logs.filter(({ event, fields }) => event === 'ws.internal_error' && String(fields.message).startsWith('request keys unavailable: ')).map(({ fields }) => fields.message);
/** The answers `client` got for `id` so far, after a round trip (anything on its way has arrived). */
const answersTo = async (client: RawClient, id: string) => {
  client.send({ type: 'ping' });
  await client.next('pong');
  return client.frames.filter(answer(id));
};

describe.skipIf(redisUnavailable() !== null)('redisKeys when Redis cannot be reached', () => {
  const app = appsPerTest();
  const servers: TestRedis[] = [];
  const ownRedis = async () => {
    const started = await startRedis();
    servers.push(started);
    return started;
  };
  const keysOn = (url: string, options: Partial<RedisKeysOptions> = {}) => redisKeys({ url, pollMs: 5, ...options });
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.stop();
  });

  it('answers a keyed request internal without running it when Redis was never there, and says why in the log', async () => {
    const port = await freePort(); // nothing listens there
    const node = await app({ keys: keysOn(`redis://127.0.0.1:${port}/0`) });
    await expect(node.ps.ready()).rejects.toThrow('Connection is closed.');
    const { client } = await node.signIn('1');
    client.send(keyed('k1', 'note.slow', { ms: 0 }, 'first'));
    expect(await client.next(answer('k1'))).toEqual(internal('k1'));
    expect(node.started).toEqual([]);
    expect(unavailable(node)).toEqual(['request keys unavailable: Connection is closed.']);
    // A request without a key needs no window: it still runs.
    client.send({ type: 'req', id: 'plain', action: 'note.slow', payload: { ms: 0 } });
    expect(await client.next(answer('plain'))).toEqual({ type: 'res', id: 'plain', ok: true, data: { done: true } });
    client.close();
  });

  it('writes nothing of its own to the console while Redis cannot be reached: the failures go to the requests and the log', async () => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
    onTestFinished(() => consoleError.mockRestore());
    const keys = keysOn(`redis://127.0.0.1:${await freePort()}/0`);
    await expect(keys.ready?.()).rejects.toThrow('Connection is closed.');
    await keys.close?.();
    expect(consoleError).not.toHaveBeenCalled();
  });

  it('rejects ready() with a malformed URL, answers keyed requests internal, and still closes', async () => {
    const keys = keysOn('not a url');
    await expect(keys.ready?.()).rejects.toThrow('Invalid URL');
    const node = await app({ keys });
    const { client } = await node.signIn('1');
    client.send(keyed('u1', 'note.slow', { ms: 0 }, 'first'));
    expect(await client.next(answer('u1'))).toEqual(internal('u1'));
    expect(node.started).toEqual([]);
    client.close();
    await expect(keys.close?.()).resolves.toBeUndefined();
  });

  it('gives a run whose Redis stopped under it its answer once, then refuses the repeat rather than run it again', async () => {
    const redis = await ownRedis();
    const node = await app({ keys: keysOn(redis.url) });
    await node.ps.ready();
    const { client } = await node.signIn('1');
    client.send(keyed('r1', 'note.slow', { ms: 60_000 }, 'order-7'));
    await expect.poll(() => node.started).toEqual(['r1']);
    await redis.stop();
    for (const done of [...node.waiting]) done();
    expect(await client.next(answer('r1'))).toEqual({ type: 'res', id: 'r1', ok: true, data: { done: true } });
    // The answer could not be remembered: a repeat now cannot know it ran, so it is refused.
    client.send(keyed('r2', 'note.slow', { ms: 0 }, 'order-7'));
    expect(await client.next(answer('r2'))).toEqual(internal('r2'));
    expect(node.started).toEqual(['r1']);
    expect(await answersTo(client, 'r1')).toHaveLength(1);
    expect(unavailable(node)).toEqual([
      expect.stringMatching(/^request keys unavailable: Reached the max retries per request limit/), // r1's finish
      expect.stringMatching(/^request keys unavailable: Reached the max retries per request limit/), // r2's claim
    ]);
    client.close();
  });

  it('answers a repeat waiting on another node internal when Redis stops, and the run still answers its own caller', async () => {
    const redis = await ownRedis();
    const [nodeA, nodeB] = await Promise.all([app({ keys: keysOn(redis.url) }), app({ keys: keysOn(redis.url) })]);
    await Promise.all([nodeA.ps.ready(), nodeB.ps.ready()]);
    const onA = (await nodeA.signIn('1')).client;
    const onB = (await nodeB.signIn('1')).client;
    onA.send(keyed('a1', 'note.slow', { ms: 60_000 }, 'order-8'));
    await expect.poll(() => nodeA.started).toEqual(['a1']);
    onB.send(keyed('b1', 'note.slow', { ms: 0 }, 'order-8'));
    // B's repeat is polling for A's answer (Redis serves its SETs): stop Redis under it.
    const raw = new Redis(redis.url);
    await expect.poll(() => setCalls(raw)).toBeGreaterThan(3);
    await raw.quit();
    await redis.stop();
    expect(await onB.next(answer('b1'))).toEqual(internal('b1'));
    expect(nodeB.started).toEqual([]);
    for (const done of [...nodeA.waiting]) done();
    expect(await onA.next(answer('a1'))).toEqual({ type: 'res', id: 'a1', ok: true, data: { done: true } });
    expect(await answersTo(onA, 'a1')).toHaveLength(1);
    expect(await answersTo(onB, 'b1')).toHaveLength(1);
    expect(unavailable(nodeB)).toEqual([expect.stringMatching(/^request keys unavailable: Reached the max retries per request limit/)]);
    onA.close();
    onB.close();
  });
});
