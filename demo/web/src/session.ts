/**
 * The browser session: the access token lives in memory only; the refresh token is an httpOnly
 * cookie the page never sees, so a reload signs in again through POST /auth/refresh.
 */
import { AuthError, type TokenReason } from 'permsocket';
import { mayHaveSession, rememberSession } from './session-hint';

/** The session's API, shared by the client's getToken and the admin panel. */
export interface Session {
  /** Signs in with a password; the next connect uses the token it returns. */
  login(username: string, password: string): Promise<void>;
  /**
   * Forgets the token at once, then revokes the refresh cookie on the server; rejects when the
   * server could not be reached or refused (the server session may then still be active).
   */
  logout(): Promise<void>;
  /**
   * The client's getToken: a connect reuses the token in memory while it has a while to live (a
   * server restart need not send every client to /auth/refresh at once); anything else refreshes.
   */
  getToken(reason: TokenReason): Promise<string>;
  /** The newest access token (for the admin API's Bearer header), refreshed when there is none. */
  currentToken(): Promise<string>;
  /** Gets a new access token through the cookie; throws AuthError when signed out. */
  refresh(): Promise<string>;
  /**
   * This page's client signed in, maybe on a token another tab fetched (`shareAcrossTabs`): a
   * refused refresh from now on means the session ended under the user, who is told so.
   */
  noteSession(): void;
}

interface TokenResponse {
  accessToken: string;
  expiresIn: number;
}

// Strings, not symbols: with `shareAcrossTabs` the leading tab's AuthError reaches the other tabs
// over a BroadcastChannel, and only a cause that survives structured cloning goes with it.

/** Marks the AuthError that only means "nobody is signed in", which needs no toast. */
export const NO_SESSION = 'permsocket-demo:no-session';

/** Marks the AuthError of a session that ended while in use (refresh refused), which the user is told about. */
export const SESSION_ENDED = 'permsocket-demo:session-ended';

/** Whether an error is the quiet "nobody is signed in" from {@link Session.refresh}. */
export function isNoSession(error: unknown): boolean {
  return error instanceof Error && error.cause === NO_SESSION;
}

/** Whether an error says the session ended while in use (the server refused the refresh cookie). */
export function isSessionEnded(error: unknown): boolean {
  return error instanceof Error && error.cause === SESSION_ENDED;
}

/** What the user is told when the server refuses the refresh cookie of a session in use. */
export const SESSION_ENDED_MESSAGE = 'Your session ended, sign in again.';

/**
 * The Web Lock every tab of this origin takes around a request that reads or rotates the refresh
 * cookie: the server takes a rotated cookie presented again for a stolen one and revokes the whole
 * session, so two tabs must never send the same cookie at once. With `shareAcrossTabs` only the
 * leading tab calls getToken, but signing in and out happens in whichever tab the user is in (and
 * may cross the leader's refresh), so the lock stays.
 */
export const REFRESH_LOCK = 'permsocket-refresh';

/** A cookie request that hangs gives the lock back after this long (every other tab waits on it). */
const COOKIE_REQUEST_TIMEOUT_MS = 15_000;

interface LockManagerLike {
  request(name: string, callback: () => Promise<unknown>): Promise<unknown>;
}

/**
 * Runs `task` holding {@link REFRESH_LOCK}, so each tab's request goes out after the previous one's
 * Set-Cookie and carries the newest cookie. Where the Web Locks API is missing (an old browser, or
 * a page that is not a secure context) the task runs at once: refreshes are then only shared within
 * this tab.
 */
export function withCookieLock<T>(task: () => Promise<T>): Promise<T> {
  const locks = (globalThis.navigator as { locks?: LockManagerLike } | undefined)?.locks;
  if (!locks || typeof locks.request !== 'function') return task();
  let started = false;
  const run = () => {
    started = true;
    return task();
  };
  let locked: Promise<unknown>;
  try {
    locked = locks.request(REFRESH_LOCK, run);
  } catch {
    return task();
  }
  // A lock manager that refuses (say, a document being torn down) must not cost the refresh.
  return (locked as Promise<T>).catch((error: unknown) => {
    if (started) throw error;
    return task();
  });
}

