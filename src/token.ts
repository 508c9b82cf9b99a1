/**
 * The token manager: calls getToken one at a time, reads the expiry and subject from the JWT,
 * and keeps the refresh-ahead timer.
 * @packageDocumentation
 */
import { jwtDecode } from 'jwt-decode';
import { Deadline } from './deadline';
import { TimeoutError, PermsocketError } from './errors';
import type { TokenReason } from './options';

/** A token and what the client could read from it; an opaque token has neither field. */
export interface TokenInfo {
  token: string;
  /** The subject (`sub`), when the token is a JWT. */
  subject_: string | undefined;
  /** Expiry in unix seconds (`exp`), when the token is a JWT. */
  exp_: number | undefined;
}

/** Reads `sub` and `exp` from a JWT; any other token is treated as opaque. */
export function readToken(token: string): TokenInfo {
  try {
    const claims = jwtDecode<{ sub?: unknown; exp?: unknown }>(token);
    return {
      token,
      subject_: typeof claims.sub === 'string' ? claims.sub : undefined,
      exp_: typeof claims.exp === 'number' ? claims.exp : undefined,
    };
  } catch {
    return { token, subject_: undefined, exp_: undefined };
  }
}

/** Whether `next` may replace `current` on the open socket: same subject and a later expiry. */
export function isNewerToken(current: TokenInfo, next: TokenInfo): boolean {
  if (next.token === current.token) return false;
  // Two tokens without a subject count as the same user's.
  if (current.subject_ !== next.subject_) return false;
  // Servers require exp: a token without one (after one with) would only earn a 4401.
  if (current.exp_ !== undefined) return (next.exp_ ?? Number.NEGATIVE_INFINITY) > current.exp_;
  return true;
}

/** The manager {@link createTokenManager} returns. */
export interface TokenManager {
  /** One getToken call shared by every concurrent caller; rejects after the timeout. */
  fetch_(reason: TokenReason): Promise<TokenInfo>;
  /**
   * Starts the refresh-ahead timer for a session the server accepted. `serverExp` (unix s) and
   * `serverNow` (unix ms) come from `auth.ok`; the remaining lifetime is measured on the
   * server's clock, so a client clock that is off does not matter.
   */
  schedule_(token: TokenInfo, serverExp: number, serverNow: number): void;
  /** Tries again later (after a failed refresh), no later than the token's expiry. */
  retryIn_(delay: number): void;
  /** Checks the expiry at once: timers drift while a laptop sleeps or a tab is hidden. */
  check_(): void;
  /** Local time (ms) at which the current token expires, or null with no session. */
  readonly expiresAt_: number | null;
  /** Stops the timer but keeps `expiresAt`: the token stays valid while the client reconnects. */
  pause_(): void;
  /** Stops the timers and forgets the session; a getToken call still running rejects at once. */
  stop_(): void;
}

/** Timers stay below setTimeout's 32-bit limit (about 24.8 days), or they would fire at once. */
const MAX_TIMER = 2 ** 31 - 1;

/** Creates a token manager that calls `onRefreshDue` when the token should be refreshed. */
export function createTokenManager(options: {
  getToken: (context: { reason: TokenReason }) => string | Promise<string>;
  timeout: number;
  refreshSkew: number;
  onRefreshDue_: () => void;
}): TokenManager {
  let inflight: { reason_: TokenReason; call_: Promise<TokenInfo>; cancel_(): void } | null = null;
  let expiresAt: number | null = null;
  let refreshAt: number | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const arm = (at: number) => {
    clearTimeout(timer);
    refreshAt = at;
    timer = setTimeout(check, Math.min(MAX_TIMER, Math.max(0, at - Date.now())));
  };

  function check() {
    if (refreshAt === null || Date.now() < refreshAt) {
      if (refreshAt !== null) arm(refreshAt);
      return;
    }
    refreshAt = null;
    clearTimeout(timer);
    options.onRefreshDue_();
  }

  return {
    fetch_(reason) {
      // A rejected token forces a new call: a fetch already running may return that very token.
      if (inflight && (reason !== 'rejected' || inflight.reason_ === 'rejected')) return inflight.call_;
      // Settles once: with the token, after the timeout, or at once when the client stops.
      const call: Deadline<TokenInfo> = new Deadline(
        options.timeout,
        undefined,
        // A result that arrives after its timeout is dropped: the promise has settled already.
        () => inflight?.call_ === call.promise && (inflight = null),
        () => new TimeoutError(`getToken did not return within ${options.timeout} ms`),
      );
      // Stryker disable next-line StringLiteral: nobody sees this error: both callers drop a fetch whose run or session ended
      inflight = { reason_: reason, call_: call.promise, cancel_: () => call.reject(new PermsocketError('error', 'the client stopped while getToken was running')) };
      Promise.resolve()
        .then(() => options.getToken({ reason }))
        .then((token) => {
          if (typeof token === 'string' && token.length > 0) call.resolve(readToken(token));
          else call.reject(new PermsocketError('bad_token', `getToken must return a non-empty string, got ${typeof token}`));
        }, (error: unknown) => call.reject(error));
      // Whoever waits handles the rejection; one nobody waits for any more (stop()) is not unhandled.
      call.promise.catch(() => {});
      return call.promise;
    },
    schedule_(token, serverExp, serverNow) {
      // The earlier of the two: a server may end a session before the token's own exp.
      const remaining = Math.min(token.exp_ ?? serverExp, serverExp) * 1000 - serverNow;
      expiresAt = Date.now() + remaining;
      arm(expiresAt - Math.min(options.refreshSkew, remaining / 2));
    },
    retryIn_(delay) {
      // Past expiry there is nothing left to save: the server closes with 4401 and the client
      // reconnects with a fresh token, so retrying here would only spin. With no session
      // (expiresAt null) the time is 0, in the past too: nothing is armed.
      const at = Math.min(Date.now() + delay, expiresAt ?? 0);
      if (at > Date.now()) arm(at);
    },
    check_: check,
    get expiresAt_() {
      return expiresAt;
    },
    pause_() {
      clearTimeout(timer);
      refreshAt = null;
    },
    stop_() {
      // A call still running is given up: its timeout timer must not keep a Node process alive,
      // whoever waits on it goes on at once, and the next connect() starts a call of its own.
      inflight?.cancel_();
      inflight = null;
      clearTimeout(timer);
      refreshAt = null;
      expiresAt = null;
    },
  };
}
