/**
 * The connection: its states and the one function that moves between them over a declared table
 * of legal moves, the backoff before each attempt, and the early wake when a device comes back.
 * @packageDocumentation
 */
import type { ReadyOptions } from './api';
import { TimeoutError } from './errors';
import type { ConnectionState, DebugEntry } from './options';
import { backoffDelay, type Backoff } from './reconnect';

const STALE = Symbol('stale');
type Terminal = 'unauthenticated' | 'forbidden' | 'closed';
const TERMINAL: readonly Terminal[] = ['unauthenticated', 'forbidden', 'closed'];

/**
 * Every legal move. A move not listed is refused, which also drops a late event of an attempt
 * that no longer counts (an `open` after the client stopped).
 */
export const MOVES: Readonly<Record<ConnectionState, readonly ConnectionState[]>> = {
  closed: ['connecting'],
  unauthenticated: ['connecting', 'closed'],
  forbidden: ['connecting', 'closed'],
  connecting: ['authenticating', 'reconnecting', ...TERMINAL],
  authenticating: ['ready', 'reconnecting', ...TERMINAL],
  ready: ['reconnecting', ...TERMINAL],
  reconnecting: ['authenticating', ...TERMINAL],
};

/** Whether a state is one of the terminal ones (no socket until `connect()`). */
export const isTerminal = (state: ConnectionState): state is Terminal => TERMINAL.includes(state as Terminal);

/** The settings the connection reads. */
export interface ConnectionOptions {
  retry: Backoff & { resetAfter: number; rateLimitDelay: number };
  /** Called after every move, with the state left. */
  moved(from: ConnectionState): void;
  /** A device came back (online, a tab visible again) while the client is ready. */
  wokeReady(): void;
  debug: ((entry: DebugEntry) => void) | undefined;
}

/** The connection {@link createConnection} returns. */
export interface Connection {
  readonly state: ConnectionState;
  /** Bumped whenever the client starts over or stops: work of an older run is dropped. */
  readonly run: number;
  /** Moves to `to` when the table allows it; returns whether it moved. */
  move(to: ConnectionState): boolean;
  /** Starts a new run (connect() or a terminal stop), waking any wait of the old one. */
  newRun(): void;
  /** The next attempt waits the backoff (at least `rateLimitMs` when given, after a 4429). */
  backOff(rateLimitMs?: number): void;
  /** The next attempt goes at once (the first one, after a 4401, for another user). */
  now(): void;
  /** Waits out the backoff before an attempt; resolves early on a wake or when the run ends. */
  turn(): Promise<void>;
  /**
   * The URL provider partysocket awaits before every attempt: it waits out the backoff, then
   * `prepare` fetches the token and the URL. A failure goes to `failed`, which reports it and
   * returns whether to retry with backoff. When the run ends meanwhile the new run is served,
   * and a stopped client gets '' (partysocket, closed, opens nothing with it).
   */
  urlProvider(prepare: () => Promise<string>, failed: (error: unknown) => boolean): () => Promise<string>;
  /** The client is ready: the attempt counter starts again after a stable period. */
  stable(): void;
  /**
   * Resolves when the state is (or becomes) ready; rejects with `error()` in (or on entering) a
   * terminal state, with a TimeoutError after `timeout`, or with the signal's reason.
   */
  ready(options: ReadyOptions, error: () => Error): Promise<void>;
}

