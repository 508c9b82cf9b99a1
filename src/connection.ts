/**
 * The connection: its states and the one function that moves between them over a declared table
 * of legal moves, the backoff before each attempt, and the early wake when a device comes back.
 * @packageDocumentation
 */
import type { ConnectionState, DebugEntry } from './options';
import { backoffDelay, type Backoff } from './reconnect';

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
  /** A promise that resolves when the current run ends. */
  readonly ended: Promise<void>;
  /** The client is ready: the attempt counter starts again after a stable period. */
  stable(): void;
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

  return {
    get state() {
      return state;
    },
    get run() {
      return run;
    },
    get ended() {
      return end.promise;
    },
    move(to) {
      if (!MOVES[state].includes(to)) return false;
      const from = state;
      state = to;
      debug?.({ kind: 'state', from, to });
      if (isTerminal(from)) watch(true);
      if (isTerminal(to)) {
        watch(false);
        clearTimeout(stableTimer);
      }
      options.moved(from);
      return true;
    },
    newRun() {
      run++;
      end.resolve();
      end = deferred();
      attempt = 0;
      delay = 0;
      rateLimited = false;
      clearTimeout(stableTimer);
    },
    backOff(rateLimitMs) {
      clearTimeout(stableTimer);
      delay = backoffDelay(attempt++, retry);
      rateLimited = rateLimitMs !== undefined;
      if (rateLimited) delay = Math.max(delay, rateLimitMs ?? 0, retry.rateLimitDelay);
    },
    now() {
      clearTimeout(stableTimer);
      delay = 0;
      rateLimited = false;
    },
    turn() {
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
    },
    stable() {
      clearTimeout(stableTimer);
      stableTimer = setTimeout(() => (attempt = 0), retry.resetAfter);
    },
  };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
