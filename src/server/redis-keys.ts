/**
 * The key window over Redis (ioredis, the optional peer dependency `redisHub` uses), for several
 * nodes: a repeat of a key reaches whichever node the client reconnects to.
 * @packageDocumentation
 */
import { randomUUID } from 'node:crypto';
import type { Redis, RedisOptions } from 'ioredis';
import type { KeyClaim, KeyStore } from './keys';

/** Options of {@link redisKeys}. */
export interface RedisKeysOptions {
  /** The Redis URL (`redis://host:6379/0`). */
  url: string;
  /**
   * Prefix of every Redis key; nodes of one app share it, different apps on one Redis must not.
   * @default 'permsocket:keys'
   */
  prefix?: string;
  /**
   * Milliseconds an answer is remembered after it was given (PROTOCOL.md asks for at least 10 minutes).
   * @default 600000
   */
  ttlMs?: number;
  /**
   * Most answers remembered per user; past it the user's oldest is forgotten first.
   * @default 1000
   */
  maxPerUser?: number;
  /**
   * Milliseconds a run holds its key before the answer: a node that died mid-run frees it after
   * this, and a repeat then runs again. Keep it above the slowest handler.
   * @default 60000
   */
  leaseMs?: number;
  /**
   * Milliseconds between looks while a repeat waits for a run on another node.
   * @default 50
   */
  pollMs?: number;
  /** Passed to the ioredis client. */
  redis?: RedisOptions;
  /**
   * The clock, in milliseconds (orders each user's answers for `maxPerUser`).
   * @default Date.now
   */
  now?: () => number;
}

// Remembers one answer and forgets the user's oldest past the bound, atomically. The user's
// entries and their index share one hash tag, so this stays within one slot of a cluster.
const REMEMBER = `
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], KEYS[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', tonumber(ARGV[3]) - tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[2], ARGV[2])
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
if over > 0 then
  local old = redis.call('ZPOPMIN', KEYS[2], over)
  for i = 1, #old, 2 do redis.call('DEL', old[i]) end
end
return 1`;
// Releases a claim only while it is still this run's (its lease may have passed to another).
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort);
  });

/**
 * A key window shared by every node through one Redis. A claim is `SET NX PX` with a lease
 * (`r` + a run id); the answer replaces it (`a` + the answer) for `ttlMs`. A repeat on any node
 * while the run goes on polls for the answer; a run that ends without a remembered answer (or a
 * node that died, after `leaseMs`) frees the key, and the repeat runs it. Redis unreachable: keyed
 * requests are answered `internal` (never run unguarded).
 * @example
 * createServer({ hub: redisHub({ url }), keys: redisKeys({ url }), ... })
 */
export function redisKeys(options: RedisKeysOptions): KeyStore {
  const prefix = options.prefix ?? 'permsocket:keys';
  const ttlMs = options.ttlMs ?? 600_000;
  const maxPerUser = options.maxPerUser ?? 1_000;
  const leaseMs = options.leaseMs ?? 60_000;
  const pollMs = options.pollMs ?? 50;
  const now = options.now ?? Date.now;
  for (const [name, value] of Object.entries({ ttlMs, maxPerUser, leaseMs, pollMs })) {
    if (!Number.isInteger(value) || value < 1) throw new TypeError(`redisKeys: ${name} expects a positive integer, got ${String(value)}`);
  }
  let client: Redis | undefined;
  const connecting = (async () => {
    const { Redis: RedisClient } = await import('ioredis');
    client = new RedisClient(options.url, { maxRetriesPerRequest: 2, lazyConnect: true, ...options.redis });
    // Failures surface on the commands that hit them; the event only keeps ioredis from throwing.
    client.on('error', () => {});
    await client.connect();
    return client;
  })();
  connecting.catch(() => {});

  const names = (userId: string, key: string) => {
    const user = `${prefix}:{${Buffer.from(userId).toString('base64url')}}`;
    return { entry: `${user}:${key}`, index: user };
  };

  return {
    async claim(userId, key, signal): Promise<KeyClaim> {
      const redis = await connecting;
      const { entry } = names(userId, key);
      for (;;) {
        const run = `r${randomUUID()}`;
        // SET NX GET: claims it, or says what holds it, in one round trip (Redis 7).
        const held = (await redis.call('SET', entry, run, 'PX', String(leaseMs), 'NX', 'GET')) as string | null;
        // The run id goes back to finish with the claim: a map by key on this node would mix up
        // two runs of one key here (the first outlived its lease and the repeat claimed it again).
        if (held === null) return { run: true, lease: run };
        if (held.startsWith('a')) return { run: false, answer: held.slice(1) };
        await sleep(pollMs, signal);
      }
    },
    async finish(userId, key, answer, remember, lease) {
      const redis = await connecting;
      const { entry, index } = names(userId, key);
      if (remember && answer !== undefined) await redis.eval(REMEMBER, 2, entry, index, `a${answer}`, ttlMs, now(), maxPerUser);
      // Without the claim's lease there is no run of ours to release.
      // Stryker disable next-line ConditionalExpression: equivalent: RELEASE with no lease matches no run; the test saves a round trip
      else if (lease !== undefined) await redis.eval(RELEASE, 1, entry, lease);
    },
    ready: async () => {
      await connecting;
    },
    async close() {
      await connecting.catch(() => {});
      await client?.quit().catch(() => {});
    },
  };
}
