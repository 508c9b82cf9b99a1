/** `POST /auth/login`, `/auth/refresh` and `/auth/logout`: access tokens and the refresh cookie. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { clientAddress, isHttps } from './forwarded';
import { HttpError, readJsonObject, requireJsonBody, sendEmpty, sendJson } from './http-util';
import type { Logger } from './log';
import type { LoginThrottle } from './login-throttle';
import { hashPassword, verifyPassword } from './passwords';
import { clearedRefreshCookie, readRefreshCookie, refreshCookie, type RefreshTokens } from './refresh-cookies';
import type { TokenService } from './tokens';
import type { UserStore } from './users';

/** What the auth routes need. */
export interface AuthRouteDependencies {
  users: UserStore;
  tokens: TokenService;
  refreshTokens: RefreshTokens;
  log: Logger;
  /** Counts failed sign-ins; null when `LOGIN_RATE_LIMIT` is off. */
  throttle: LoginThrottle | null;
  /** `SECURE_COOKIES`: the refresh cookie is always Secure. */
  secureCookies: boolean;
  /** `TRUST_PROXY`: X-Forwarded-Proto / X-Forwarded-For are believed. */
  trustProxy: boolean;
}

/** The auth route handlers, by path. */
export type AuthRoutes = Record<'/auth/login' | '/auth/refresh' | '/auth/logout', (req: IncomingMessage, res: ServerResponse) => Promise<void>>;

/** Creates the auth routes. */
export function createAuthRoutes({ users, tokens, refreshTokens, log, throttle, secureCookies, trustProxy }: AuthRouteDependencies): AuthRoutes {
  // Verifying against a real hash for unknown users keeps their answer as slow as a wrong password.
  const decoyHash = hashPassword('decoy password');
  const secure = (req: IncomingMessage) => secureCookies || isHttps(req, trustProxy);

  const issue = async (req: IncomingMessage, res: ServerResponse, user: { id: number; username: string }, refreshToken: string) => {
    const { token, expiresIn } = await tokens.sign(user);
    sendJson(res, 200, { accessToken: token, expiresIn }, { 'Set-Cookie': refreshCookie(refreshToken, secure(req)) });
  };

  return {
    async '/auth/login'(req, res) {
      requireJsonBody(req);
      const body = await readJsonObject(req);
      const { username, password } = body;
      if (typeof username !== 'string' || typeof password !== 'string') {
        throw new HttpError(400, 'bad_request', "expected 'username' and 'password' strings");
      }
      const address = clientAddress(req, trustProxy);
      const verdict = (await throttle?.attempt(username, address)) ?? { allowed: true };
      if (!verdict.allowed) {
        const seconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
        log('http.login_throttled', { user: username.slice(0, 64), ip: address, retryAfterS: seconds });
        throw new HttpError(429, 'rate_limited', `too many failed sign-ins; try again in ${seconds} s`, { 'Retry-After': String(seconds) }, {
          retryAfterMs: Math.ceil(verdict.retryAfterMs),
        });
      }
      const user = users.byName(username);
      const ok = await verifyPassword(password, user?.passwordHash ?? (await decoyHash));
      if (!user || !ok || !user.active) {
        log('http.login_refused', { user: username.slice(0, 64), ip: address, reason: user && ok ? 'inactive user' : 'wrong credentials' });
        throw new HttpError(401, 'unauthenticated', 'wrong username or password, or the user is inactive');
      }
      await throttle?.succeeded(username, address);
      log('http.login', { user: user.username });
      await issue(req, res, user, refreshTokens.issue(user.id));
    },
    async '/auth/refresh'(req, res) {
      const cookie = readRefreshCookie(req.headers.cookie);
      if (!cookie) throw new HttpError(401, 'unauthenticated', 'no refresh cookie');
      const rotated = refreshTokens.rotate(cookie);
      const user = rotated.ok ? users.byId(rotated.userId) : undefined;
      if (!rotated.ok || !user) {
        log('http.refresh_refused', { reason: rotated.ok ? 'unknown user' : rotated.reason });
        throw new HttpError(401, 'unauthenticated', 'refresh cookie missing, expired or revoked');
      }
      log('http.refresh', { user: user.username });
      await issue(req, res, user, rotated.token);
    },
    async '/auth/logout'(req, res) {
      const cookie = readRefreshCookie(req.headers.cookie);
      if (cookie) refreshTokens.revokeFamily(cookie);
      sendEmpty(res, 204, { 'Set-Cookie': clearedRefreshCookie(secure(req)) });
    },
  };
}
