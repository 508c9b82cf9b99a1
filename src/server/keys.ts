/**
 * The key window: what the engine remembers of keyed requests (PROTOCOL.md, "Request keys"), so
 * that a request re-sent with the same key after a lost connection gets the first answer instead
 * of running twice. {@link memoryKeys} serves one process; `redisKeys` several nodes.
 * @packageDocumentation
 */
import { describe } from '../protocol';

/**
 * What {@link KeyStore.claim} found: `run` (nobody ran this key: the caller runs it and then calls
 * `finish` with the claim's `lease`), or the encoded answer of the run that had it first
 * (remembered, or awaited while it was still running). `lease` is the store's proof that a claim
 * is this run's: a store whose claims can run out (redisKeys) releases only the claim it names.
 */
export type KeyClaim = { run: true; lease?: string } | { run: false; answer: string };

/**
 * Returns a custom store's claim when it has the {@link KeyClaim} shape, and throws a TypeError
 * naming the shape otherwise: the engine then answers the request `internal` and logs why, as for
 * a store that failed, instead of leaving the request unanswered.
 */
export function checkedClaim(claim: unknown): KeyClaim {
  const given = claim as { run?: unknown; answer?: unknown } | null | undefined;
  if (given?.run === true || (given?.run === false && typeof given.answer === 'string')) return claim as KeyClaim;
  const what = given?.run === false ? `an answer of type ${describe(given.answer)}` : describe(claim);
  throw new TypeError(`KeyStore.claim must give { run: true } or { run: false, answer: <string> }, got ${what}`);
}

/** The `res` error a run answers with that is not remembered: it may go better next time. */
const TRANSIENT_CODES: ReadonlySet<string> = new Set(['internal', 'rate_limited']);

/**
 * Whether a handler's `RequestError` is remembered for repeats of its key: yes, except the
 * transient ones (`internal`, `rate_limited`, or any carrying `retryAfterMs`), which a repeat runs again.
 */
export function remembersError(code: string, retryAfterMs: number | undefined): boolean {
  return !TRANSIENT_CODES.has(code) && retryAfterMs === undefined;
}

/**
 * Where the engine keeps request keys: one entry per (user, key), bounded in time and count.
 * Answers are opaque strings (the encoded `res` body without its id). Keys of different users
 * never collide. Implement it to keep keys elsewhere; {@link memoryKeys} and `redisKeys` are two.
 */
export interface KeyStore {
  /**
   * Claims `key` for `userId`. When another run has it and is still going, waits for that run's
   * answer (or until `signal` aborts, then rejects).
   */
  claim(userId: string, key: string, signal: AbortSignal): KeyClaim | Promise<KeyClaim>;
  /**
   * The claimed run is over. `remember` true keeps `answer` for repeats; false releases the key
   * (a repeat runs again), while those already waiting get `answer` (or, when it is undefined,
   * because the run never reached its handler, claim again). `lease` is the one its claim gave.
   */
  finish(userId: string, key: string, answer: string | undefined, remember: boolean, lease?: string): void | Promise<void>;
  /** Resolves once usable (with Redis: connected). */
  ready?(): Promise<void>;
  /** Releases what the store holds (connections); the engine's `close()` calls it. */
  close?(): Promise<void>;
}

/** Options of {@link memoryKeys}. */
export interface MemoryKeysOptions {
  /**
   * Milliseconds an answer is remembered after it was given (PROTOCOL.md asks for at least 10 minutes).
   * @default 600000
   */
  ttlMs?: number;
  /**
   * Most keys remembered per user; past it the user's oldest is forgotten first.
   * @default 1000
   */
  maxPerUser?: number;
  /**
   * Most keys remembered in all; past it the oldest is forgotten first.
   * @default 100000
   */
  maxKeys?: number;
  /**
   * Most bytes of remembered answers in all (their UTF-16 length); past it the oldest go first.
   * @default 67108864 (64 MiB)
   */
  maxBytes?: number;
  /**
   * The clock, in milliseconds (tests inject one).
   * @default Date.now
   */
  now?: () => number;
}

/** The defaults of {@link memoryKeys}. */
export const memoryKeysDefaults = Object.freeze({ ttlMs: 600_000, maxPerUser: 1_000, maxKeys: 100_000, maxBytes: 64 * 2 ** 20 });

/**
 * One key of one user: running (no answer yet; repeats wait on it) or remembered. Running and
 * remembered keys share the user's one Map, so a request costs one lookup and one object.
 */
interface Slot {
  readonly user: UserKeys;
  readonly key: string;
  /** The answer once remembered; undefined while its first run is going. */
  answer: string | undefined;
  /** When the answer was given. */
  at: number;
  /** Repeats waiting for the first run; made by the first of them. */
  waiters: ((answer: string | undefined) => void)[] | undefined;
  /** Forgotten already: its place in a queue is skipped. */
  gone: boolean;
}

/** The keys of one user: their slots by key, and the remembered ones oldest first. */
interface UserKeys {
  readonly id: string;
  readonly slots: Map<string, Slot>;
  readonly order: Queue;
  remembered: number;
}

