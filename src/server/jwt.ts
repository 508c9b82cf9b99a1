/**
 * `authenticate` functions on jose: {@link hs256} for tokens signed with a shared secret (the
 * reference servers), {@link jwks} for RS/ES tokens of an identity provider. Both require `exp`,
 * `sub` and the audience, refuse a token over 8 KiB unread, and never put the token in an error.
 * @packageDocumentation
 */
import type { JWTPayload, JWTVerifyGetKey, JWTVerifyOptions } from 'jose';
import { MAX_TOKEN_BYTES, utf8Length } from '../protocol';
import { AuthenticationError } from './errors';
import type { Authenticated } from './types';

/** Options shared by {@link hs256} and {@link jwks}. */
export interface JwtOptions {
  /** The required `aud` claim. */
  audience: string | string[];
  /** The required `iss` claim, when tokens carry one. */
  issuer?: string | string[];
  /**
   * Seconds of clock difference tolerated on `exp` and `nbf`.
   * @default 0
   */
  clockTolerance?: number;
}

/** Options of {@link hs256}. */
export interface Hs256Options extends JwtOptions {
  /** The shared secret (a string is used as its UTF-8 bytes). */
  secret: string | Uint8Array;
}

/** Options of {@link jwks}. */
export interface JwksOptions extends JwtOptions {
  /** The identity provider's JWKS endpoint (`https://idp.example/.well-known/jwks.json`). */
  url: string | URL;
  /**
   * The asymmetric algorithms accepted.
   * @default ['RS256', 'ES256']
   */
  algorithms?: string[];
}

// jose is ESM only: importing it on first use keeps the CommonJS build loadable on every Node 20,
// and an app that never verifies a JWT never loads it.
type Jose = typeof import('jose');
let loading: Promise<Jose> | undefined;
const loadJose = () => (loading ??= import('jose'));

function reasonOf({ errors }: Jose, error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `token claim ${error.claim} ${error.reason}`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'token algorithm not allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'token signature invalid';
  if (error instanceof errors.JWKSNoMatchingKey) return 'token signed with an unknown key';
  if (error instanceof errors.JOSEError) return `token invalid (${error.code})`;
  return 'token invalid';
}

function toAuthenticated(payload: JWTPayload): Authenticated {
  const malformed = () => new AuthenticationError('token claims malformed');
  if (typeof payload.sub !== 'string' || payload.sub === '') throw malformed();
  // Stryker disable next-line ConditionalExpression: jose has already refused an exp that is not a number (a required NumericDate); this narrows the type
  if (typeof payload.exp !== 'number') throw malformed();
  const name = typeof payload.name === 'string' && payload.name !== '' ? payload.name : payload.sub;
  return { user: { id: payload.sub, name }, exp: payload.exp, claims: payload };
}

function verifier(getKey: (jose: Jose) => Uint8Array | JWTVerifyGetKey, algorithms: string[], options: JwtOptions) {
  const verifyOptions = {
    algorithms,
    audience: options.audience,
    requiredClaims: ['exp', 'sub', 'aud'],
    // jose reads an option set to undefined as one not given, so these need no "when given" test.
    issuer: options.issuer,
    clockTolerance: options.clockTolerance,
  } as JWTVerifyOptions;
  return async (token: string): Promise<Authenticated> => {
    if (utf8Length(token) > MAX_TOKEN_BYTES) throw new AuthenticationError(`token larger than ${MAX_TOKEN_BYTES} bytes`);
    const jose = await loadJose();
    const key = getKey(jose);
    let payload: JWTPayload;
    try {
      // Two calls because jose's overloads take a key or a key function, not the union.
      ({ payload } =
        key instanceof Uint8Array ? await jose.jwtVerify(token, key, verifyOptions) : await jose.jwtVerify(token, key, verifyOptions));
    } catch (error) {
      throw new AuthenticationError(reasonOf(jose, error), { cause: error });
    }
    return toAuthenticated(payload);
  };
}

/**
 * Verifies HS256 tokens signed with a shared secret: pinned to HS256 (`alg: none` and every other
 * algorithm refused), `exp`, `sub` and `aud` required, at most 8 KiB. Gives
 * `{ user: { id: sub, name: name ?? sub }, exp }`.
 * @example
 * createServer({ authenticate: hs256({ secret: process.env.JWT_SECRET!, audience: 'permsocket' }), ... })
 */
export function hs256(options: Hs256Options): (token: string) => Promise<Authenticated> {
  const secret = typeof options.secret === 'string' ? new TextEncoder().encode(options.secret) : options.secret;
  if (secret.length === 0) throw new TypeError('hs256 expects a non-empty secret');
  return verifier(() => secret, ['HS256'], options);
}

/**
 * Verifies RS/ES tokens of an identity provider against its JWKS endpoint (fetched and cached
 * by jose, re-fetched for an unknown key id). Same claims and cap as {@link hs256}.
 * @example
 * authenticate: jwks({ url: 'https://idp.example/.well-known/jwks.json', audience: 'permsocket', issuer: 'https://idp.example/' })
 */
export function jwks(options: JwksOptions): (token: string) => Promise<Authenticated> {
  const algorithms = options.algorithms ?? ['RS256', 'ES256'];
  if (algorithms.some((alg) => alg.startsWith('HS') || alg === 'none')) {
    throw new TypeError('jwks takes asymmetric algorithms only (RS*, PS*, ES*, EdDSA); use hs256 for a shared secret');
  }
  const url = new URL(options.url);
  let keySet: JWTVerifyGetKey | undefined;
  // One key set per jwks(): jose caches the fetched keys in it and refetches for an unknown kid.
  return verifier((jose) => (keySet ??= jose.createRemoteJWKSet(url)), algorithms, options);
}
