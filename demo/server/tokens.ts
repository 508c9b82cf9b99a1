/**
 * Access tokens: HS256 JWTs signed and verified with jose. Verification is pinned to HS256 and
 * requires `exp`, `sub` and `aud` = `permsocket`, so `alg: none`, another algorithm, a wrong key,
 * an expired or audience-less token are all refused; tokens over 8 KiB are refused unread.
 */
import { MAX_TOKEN_BYTES, utf8Length } from 'permsocket/protocol';
// The narrow entry points load a fraction of jose's modules, which keeps startup fast.
import * as errors from 'jose/errors';
import { SignJWT } from 'jose/jwt/sign';
import { jwtVerify } from 'jose/jwt/verify';

/** The audience every access token carries. */
export const AUDIENCE = 'permsocket';

/** The claims the server relies on. */
export interface AccessClaims {
  /** The user id, as a string. */
  sub: string;
  name: string | undefined;
  /** Expiry, unix seconds. */
  exp: number;
}

/** The outcome of verifying a token; `reason` is safe to log (it never contains the token). */
export type VerifyResult = { ok: true; claims: AccessClaims } | { ok: false; reason: string };

/** Signs and verifies access tokens with one secret. */
export interface TokenService {
  /** Signs a token for a user; `expiresIn` is the lifetime in seconds. */
  sign(user: { id: number; username: string }): Promise<{ token: string; expiresIn: number }>;
  verify(token: string): Promise<VerifyResult>;
}

function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `token claim ${error.claim} ${error.reason}`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'token algorithm not allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'token signature invalid';
  if (error instanceof errors.JOSEError) return `token invalid (${error.code})`;
  return 'token invalid';
}

/** Creates the token service; `ttlSeconds` is ACCESS_TOKEN_TTL. */
export function createTokenService(secret: string, ttlSeconds: number): TokenService {
  const key = new TextEncoder().encode(secret);
  const lifetime = Math.max(1, Math.round(ttlSeconds));
  return {
    async sign(user) {
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({ name: user.username })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(String(user.id))
        .setAudience(AUDIENCE)
        .setIssuedAt(now)
        .setExpirationTime(now + lifetime)
        .sign(key);
      return { token, expiresIn: lifetime };
    },
    async verify(token) {
      if (utf8Length(token) > MAX_TOKEN_BYTES) return { ok: false, reason: `token larger than ${MAX_TOKEN_BYTES} bytes` };
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          audience: AUDIENCE,
          requiredClaims: ['exp', 'sub', 'aud'],
        });
        if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number') return { ok: false, reason: 'token claims malformed' };
        return { ok: true, claims: { sub: payload.sub, exp: payload.exp, name: typeof payload.name === 'string' ? payload.name : undefined } };
      } catch (error) {
        return { ok: false, reason: reasonOf(error) };
      }
    },
  };
}
