/**
 * Login throttling (`LOGIN_RATE_LIMIT`): a bounded number of failed sign-ins per username and per
 * client address within a window that starts at the first failure; past it, 429 with Retry-After
 * until the window ends. A success clears the username's failures.
 *
 * An attempt reserves its failure before the password is checked, so a burst of parallel guesses
 * cannot all slip in while the first is still hashing; a success gives the reservation back. The
 * counters live in memory (bounded), or with REDIS_URL in Redis, so every node counts together.
 */
import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import type { Redis as RedisClient } from 'ioredis';
import type { LoginRateLimit } from './http-config';
import type { Logger } from './log';

/** The verdict on one sign-in attempt. */
export type AttemptVerdict = { allowed: true } | { allowed: false; retryAfterMs: number };

/** Counts failed sign-ins. */
export interface LoginThrottle {
  /** Reserves one failure for this username and address, or refuses when either has none left. */
  attempt(username: string, address: string): Promise<AttemptVerdict>;
  /** A successful sign-in: clears the username's failures and gives the address's reservation back. */
  succeeded(username: string, address: string): Promise<void>;
  close(): Promise<void>;
}

/** Most counters kept in memory per kind (usernames, addresses); the oldest window goes first. */
export const MAX_TRACKED = 50_000;

/** The counter key of a username: hashed, so a 16 KiB username costs no more than a short one. */
export function userKey(username: string): string {
  return createHash('sha256').update(username).digest('base64url');
}

/**
 * The counter key of a client address: an IPv4 address as is (also when IPv4-mapped), an IPv6
 * address by its /64, the block one subscriber usually holds, so rotating through it gains nothing.
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1] as string;
  const bare = address.split('%')[0] as string;
  if (!isIPv6(bare)) return address.slice(0, 64);
  const [head = '', tail] = bare.split('::');
  const groups = (text: string) => (text === '' ? [] : text.split(':').flatMap((group) => (group.includes('.') ? ['0', '0'] : [group])));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${all.slice(0, 4).map((group) => parseInt(group, 16).toString(16)).join(':')}::/64`;
}

interface Window {
  count: number;
  resetAt: number;
}

/**
 * Failure counters for one kind of key. Every window has the same length, so the Map's insertion
 * order is also the order in which windows end: expired ones are swept from the front, and when
 * full the oldest is dropped.
 */
class WindowCounters {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries: number,
  ) {}

  /** The live window of `key` at `now`, if any. */
  get(key: string, now: number): Window | undefined {
    for (const [oldest, window] of this.windows) {
      if (window.resetAt > now) break;
      this.windows.delete(oldest);
    }
    return this.windows.get(key);
  }

  /** Counts one failure (get() must have been called at this `now`). */
  add(key: string, now: number): void {
    const window = this.windows.get(key);
    if (window) {
      window.count += 1;
      return;
    }
    if (this.windows.size >= this.maxEntries) this.windows.delete(this.windows.keys().next().value as string);
    this.windows.set(key, { count: 1, resetAt: now + this.windowMs });
  }

  /** Takes one failure back. */
  remove(key: string): void {
    const window = this.windows.get(key);
    if (window && --window.count <= 0) this.windows.delete(key);
  }

  clear(key: string): void {
    this.windows.delete(key);
  }

  get size(): number {
    return this.windows.size;
  }
}

/** Options of the throttles: the clock (tests inject one) and the memory bound. */
export interface ThrottleOptions {
  now?: () => number;
  maxTracked?: number;
}

/** A throttle for one process. */
export function createMemoryLoginThrottle(limit: LoginRateLimit, options: ThrottleOptions = {}): LoginThrottle & { tracked(): number } {
  const now = options.now ?? Date.now;
  const users = new WindowCounters(limit.windowMs, options.maxTracked ?? MAX_TRACKED);
  const addresses = new WindowCounters(limit.windowMs, options.maxTracked ?? MAX_TRACKED);
  return {
    async attempt(username, address) {
      const at = now();
      const u = userKey(username);
      const a = addressKey(address);
      const user = users.get(u, at);
      const peer = addresses.get(a, at);
      let wait = 0;
      if (user && user.count >= limit.perUser) wait = user.resetAt - at;
      if (peer && peer.count >= limit.perAddress) wait = Math.max(wait, peer.resetAt - at);
      if (wait > 0) return { allowed: false, retryAfterMs: wait };
      users.add(u, at);
      addresses.add(a, at);
      return { allowed: true };
    },
    async succeeded(username, address) {
      users.clear(userKey(username));
      addresses.remove(addressKey(address));
    },
    async close() {},
    tracked: () => users.size + addresses.size,
  };
}

