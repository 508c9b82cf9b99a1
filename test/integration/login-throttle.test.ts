/**
 * The Node server's login throttle on an injected clock: the window, the reset on success, the
 * memory bound and the address keys, in memory and against a real Redis (the same Lua the nodes
 * share), without waiting out a single window.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLoginRateLimit } from '../../demo/server/http-config';
import { addressKey, createMemoryLoginThrottle, createRedisLoginThrottle, type LoginThrottle } from '../../demo/server/login-throttle';
import { redisUnavailable, startRedis, type TestRedis } from './redis-server';

const limit = { perUser: 3, perAddress: 5, windowMs: 60_000 };

/** A clock the test moves. */
function testClock(start = 1_800_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** The behaviour every throttle shares, for a factory over a clock. */
function throttleCases(make: (clock: ReturnType<typeof testClock>) => Promise<LoginThrottle>) {
  let clock: ReturnType<typeof testClock>;
  let throttle: LoginThrottle;
  let run = 0;
  // Distinct names per case: a shared Redis keeps counters between cases.
  const name = (base: string) => `${base}-${run}`;

  const setup = async () => {
    await throttle?.close();
    run += 1;
    clock = testClock(1_800_000_000_000 + run * 10_000_000);
    throttle = await make(clock);
  };
  afterAll(async () => {
    await throttle?.close();
  });

  it('allows three failures for a username, then refuses until the window that began at the first one ends', async () => {
    await setup();
    const user = name('alice');
    expect(await throttle.attempt(user, '192.0.2.1')).toEqual({ allowed: true });
    clock.advance(20_000);
    expect(await throttle.attempt(user, '192.0.2.2')).toEqual({ allowed: true });
    expect(await throttle.attempt(user, '192.0.2.3')).toEqual({ allowed: true });
    expect(await throttle.attempt(user, '192.0.2.4')).toEqual({ allowed: false, retryAfterMs: 40_000 });
    clock.advance(39_999);
    expect(await throttle.attempt(user, '192.0.2.4')).toEqual({ allowed: false, retryAfterMs: 1 });
    clock.advance(1);
    expect(await throttle.attempt(user, '192.0.2.4')).toEqual({ allowed: true });
  });

  it('does not count a refused attempt, so the window is not stretched by retrying', async () => {
    await setup();
    const user = name('bob');
    for (let i = 0; i < 3; i++) await throttle.attempt(user, `192.0.2.${10 + i}`);
    for (let i = 0; i < 10; i++) expect((await throttle.attempt(user, '192.0.2.20')).allowed).toBe(false);
    // The refused ones reserved nothing for 192.0.2.20 either: it has all five left.
    clock.advance(60_000);
    for (let i = 0; i < 5; i++) expect(await throttle.attempt(name(`other-${i}`), '192.0.2.20')).toEqual({ allowed: true });
    expect((await throttle.attempt(name('other-5'), '192.0.2.20')).allowed).toBe(false);
  });

  it('clears a username’s failures on success and gives the address its reservation back', async () => {
    await setup();
    const user = name('carol');
    await throttle.attempt(user, '198.51.100.1');
    await throttle.attempt(user, '198.51.100.1');
    await throttle.attempt(user, '198.51.100.1');
    await throttle.succeeded(user, '198.51.100.1');
    for (let i = 0; i < 3; i++) expect(await throttle.attempt(user, '198.51.100.2')).toEqual({ allowed: true });
    // 198.51.100.1: three reserved, one given back by the success; three more fit (2 + 3 = 5).
    for (let i = 0; i < 3; i++) expect(await throttle.attempt(name(`x-${i}`), '198.51.100.1')).toEqual({ allowed: true });
    expect(await throttle.attempt(name('x-3'), '198.51.100.1')).toEqual({ allowed: false, retryAfterMs: 60_000 });
  });

  it('refuses an address after five failures over any usernames, with the longer wait when both are used up', async () => {
    await setup();
    for (let i = 0; i < 5; i++) {
      expect(await throttle.attempt(name(`u${i}`), '203.0.113.9')).toEqual({ allowed: true });
      clock.advance(1_000);
    }
    expect(await throttle.attempt(name('someone'), '203.0.113.9')).toEqual({ allowed: false, retryAfterMs: 55_000 });
    expect((await throttle.attempt(name('someone'), '203.0.113.10')).allowed).toBe(true);
  });
}

describe('memory login throttle', () => {
  throttleCases(async (clock) => createMemoryLoginThrottle(limit, { now: clock.now }));

  it('keeps at most maxTracked counters per kind, forgetting the oldest window first', async () => {
    const clock = testClock();
    const throttle = createMemoryLoginThrottle({ perUser: 1, perAddress: 1000, windowMs: 60_000 }, { now: clock.now, maxTracked: 100 });
    for (let i = 0; i < 1000; i++) {
      await throttle.attempt(`user-${i}`, `10.0.${i >> 8}.${i & 255}`);
      clock.advance(1);
    }
    expect(throttle.tracked()).toBe(200);
    // The newest are still counted; the oldest were dropped to make room.
    expect((await throttle.attempt('user-999', '192.0.2.1')).allowed).toBe(false);
    expect((await throttle.attempt('user-0', '192.0.2.1')).allowed).toBe(true);
  });

  it('sweeps windows that have ended', async () => {
    const clock = testClock();
    const throttle = createMemoryLoginThrottle(limit, { now: clock.now });
    for (let i = 0; i < 50; i++) await throttle.attempt(`user-${i}`, `10.0.0.${i}`);
    expect(throttle.tracked()).toBe(100);
    clock.advance(60_000);
    await throttle.attempt('late', '10.1.1.1');
    expect(throttle.tracked()).toBe(2);
  });
});

describe.skipIf(redisUnavailable() !== null)('Redis login throttle', () => {
  let redis: TestRedis;
  let clients: LoginThrottle[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    clients = [];
    await redis?.stop();
  });

  throttleCases(async (clock) => createRedisLoginThrottle(redis.url, limit, () => {}, { now: clock.now }));

  it('shares the counts of two nodes on one clock', async () => {
    const clock = testClock();
    const a = await createRedisLoginThrottle(redis.url, limit, () => {}, { now: clock.now });
    const b = await createRedisLoginThrottle(redis.url, limit, () => {}, { now: clock.now });
    clients.push(a, b);
    await a.attempt('shared', '192.0.2.1');
    await b.attempt('shared', '192.0.2.2');
    await a.attempt('shared', '192.0.2.3');
    expect(await b.attempt('shared', '192.0.2.4')).toEqual({ allowed: false, retryAfterMs: 60_000 });
    await b.succeeded('shared', '192.0.2.4');
    expect(await a.attempt('shared', '192.0.2.4')).toEqual({ allowed: true });
  });

  it('rounds a fractional wait up, never down to "allowed"', async () => {
    const clock = testClock();
    const throttle = await createRedisLoginThrottle(redis.url, { perUser: 1, perAddress: 100, windowMs: 1_000 }, () => {}, { now: clock.now });
    clients.push(throttle);
    await throttle.attempt('fraction', '192.0.2.1');
    clock.advance(999);
    expect(await throttle.attempt('fraction', '192.0.2.1')).toEqual({ allowed: false, retryAfterMs: 1 });
  });

  it('falls back to counting in memory, and says so, when Redis stops answering', async () => {
    const own = await startRedis();
    const logged: string[] = [];
    const clock = testClock();
    const throttle = await createRedisLoginThrottle(own.url, limit, (event) => logged.push(event), { now: clock.now });
    clients.push(throttle);
    await own.stop();
    for (let i = 0; i < 3; i++) expect(await throttle.attempt('offline', '192.0.2.1')).toEqual({ allowed: true });
    expect((await throttle.attempt('offline', '192.0.2.1')).allowed).toBe(false);
    expect(logged).toContain('login_throttle.redis_failed');
  });
});

describe('address keys', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['2001:db8:1:2::5', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
    ['not an address', 'not an address'],
  ])('keys %s as %s', (address, key) => {
    expect(addressKey(address)).toBe(key);
  });
});

describe('LOGIN_RATE_LIMIT', () => {
  it('defaults to 5 per username, 20 per address, per 60 s, and reads "off" in any case', () => {
    expect(parseLoginRateLimit(undefined)).toEqual({ perUser: 5, perAddress: 20, windowMs: 60_000 });
    expect(parseLoginRateLimit('')).toEqual({ perUser: 5, perAddress: 20, windowMs: 60_000 });
    expect(parseLoginRateLimit(' 10 , 50 , 0.5 ')).toEqual({ perUser: 10, perAddress: 50, windowMs: 500 });
    expect(parseLoginRateLimit(' OFF ')).toBeNull();
  });
});
