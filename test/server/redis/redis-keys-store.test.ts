/**
 * redisKeys as a KeyStore on a private redis-server, looked at from a second Redis client: where
 * each answer and lease lives and for how long (prefix, a hash tag per user, ttlMs, leaseMs, the
 * clock), what a finish remembers or releases (and a lease that passed to another run it leaves
 * alone), repeats that poll every pollMs and stop when their connection goes, its option checks,
 * ready() and close().
 */
import { getEventListeners } from 'node:events';
import { Redis } from 'ioredis';
import { redisKeys, type KeyClaim, type KeyStore, type RedisKeysOptions } from 'permsocket/server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisUnavailable, setCalls, startRedis, type TestRedis } from '../../integration/redis-server';

const signal = () => new AbortController().signal;
const user64 = (id: string) => Buffer.from(id).toString('base64url');

/** `promise`, or a rejection once it has been pending for `ms` (a wait that never ends fails fast). */
async function within<T>(promise: T | Promise<T>, ms = 3_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms)));
  try {
    return await Promise.race([Promise.resolve(promise), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A claim to run, with the lease (the run id) it holds the key with. */
const RUN = { run: true, lease: expect.stringMatching(/^r[0-9a-f-]{36}$/) };
const leaseOf = (claim: KeyClaim) => (claim.run ? claim.lease : undefined);

describe.skipIf(redisUnavailable() !== null)('redisKeys on one Redis', () => {
  let redis: TestRedis;
  let raw: Redis;
  const stores: KeyStore[] = [];
  const store = (options: Partial<RedisKeysOptions> = {}) => {
    const made = redisKeys({ url: redis.url, pollMs: 5, ...options });
    stores.push(made);
    return made;
  };
  const sets = () => setCalls(raw);

  beforeAll(async () => {
    redis = await startRedis();
    raw = new Redis(redis.url);
  });
  afterEach(async () => {
    for (const made of stores.splice(0)) await made.close?.();
    await raw.flushall();
  });
  afterAll(async () => {
    await raw?.quit();
    await redis?.stop();
  });

  it('keeps an answer at <prefix>:{<user in base64url>}:<key> for ten minutes by default, indexed by when it was given', async () => {
    const keys = redisKeys({ url: redis.url });
    stores.push(keys);
    expect(await keys.claim('alice', 'k1', signal())).toEqual(RUN);
    const before = Date.now();
    await keys.finish('alice', 'k1', '{"ok":true,"data":1}', true);
    const after = Date.now();
    const entry = `permsocket:keys:{${user64('alice')}}:k1`;
    const index = `permsocket:keys:{${user64('alice')}}`;
    expect(await raw.get(entry)).toBe('a{"ok":true,"data":1}');
    expect(await raw.pttl(entry)).toBeGreaterThan(590_000);
    expect(await raw.pttl(entry)).toBeLessThanOrEqual(600_000);
    expect(await raw.pttl(index)).toBeGreaterThan(590_000);
    const score = Number(await raw.zscore(index, entry));
    expect(score).toBeGreaterThanOrEqual(before);
    expect(score).toBeLessThanOrEqual(after);
  });

  it('holds a run\'s lease for 60 s by default, then leaseMs, and the answer for ttlMs, under the prefix and on the clock given', async () => {
    const keys = store();
    await keys.claim('u', 'k', signal());
    const entry = `permsocket:keys:{${user64('u')}}:k`;
    expect(await raw.get(entry)).toMatch(/^r[0-9a-f-]{36}$/);
    expect(await raw.pttl(entry)).toBeGreaterThan(50_000);
    expect(await raw.pttl(entry)).toBeLessThanOrEqual(60_000);

    const own = store({ prefix: 'app2', ttlMs: 5_000, leaseMs: 3_000, now: () => 123_456 });
    await own.claim('u', 'k', signal());
    const mine = `app2:{${user64('u')}}:k`;
    expect(await raw.pttl(mine)).toBeGreaterThan(2_000);
    expect(await raw.pttl(mine)).toBeLessThanOrEqual(3_000);
    await own.finish('u', 'k', 'x', true);
    expect(await raw.get(mine)).toBe('ax');
    expect(await raw.pttl(mine)).toBeGreaterThan(4_000);
    expect(await raw.pttl(mine)).toBeLessThanOrEqual(5_000);
    expect(await raw.zscore(`app2:{${user64('u')}}`, mine)).toBe('123456');
    // The other prefix is another app: its key is its own.
    expect(await raw.get(entry)).toMatch(/^r/);
  });

  it('gives a repeat on another node the first answer, exactly, once it comes, and runs nothing twice', async () => {
    const nodeA = store();
    const nodeB = store();
    expect(await nodeA.claim('u', 'k', signal())).toEqual(RUN);
    const repeat = nodeB.claim('u', 'k', signal());
    const base = await sets();
    await expect.poll(sets).toBeGreaterThan(base + 2); // B has looked a few times
    await nodeA.finish('u', 'k', '{"ok":true,"data":"first"}', true);
    expect(await within(repeat)).toEqual({ run: false, answer: '{"ok":true,"data":"first"}' });
    expect(await within(nodeB.claim('u', 'k', signal()))).toEqual({ run: false, answer: '{"ok":true,"data":"first"}' });
  });

  it('keeps apart users whose ids and keys run together', async () => {
    const keys = store();
    await keys.claim('a}:b', 'c', signal());
    await keys.finish('a}:b', 'c', 'first user', true);
    expect(await within(keys.claim('a', 'b}:c', signal()))).toEqual(RUN);
    expect(await within(keys.claim('other', 'c', signal()))).toEqual(RUN);
    expect(await keys.claim('a}:b', 'c', signal())).toEqual({ run: false, answer: 'first user' });
  });

  it('releases a key it does not remember, so a repeat runs it: no answer, or told not to', async () => {
    const keys = store();
    const none = await keys.claim('u', 'none', signal());
    await keys.finish('u', 'none', undefined, true, leaseOf(none));
    expect(await raw.get(`permsocket:keys:{${user64('u')}}:none`)).toBeNull();
    expect(await within(keys.claim('u', 'none', signal()))).toEqual(RUN);
    const transient = await keys.claim('u', 'transient', signal());
    await keys.finish('u', 'transient', '{"ok":false}', false, leaseOf(transient));
    expect(await within(keys.claim('u', 'transient', signal()))).toEqual(RUN);
  });

  it('gives each claim its own lease, the run id it holds the key with', async () => {
    const keys = store();
    const claim = await keys.claim('u', 'k', signal());
    expect(await raw.get(`permsocket:keys:{${user64('u')}}:k`)).toBe(leaseOf(claim));
    expect(leaseOf(await keys.claim('u', 'other', signal()))).not.toBe(leaseOf(claim));
  });

  it('releases nothing for a finish without its claim\'s lease: the run holding the key keeps it', async () => {
    const keys = store();
    await keys.claim('u', 'k', signal());
    await keys.finish('u', 'k', undefined, false);
    expect(await raw.get(`permsocket:keys:{${user64('u')}}:k`)).toMatch(/^r/);
  });

  it('leaves alone the lease of a later run of the same key on the same node when an earlier run outlived its own', async () => {
    const keys = store();
    const entry = `permsocket:keys:{${user64('u')}}:k`;
    const slow = await keys.claim('u', 'k', signal());
    await raw.del(entry); // the slow run's lease ran out while its handler still went on
    const again = await keys.claim('u', 'k', signal()); // a repeat, on this same node, runs it
    await keys.finish('u', 'k', '{"ok":false}', false, leaseOf(slow));
    expect(await raw.get(entry)).toBe(leaseOf(again));
    // The later run still holds it: a further repeat waits for its answer.
    const repeat = keys.claim('u', 'k', signal());
    await keys.finish('u', 'k', 'from the later run', true, leaseOf(again));
    expect(await within(repeat)).toEqual({ run: false, answer: 'from the later run' });
  });

  it('leaves alone a lease that passed to another run after its own ran out', async () => {
    const nodeA = store();
    const nodeB = store();
    const entry = `permsocket:keys:{${user64('u')}}:k`;
    const onA = await nodeA.claim('u', 'k', signal());
    await raw.del(entry); // A's lease ran out (A is slow, or thought dead)
    const onB = await nodeB.claim('u', 'k', signal());
    expect(onB).toEqual(RUN);
    const held = await raw.get(entry);
    await nodeA.finish('u', 'k', '{"ok":false}', false, leaseOf(onA));
    expect(await raw.get(entry)).toBe(held);
    // B's run still holds it: a third repeat waits for B's answer.
    const repeat = nodeA.claim('u', 'k', signal());
    await nodeB.finish('u', 'k', 'from B', true, leaseOf(onB));
    expect(await within(repeat)).toEqual({ run: false, answer: 'from B' });
  });

  it('stops a repeat at once when its connection goes while it waits', async () => {
    const nodeA = store();
    const nodeB = store({ pollMs: 60_000 });
    await nodeA.claim('u', 'k', signal());
    const connection = new AbortController();
    const repeat = nodeB.claim('u', 'k', connection.signal);
    await expect.poll(() => getEventListeners(connection.signal, 'abort').length).toBe(1);
    connection.abort(new Error('the connection closed'));
    await expect(within(repeat)).rejects.toThrow('the connection closed');
  });

  it('turns away a repeat whose connection had already gone', async () => {
    const nodeA = store();
    await nodeA.claim('u', 'k', signal());
    const gone = new AbortController();
    gone.abort(new Error('gone before'));
    await expect(within(store().claim('u', 'k', gone.signal))).rejects.toThrow('gone before');
  });

  it('leaves no listener on the connection\'s signal after a repeat that looked many times got its answer', async () => {
    const nodeA = store();
    const nodeB = store();
    await nodeA.claim('u', 'k', signal());
    const connection = new AbortController();
    const repeat = nodeB.claim('u', 'k', connection.signal);
    const base = await sets();
    await expect.poll(sets).toBeGreaterThan(base + 4);
    await nodeA.finish('u', 'k', 'done', true);
    expect(await within(repeat)).toEqual({ run: false, answer: 'done' });
    expect(getEventListeners(connection.signal, 'abort')).toHaveLength(0);
  });

  it.each(['ttlMs', 'maxPerUser', 'leaseMs', 'pollMs'] as const)('refuses a %s that is not a positive integer, naming it, and takes 1', async (name) => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => redisKeys({ url: redis.url, [name]: bad })).toThrow(new TypeError(`redisKeys: ${name} expects a positive integer, got ${String(bad)}`));
    }
    const keys = store({ [name]: 1 });
    await expect(keys.ready?.()).resolves.toBeUndefined();
  });

  it('closes its connection on close()', async () => {
    const keys = store({ redis: { connectionName: 'keys-under-test' } });
    await keys.ready?.();
    const named = async () => String(await raw.client('LIST')).includes('name=keys-under-test');
    expect(await named()).toBe(true);
    await keys.close?.();
    await expect.poll(named).toBe(false);
  });
});
