/**
 * Refresh tokens, carried in an httpOnly SameSite=Strict cookie and stored only as a SHA-256 hash.
 * Each refresh rotates the token within its family; presenting an already rotated token again
 * means it was stolen or replayed, so the whole family is revoked.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './db';

/** The refresh cookie's name. */
export const REFRESH_COOKIE = 'permsocket_refresh';
/** How long a refresh token lives, seconds. */
export const REFRESH_TTL_SECONDS = 14 * 24 * 3600;
/** The cookie is only sent to the auth routes. */
const COOKIE_PATH = '/auth';

/** The outcome of a rotation: a new token for the user, or why there is none (safe to log). */
export type RotateResult = { ok: true; userId: number; token: string } | { ok: false; reason: string };

/** Issues, rotates and revokes refresh tokens. */
export interface RefreshTokens {
  /** A new token in a new family (at login). */
  issue(userId: number): string;
  rotate(token: string): RotateResult;
  /** Revokes the family of a token (at logout); unknown tokens are ignored. */
  revokeFamily(token: string): void;
  /** Revokes every token of a user (at deactivation). */
  revokeUser(userId: number): void;
}

const hash = (token: string) => createHash('sha256').update(token).digest('base64url');

interface TokenRow {
  family: string;
  user_id: number;
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
}

/** Creates the refresh token store. */
export function createRefreshTokens(db: Db): RefreshTokens {
  const insert = db.prepare('INSERT INTO refresh_tokens (token_hash, family, user_id, expires_at) VALUES (?, ?, ?, ?)');
  const find = db.prepare<[string], TokenRow>('SELECT family, user_id, expires_at, used_at, revoked_at FROM refresh_tokens WHERE token_hash = ?');
  const markUsed = db.prepare('UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL');
  const revokeFamily = db.prepare('UPDATE refresh_tokens SET revoked_at = ? WHERE family = ? AND revoked_at IS NULL');
  const revokeUser = db.prepare('UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL');
  const userActive = db.prepare<[number], number>('SELECT is_active FROM users WHERE id = ?').pluck();

  const add = (userId: number, family: string): string => {
    const token = randomBytes(32).toString('base64url');
    insert.run(hash(token), family, userId, Date.now() + REFRESH_TTL_SECONDS * 1000);
    return token;
  };

  const rotate = db.transaction((token: string): RotateResult => {
    const row = find.get(hash(token));
    const now = Date.now();
    if (!row) return { ok: false, reason: 'unknown refresh token' };
    if (row.revoked_at !== null) return { ok: false, reason: 'revoked refresh token' };
    if (row.used_at !== null) {
      revokeFamily.run(now, row.family);
      return { ok: false, reason: 'refresh token reused: family revoked' };
    }
    if (row.expires_at <= now) return { ok: false, reason: 'expired refresh token' };
    if (userActive.get(row.user_id) !== 1) {
      revokeFamily.run(now, row.family);
      return { ok: false, reason: 'inactive user' };
    }
    markUsed.run(now, hash(token));
    return { ok: true, userId: row.user_id, token: add(row.user_id, row.family) };
  });

  return {
    issue: (userId) => add(userId, randomBytes(16).toString('base64url')),
    rotate: (token) => rotate.immediate(token),
    revokeFamily: (token) => {
      const row = find.get(hash(token));
      if (row) revokeFamily.run(Date.now(), row.family);
    },
    revokeUser: (userId) => {
      revokeUser.run(Date.now(), userId);
    },
  };
}

/** The Set-Cookie value carrying a refresh token; `secure` adds `Secure` (https only). */
export function refreshCookie(token: string, secure = false): string {
  return `${REFRESH_COOKIE}=${token}; Path=${COOKIE_PATH}; HttpOnly; SameSite=Strict; Max-Age=${REFRESH_TTL_SECONDS}${secure ? '; Secure' : ''}`;
}

/** The Set-Cookie value that removes the refresh cookie (with the same `Secure` as it was set with). */
export function clearedRefreshCookie(secure = false): string {
  return `${REFRESH_COOKIE}=; Path=${COOKIE_PATH}; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
}

/** Reads the refresh token from a Cookie header. */
export function readRefreshCookie(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === REFRESH_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return value || undefined;
    }
  }
  return undefined;
}