/**
 * Slots oldest first. A Map would keep that order too, but V8 leaves a hole for every deleted
 * entry until it rehashes, and reading the oldest walks over them: with keys forgotten at the rate
 * they come, that walk was most of the window's cost. A queue with a moving head has no holes.
 */
class Queue {
  private items: Slot[] = [];
  private head = 0;
  push(slot: Slot) {
    this.items.push(slot);
  }
  /** The oldest slot not yet forgotten, or undefined. */
  oldest(): Slot | undefined {
    while (this.head < this.items.length && this.items[this.head]!.gone) this.head++;
    // Cut the forgotten ones off once they are half: a copy per as many drops (amortised O(1)),
    // and a user's queue keeps no more forgotten entries than live ones (or 16), not a thousand.
    // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator: how often the head is cut off is time only; never cutting it off (false, <=, /) fails key-window-memory.test.ts
    if (this.head > 16 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return this.items[this.head];
  }
}

// Claims are answered synchronously where they can be: one object for every first run.
const RUN: KeyClaim = Object.freeze({ run: true });

function bound(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`memoryKeys: ${name} expects a positive integer, got ${String(value)}`);
  return value;
}

/**
 * The key window of one process: keys in memory, bounded per user and in all, each answer kept
 * for `ttlMs` after it was given. A restart forgets them: where an effect is durable, the handler
 * stores `context.key` with it too (README, "Request keys"). The engine's default.
 * @example
 * createServer({ keys: memoryKeys({ ttlMs: 15 * 60_000, maxPerUser: 500 }), ... })
 */
export function memoryKeys(options: MemoryKeysOptions = {}): KeyStore {
  const ttlMs = bound('ttlMs', options.ttlMs, memoryKeysDefaults.ttlMs);
  const maxPerUser = bound('maxPerUser', options.maxPerUser, memoryKeysDefaults.maxPerUser);
  const maxKeys = bound('maxKeys', options.maxKeys, memoryKeysDefaults.maxKeys);
  const maxBytes = bound('maxBytes', options.maxBytes, memoryKeysDefaults.maxBytes);
  const now = options.now ?? Date.now;
  // By user, then by key: no string is built per request, and keys of different users cannot meet.
  const users = new Map<string, UserKeys>();
  const order = new Queue();
  let count = 0;
  let bytes = 0;

  /** Removes a slot from its user's Map, and the user once it has none. */
  const release = (slot: Slot) => {
    const { user } = slot;
    user.slots.delete(slot.key);
    if (user.slots.size === 0) users.delete(user.id);
  };
  const drop = (slot: Slot) => {
    slot.gone = true;
    release(slot);
    // Forgotten by time or by a bound, it is its user's oldest too: move their queue past it, or a
    // user who always keeps one answer alive would hold every answer they ever had.
    slot.user.order.oldest();
    slot.user.remembered--;
    count--;
    bytes -= slot.answer!.length;
  };
  const expire = (at: number) => {
    const cutoff = at - ttlMs;
    for (let slot = order.oldest(); slot; slot = order.oldest()) {
      if (slot.at > cutoff && count <= maxKeys && bytes <= maxBytes) break;
      drop(slot);
    }
  };
  const remember = (slot: Slot, answer: string) => {
    const { user } = slot;
    const at = now();
    slot.answer = answer;
    slot.at = at;
    order.push(slot);
    user.order.push(slot);
    user.remembered++;
    count++;
    bytes += answer.length;
    if (user.remembered > maxPerUser) drop(user.order.oldest()!);
    expire(at);
  };
  /** Waits for the running first run of `slot`: its answer, or (none given) a claim of its own. */
  const wait = (slot: Slot, signal: AbortSignal) =>
    new Promise<KeyClaim>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const onAbort = () => reject(signal.reason);
      // No `once`: a signal aborts only once, and the first run's end removes the listener.
      signal.addEventListener('abort', onAbort);
      (slot.waiters ??= []).push((answer) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) return;
        // No answer: the first run stopped before its handler; the first waiter runs it now.
        if (answer === undefined) resolve(store.claim(slot.user.id, slot.key, signal));
        else resolve({ run: false, answer });
      });
    });

  const store: KeyStore = {
    claim(userId, key, signal) {
      expire(now());
      let user = users.get(userId);
      const slot = user?.slots.get(key);
      if (slot) return slot.answer === undefined ? wait(slot, signal) : { run: false, answer: slot.answer };
      if (!user) users.set(userId, (user = { id: userId, slots: new Map(), order: new Queue(), remembered: 0 }));
      user.slots.set(key, { user, key, answer: undefined, at: 0, waiters: undefined, gone: false });
      return RUN;
    },
    finish(userId, key, answer, keep) {
      const slot = users.get(userId)?.slots.get(key);
      if (!slot || slot.answer !== undefined) return;
      if (keep && answer !== undefined) remember(slot, answer);
      else release(slot);
      const waiters = slot.waiters;
      slot.waiters = undefined;
      if (waiters) for (const waiter of waiters) waiter(answer);
    },
  };
  return store;
}