/** Creates the connection, starting `closed`. */
export function createConnection(options: ConnectionOptions): Connection {
  const { retry, debug } = options;
  let state: ConnectionState = 'closed';
  let run = 0;
  let attempt = 0;
  let delay = 0;
  let rateLimited = false;
  let end = deferred();
  let wake: (() => void) | undefined;
  let stableTimer: ReturnType<typeof setTimeout> | undefined;
  const waiters = new Set<() => void>();

  // A device waking up or coming back online: retry now instead of waiting out the backoff (but
  // never cut a rate-limit wait short), and on a live socket let the client check at once.
  const onWake = () => {
    if (state === 'ready') options.wokeReady();
    else if (!rateLimited) wake?.();
  };
  const onVisibility = () => {
    if ((globalThis as { document?: { visibilityState?: string } }).document?.visibilityState === 'visible') onWake();
  };
  function watch(on: boolean) {
    const target = globalThis as { addEventListener?: Function; removeEventListener?: Function; document?: { addEventListener?: Function; removeEventListener?: Function } };
    const method = on ? 'addEventListener' : 'removeEventListener';
    target[method]?.call(target, 'online', onWake);
    target.document?.[method]?.call(target.document, 'visibilitychange', onVisibility);
  }

  function move(to: ConnectionState): boolean {
    if (!MOVES[state].includes(to)) return false;
    const from = state;
    state = to;
    debug?.({ kind: 'state', from, to });
    if (isTerminal(from)) watch(true);
    if (isTerminal(to)) {
      watch(false);
      clearTimeout(stableTimer);
    }
    for (const waiter of [...waiters]) waiter();
    options.moved(from);
    return true;
  }

  function backOff(rateLimitMs?: number) {
    clearTimeout(stableTimer);
    delay = backoffDelay(attempt++, retry);
    rateLimited = rateLimitMs !== undefined;
    if (rateLimited) delay = Math.max(delay, rateLimitMs ?? 0, retry.rateLimitDelay);
  }

  function turn(): Promise<void> {
    const wait = delay;
    delay = 0;
    if (wait <= 0) return Promise.resolve();
    debug?.({ kind: 'wait', attempt, delay: wait });
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, wait);
      wake = done;
      void end.promise.then(done);
    });
  }

  /** One attempt of run `at`: its turn, then `prepare`; a failure that may be retried backs off and goes again. */
  async function attemptOf(at: number, prepare: () => Promise<string>, failed: (error: unknown) => boolean): Promise<string | typeof STALE> {
    for (;;) {
      try {
        await turn();
        if (at !== run) return STALE;
        const url = await prepare();
        return at === run ? url : STALE;
      } catch (error) {
        // `failed` may stop the client (or a listener it calls may): check the run after it too.
        if (at !== run || !failed(error) || at !== run) return STALE;
        backOff();
        move('reconnecting');
      }
    }
  }

  return {
    get state() {
      return state;
    },
    get run() {
      return run;
    },
    move,
    newRun() {
      run++;
      end.resolve();
      end = deferred();
      attempt = 0;
      delay = 0;
      rateLimited = false;
      clearTimeout(stableTimer);
    },
    backOff,
    now() {
      clearTimeout(stableTimer);
      delay = 0;
      rateLimited = false;
    },
    turn,
    urlProvider(prepare, failed) {
      return async () => {
        for (;;) {
          const at = run;
          const outcome = await Promise.race([attemptOf(at, prepare, failed), end.promise.then((): typeof STALE => STALE)]);
          if (outcome !== STALE && at === run) return outcome;
          // Stopped: partysocket sees its close() and opens nothing. Started again: serve the new run.
          if (isTerminal(state)) return '';
        }
      };
    },
    stable() {
      clearTimeout(stableTimer);
      stableTimer = setTimeout(() => (attempt = 0), retry.resetAfter);
    },
    ready({ timeout, signal }, error) {
      if (state === 'ready') return Promise.resolve();
      if (isTerminal(state)) return Promise.reject(error());
      if (signal?.aborted) return Promise.reject(signal.reason);
      return new Promise<void>((resolve, reject) => {
        const finish = (settle: () => void) => {
          waiters.delete(check);
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          settle();
        };
        const check = () => {
          if (state === 'ready') finish(resolve);
          else if (isTerminal(state)) finish(() => reject(error()));
        };
        const onAbort = () => finish(() => reject(signal?.reason));
        const timer = timeout === undefined ? undefined : setTimeout(() => finish(() => reject(new TimeoutError(`the client was not ready within ${timeout} ms (it is ${state})`))), timeout);
        waiters.add(check);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
