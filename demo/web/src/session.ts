/**
 * The browser session: the access token lives in memory only; the refresh token is an httpOnly
 * cookie the page never sees, so a reload signs in again through POST /auth/refresh.
 */
import { AuthError, type TokenReason } from 'permsocket';

/** The session's API, shared by the client's getToken and the admin panel. */
export interface Session {
  /** Signs in with a password; the next connect uses the token it returns. */
  login(username: string, password: string): Promise<void>;
  /** Revokes the refresh cookie and forgets the token. */
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
}

interface TokenResponse {
  accessToken: string;
  expiresIn: number;
}

/** Marks the AuthError that only means "nobody is signed in", which needs no toast. */
export const NO_SESSION = Symbol('no session');

/** Whether an error is the quiet "nobody is signed in" from {@link Session.refresh}. */
export function isNoSession(error: unknown): boolean {
  return error instanceof Error && error.cause === NO_SESSION;
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
  // The cookie rotates on every refresh: two refreshes at once would present the same cookie
  // twice, so every caller shares the one in flight.
  let refreshing: Promise<string> | null = null;

  function refresh(): Promise<string> {
    refreshing ??= fetch('/auth/refresh', { method: 'POST', credentials: 'same-origin' })
      .then(async (response) => {
        if (response.status === 401) {
          token = null;
          throw new AuthError('signed out', { cause: NO_SESSION });
        }
        if (!response.ok) throw new Error(`POST /auth/refresh answered ${response.status}`);
        token = await readToken(response);
        return token;
      })
      .finally(() => {
        refreshing = null;
      });
    return refreshing;
  }

  return {
    async login(username, password) {
      const response = await fetch('/auth/login', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      if (response.status === 401) throw new AuthError('Wrong username or password, or the account is deactivated.');
      if (!response.ok) throw new Error(`Signing in failed (HTTP ${response.status}).`);
      token = await readToken(response);
    },
    async logout() {
      token = null;
      await fetch('/auth/logout', { method: 'POST', credentials: 'same-origin' });
    },
    async getToken(reason) {
      if (reason === 'connect' && token && lifetimeLeft(token) > REUSE_MIN_MS) return token;
      return refresh();
    },
    async currentToken() {
      return token ?? refresh();
    },
    refresh,
  };
}
