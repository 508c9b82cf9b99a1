/**
 * Tokens for the fake server: unsigned JWTs for tests, and reading the claims the fake needs
 * (`sub`, `exp`) from whatever token a client presents.
 * @packageDocumentation
 */
import { jwtDecode } from 'jwt-decode';

function base64url(text: string): string {
  // btoa takes Latin-1: go through UTF-8 bytes so a name like "zoë" survives.
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  // Padding ('=') only ever ends a base64 string: dropping every '=' drops the padding.
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=/g, '');
}

/** Builds a JWT with these claims. The signature is a placeholder: clients never verify one. */
export function unsignedJwt(claims: Record<string, unknown>): string {
  return `${base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}.fake-signature`;
}

/** The claims the fake reads: subject and expiry, when the token is a JWT that has them. */
export interface TokenClaims {
  sub: string | undefined;
  exp: number | undefined;
}

/** Reads `sub` and `exp` without verifying; an opaque token has neither. */
export function readClaims(token: string): TokenClaims {
  let claims: { sub?: unknown; exp?: unknown } = {};
  try {
    claims = jwtDecode(token);
  } catch {
    // Not a JWT (an opaque token): no claims.
  }
  return {
    sub: typeof claims.sub === 'string' ? claims.sub : undefined,
    // Number.isFinite is false for anything that is not a number, so no typeof check is needed.
    exp: Number.isFinite(claims.exp) ? (claims.exp as number) : undefined,
  };
}