// Both scripts take KEYS = [username key, address key]. A window is a hash {count, reset}; `reset`
// (unix ms, from the caller's clock) decides, the key's expiry only collects it afterwards. `now` and
// the window are whole milliseconds, and a wait is returned rounded up (Redis would truncate a
// fractional Lua number to an integer reply).
const ATTEMPT_SCRIPT = `
local now = tonumber(ARGV[3])
local window = tonumber(ARGV[4])
local limits = { tonumber(ARGV[1]), tonumber(ARGV[2]) }
local counts = {}
local wait = 0
for i = 1, 2 do
  local state = redis.call('HMGET', KEYS[i], 'count', 'reset')
  local count = tonumber(state[1]) or 0
  local reset = tonumber(state[2]) or 0
  if reset <= now then count = 0 end
  counts[i] = count
  if count >= limits[i] then wait = math.max(wait, reset - now) end
end
if wait > 0 then return math.ceil(wait) end
for i = 1, 2 do
  if counts[i] == 0 then
    redis.call('HSET', KEYS[i], 'count', 1, 'reset', now + window)
    redis.call('PEXPIRE', KEYS[i], window)
  else
    redis.call('HINCRBY', KEYS[i], 'count', 1)
  end
end
return 0`;

const SUCCEEDED_SCRIPT = `
redis.call('DEL', KEYS[1])
local count = tonumber(redis.call('HGET', KEYS[2], 'count')) or 0
if count > 1 then redis.call('HINCRBY', KEYS[2], 'count', -1) elseif count == 1 then redis.call('DEL', KEYS[2]) end
return 0`;

const PREFIX = 'permsocket:login:';

/**
 * A throttle shared by every node through Redis. When Redis cannot answer, this node counts in
 * memory instead (and logs it): sign-in keeps working and stays throttled per node.
 */
export async function createRedisLoginThrottle(url: string, limit: LoginRateLimit, log: Logger, options: ThrottleOptions = {}): Promise<LoginThrottle> {
  const now = options.now ?? Date.now;
  const fallback = createMemoryLoginThrottle(limit, options);
  const { Redis } = await import('ioredis');
  const client: RedisClient = new Redis(url, { maxRetriesPerRequest: 1, commandTimeout: 1_000, lazyConnect: true });
  client.on('error', (error: Error) => log('redis.error', { role: 'login-throttle', message: error.message }));
  await client.connect();
  const keys = (username: string, address: string) => [`${PREFIX}u:${userKey(username)}`, `${PREFIX}a:${addressKey(address)}`];
  const failed = (error: unknown) =>
    log('login_throttle.redis_failed', { message: error instanceof Error ? error.message : String(error) });
  return {
    async attempt(username, address) {
      try {
        const wait = Number(await client.eval(ATTEMPT_SCRIPT, 2, ...keys(username, address), limit.perUser, limit.perAddress, Math.floor(now()), Math.ceil(limit.windowMs)));
        return wait > 0 ? { allowed: false, retryAfterMs: wait } : { allowed: true };
      } catch (error) {
        failed(error);
        return fallback.attempt(username, address);
      }
    },
    async succeeded(username, address) {
      await fallback.succeeded(username, address);
      try {
        await client.eval(SUCCEEDED_SCRIPT, 2, ...keys(username, address));
      } catch (error) {
        failed(error);
      }
    },
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/** The throttle a configuration asks for: none (`off`), in memory, or shared through Redis. */
export async function createLoginThrottle(limit: LoginRateLimit | null, redisUrl: string | undefined, log: Logger): Promise<LoginThrottle | null> {
  if (!limit) return null;
  return redisUrl ? createRedisLoginThrottle(redisUrl, limit, log) : createMemoryLoginThrottle(limit);
}
