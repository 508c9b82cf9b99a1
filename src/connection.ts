/**
 * The connection: its states and the one function that moves between them over a declared table
 * of legal moves, the backoff before each attempt, and the early wake when a device comes back.
 * @packageDocumentation
 */
import type { ReadyOptions } from './api';
import { Deadline } from './deadline';
import { TimeoutError } from './errors';
import type { ConnectionState, DebugEntry } from './options';
import { backoffDelay, type Backoff } from './reconnect';

type Terminal = 'unauthenticated' | 'forbidden' | 'closed';
const TERMINAL: readonly ConnectionState[] = ['unauthenticated', 'forbidden', 'closed'];

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
export const isTerminal = (state: ConnectionState): state is Terminal => TERMINAL.includes(state);

/** The settings the connection reads. */
export interface ConnectionOptions {
  retry: Backoff & { resetAfter: number; rateLimitDelay: number };
  /** Called after every move, with the state left. */
  moved_(from: ConnectionState): void;
  /** A device came back (online, a tab visible again) while the client is ready. */
  wokeReady_(): void;
  debug: ((entry: DebugEntry) => void) | undefined;
}

/** The connection {@link createConnection} returns. */
export interface Connection {
  readonly state_: ConnectionState;
  /** Bumped whenever the client starts over or stops: work of an older run is dropped. */
  readonly run_: number;
  /** Moves to `to` when the table allows it; returns whether it moved. */
  move_(to: ConnectionState): boolean;
  /** Starts a new run (connect() or a terminal stop): the attempt counter and any wait start over. */
  newRun_(): void;
  /** The next attempt waits the backoff (at least `rateLimitMs` when given, after a 4429). */
  backOff_(rateLimitMs?: number): void;
  /** The next attempt goes at once (after a 4401, for another user). */
  now_(): void;
  /**
   * The URL provider partysocket awaits before every attempt: it waits out the backoff, then
   * `prepare` fetches the token and the URL. A failure goes to `failed`, which reports it or
   * stops the client; when the run goes on after it, the next attempt waits out the backoff. When
   * the run ends meanwhile the new run is served, and a stopped client gets '' (partysocket,
   * closed, opens nothing with it).
   */
  urlProvider_(prepare: () => Promise<string>, failed: (error: unknown) => void): () => Promise<string>;
  /** The client is ready: the attempt counter starts again after a stable period. */
  stable_(): void;
  /**
   * Resolves when the state is (or becomes) ready; rejects with `error()` in (or on entering) a
   * terminal state, with a TimeoutError after `timeout`, or with the signal's reason.
   */
  ready_(options: ReadyOptions, error: () => Error): Promise<void>;
}

/** Creates the connection, starting `closed`. */
export function createConnection(options: ConnectionOptions): Connection {
  const { retry, debug } = options;
  let state: ConnectionState = 'closed';
  let run = 0;
  let attempt = 0;
  let delay = 0;
  // Stryker disable next-line BooleanLiteral: equivalent: every connect() and every backoff sets it before a wake can read it
  let rateLimited = false;
  // Ends the backoff wait now: a wake, or a new run.
  let wake: (() => void) | undefined;
  let stableTimer: ReturnType<typeof setTimeout> | undefined;
  const waiters = new Set<() => void>();

  // A device waking up or coming back online: retry now instead of waiting out the backoff (but
  // never cut a rate-limit wait short), and on a live socket let the client check at once.
  const onWake = () => (state === 'ready' ? options.wokeReady_() : rateLimited || wake?.());
  const page = () => (globalThis as { document?: EventTarget & { visibilityState?: string } }).document;
  // Stryker disable next-line OptionalChaining: equivalent: it is only listened for on a document that is there
  const onVisibility = () => page()?.visibilityState === 'visible' && onWake();
  function watch(on: boolean) {
    const method = on ? 'addEventListener' : 'removeEventListener';
    // Node has no window events; a browser (or a test) has both.
    (globalThis as Partial<EventTarget>)[method]?.('online', onWake);
    page()?.[method]('visibilitychange', onVisibility);
  }

  function move(to: ConnectionState): boolean {
    if (!MOVES[state].includes(to))
      // Stryker disable next-line BooleanLiteral: equivalent: only onOpen reads it, and a socket opens only while connecting or reconnecting (a stopped socket's listeners are removed)
      return false;
    const from = state;
    state = to;
    debug?.({ kind: 'state', from, to });
    if (isTerminal(from) !== isTerminal(to)) watch(isTerminal(from));
    for (const waiter of [...waiters]) waiter();
    options.moved_(from);
    return true;
  }

  function setDelay(next: number, limited = false) {
    clearTimeout(stableTimer);
    delay = next;
    rateLimited = limited;
  }

  /** Waits out the backoff before an attempt. */
  function turn(): Promise<void> | void {
    const wait = delay;
    delay = 0;
    if (wait <= 0) return;
    debug?.({ kind: 'wait', attempt, delay: wait });
    return new Promise<void>((resolve) => {
      const timer = setTimeout((wake = () => (clearTimeout(timer), (wake = undefined), resolve())), wait);
    });
  }

  function backOff(rateLimitMs?: number) {
    const next = backoffDelay(attempt++, retry);
    if (rateLimitMs === undefined) setDelay(next);
    else setDelay(Math.max(next, rateLimitMs, retry.rateLimitDelay), true);
  }

  return {
    get state_() {
      return state;
    },
    get run_() {
      return run;
    },
    move_: move,
    newRun_() {
      // Stryker disable next-line UpdateOperator: equivalent: runs are only compared for equality
      run++;
      attempt = 0;
      setDelay(0);
      wake?.();
    },
    backOff_: backOff,
    now_: () => setDelay(0),
    urlProvider_(prepare, failed) {
      return async () => {
        for (;;) {
          const at = run;
          try {
            await turn();
            if (at === run) {
              const url = await prepare();
              if (at === run) return url;
            }
          } catch (error) {
            if (at === run) {
              failed(error);
              // `failed` may stop the client (or a listener it calls may, and connect() again).
              if (at === run) {
                backOff();
                move('reconnecting');
              }
            }
          }
          // Stopped: partysocket sees its close() and opens nothing. Started again: serve the new run.
          // Stryker disable next-line StringLiteral: equivalent: partysocket, closed, opens nothing with whatever URL it gets
          if (at !== run && isTerminal(state)) return '';
        }
      };
    },
    stable_() {
      clearTimeout(stableTimer);
      stableTimer = setTimeout(() => (attempt = 0), retry.resetAfter);
    },
    ready_({ timeout, signal }, error) {
      if (state === 'ready') return Promise.resolve();
      if (isTerminal(state)) return Promise.reject(error());
      const check = () => (state === 'ready' ? wait.resolve() : isTerminal(state) && wait.reject(error()));
      const wait = new Deadline<void>(timeout, signal, () => waiters.delete(check), () => new TimeoutError(`the client was not ready within ${timeout} ms (it is ${state})`));
      if (signal?.aborted) wait.reject(signal.reason);
      else waiters.add(check);
      return wait.promise;
    },
  };
}