/** A fetch for the cookie routes, given up after {@link COOKIE_REQUEST_TIMEOUT_MS}. */
function cookieFetch(path: string, init: RequestInit): Promise<Response> {
  const timeout = typeof AbortSignal.timeout === 'function' ? AbortSignal.timeout(COOKIE_REQUEST_TIMEOUT_MS) : undefined;
  return fetch(path, { ...init, credentials: 'same-origin', ...(timeout ? { signal: timeout } : {}) });
}

async function readToken(response: Response): Promise<string> {
  const body = (await response.json()) as Partial<TokenResponse>;
  if (typeof body.accessToken !== 'string') throw new Error(`${response.url} answered without an accessToken`);
  return body.accessToken;
}

/** A connect reuses a token with at least this much left; a shorter-lived one is refreshed first. */
const REUSE_MIN_MS = 10_000;

/** Milliseconds until a JWT's `exp`, or 0 when it cannot be read. */
function lifetimeLeft(token: string): number {
  try {
    const payload = token.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const { exp } = JSON.parse(json) as { exp?: unknown };
    return typeof exp === 'number' ? exp * 1000 - Date.now() : 0;
  } catch {
    return 0;
  }
}

/** Creates the in-memory session. */
export function createSession(): Session {
  let token: string | null = null;
  // Whether this page has had a session (signed in, or a refresh went through) since it loaded or
  // since the last sign-out: a refused refresh then means the session ended under the user, which
  // they are told about. Only the first check on page load, with nobody signed in, stays quiet.
  let hadSession = false;
  // The cookie rotates on every refresh: two refreshes at once would present the same cookie
  // twice, so every caller in this tab shares the one in flight, and tabs take turns (the lock).
  let refreshing: Promise<string> | null = null;

  function refresh(): Promise<string> {
    refreshing ??= withCookieLock(async () => {
      // Nobody signed in in this browser: the server would answer 401, so it is not asked.
      if (!hadSession && !mayHaveSession()) throw new AuthError('signed out', { cause: NO_SESSION });
      const response = await cookieFetch('/auth/refresh', { method: 'POST' });
      if (response.status === 401) {
        token = null;
        rememberSession(false);
        const ended = hadSession;
        hadSession = false;
        throw ended ? new AuthError(SESSION_ENDED_MESSAGE, { cause: SESSION_ENDED }) : new AuthError('signed out', { cause: NO_SESSION });
      }
      if (!response.ok) throw new Error(`POST /auth/refresh answered ${response.status}`);
      token = await readToken(response);
      hadSession = true;
      rememberSession(true);
      return token;
    }).finally(() => {
      refreshing = null;
    });
    return refreshing;
  }

  return {
    async login(username, password) {
      await withCookieLock(async () => {
        const response = await cookieFetch('/auth/login', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username, password }),
        });
        if (response.status === 401) throw new AuthError('Wrong username or password, or the account is deactivated.');
        if (response.status === 429) {
          // The server's login throttle: say when a new attempt can go through.
          const seconds = Number(response.headers.get('retry-after'));
          throw new Error(`Too many failed sign-ins. Try again in ${Number.isInteger(seconds) && seconds > 0 ? `${seconds} s` : 'a minute'}.`);
        }
        if (!response.ok) throw new Error(`Signing in failed (HTTP ${response.status}).`);
        token = await readToken(response);
        hadSession = true;
        rememberSession(true);
      });
    },
    async logout() {
      // Signed out here at once, whatever the server answers: the caller says so when it failed.
      token = null;
      hadSession = false;
      await withCookieLock(async () => {
        let response: Response;
        try {
          response = await cookieFetch('/auth/logout', { method: 'POST' });
        } catch (error) {
          throw new Error('Sign-out failed (the server could not be reached).', { cause: error });
        }
        if (!response.ok) throw new Error(`Sign-out failed (HTTP ${response.status}).`);
        // Only a confirmed sign-out drops the hint: otherwise a reload may still find the session.
        rememberSession(false);
      });
    },
    async getToken(reason) {
      if (reason === 'connect' && token && lifetimeLeft(token) > REUSE_MIN_MS) return token;
      return refresh();
    },
    async currentToken() {
      return token ?? refresh();
    },
    refresh,
    noteSession() {
      hadSession = true;
    },
  };
}
