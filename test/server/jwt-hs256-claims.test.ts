/**
 * hs256() on the claims jose lets through and the edges of its checks: a sub that is empty or not
 * a string, a name that cannot name anyone, a token of exactly 8 KiB, a secret given as bytes,
 * clockTolerance, a token that is not a JWT at all, and the jose error kept as the cause.
 */
import { SignJWT, errors } from 'jose';
import { hs256 } from 'permsocket/server';
import { describe, expect, it } from 'vitest';
import { authenticationError as refusal } from './auth-refusal';

const SECRET = 'a-test-secret-of-enough-length-0123456789';
const key = new TextEncoder().encode(SECRET);
const now = () => Math.floor(Date.now() / 1000);
const verify = hs256({ secret: SECRET, audience: 'permsocket' });

/** A token with the raw claims given (jose's setters would refuse a non-string sub). */
const sign = (claims: Record<string, unknown>, header: Record<string, unknown> = {}, secret: Uint8Array = key) =>
  new SignJWT({ aud: 'permsocket', exp: now() + 300, ...claims }).setProtectedHeader({ alg: 'HS256', ...header }).sign(secret);

describe('hs256 on claims jose does not check', () => {
  it('refuses a token whose sub is an empty string as malformed', async () => {
    expect((await refusal(verify(await sign({ sub: '' })))).message).toBe('token claims malformed');
  });

  it('refuses a token whose sub is a number, not a string', async () => {
    expect((await refusal(verify(await sign({ sub: 42 })))).message).toBe('token claims malformed');
  });

  it('names the user by sub when the name is empty or not a string', async () => {
    expect((await verify(await sign({ sub: '7', name: '' }))).user).toEqual({ id: '7', name: '7' });
    expect((await verify(await sign({ sub: '7', name: 12 }))).user).toEqual({ id: '7', name: '7' });
    expect((await verify(await sign({ sub: '7', name: 'grace' }))).user).toEqual({ id: '7', name: 'grace' });
  });

  it('hands the backend every claim of the token', async () => {
    const exp = now() + 120;
    const verified = await verify(await sign({ sub: '7', exp, role: 'admin' }));
    expect(verified).toEqual({ user: { id: '7', name: '7' }, exp, claims: { sub: '7', aud: 'permsocket', exp, role: 'admin' } });
  });
});

describe('hs256 at the edges of its checks', () => {
  /** A signed token of exactly `bytes` characters, padded through a claim and the header's kid. */
  async function tokenOf(bytes: number): Promise<string> {
    for (let kid = 1; kid < 8; kid++) {
      // base64url makes 4 characters of 3 bytes: start a little under the padding that fills `bytes`.
      for (let pad = Math.floor((bytes * 3) / 4) - 200; pad < bytes; pad++) {
        const token = await sign({ sub: '7', padding: 'x'.repeat(pad) }, { kid: 'k'.repeat(kid) });
        if (token.length === bytes) return token;
        if (token.length > bytes) break;
      }
    }
    throw new Error(`no token of ${bytes} bytes`);
  }

  it('accepts a token of exactly 8192 bytes and refuses one of 8193 unread', async () => {
    expect((await verify(await tokenOf(8192))).user.id).toBe('7');
    expect((await refusal(verify(await tokenOf(8193)))).message).toBe('token larger than 8192 bytes');
  });

  it('verifies with a secret given as bytes, used as they are', async () => {
    const bytes = new Uint8Array([1, 2, 3, 250, 251, 252, 0, 7]);
    const verifyBytes = hs256({ secret: bytes, audience: 'permsocket' });
    expect((await verifyBytes(await sign({ sub: '7' }, {}, bytes))).user.id).toBe('7');
    // Not the bytes of some text made from them.
    expect((await refusal(verifyBytes(await sign({ sub: '7' }, {}, new TextEncoder().encode(String(bytes)))))).message).toBe('token signature invalid');
  });

  it('accepts a token expired within clockTolerance seconds, and refuses it without the tolerance', async () => {
    const token = await sign({ sub: '7', exp: now() - 5 });
    expect((await hs256({ secret: SECRET, audience: 'permsocket', clockTolerance: 30 })(token)).user.id).toBe('7');
    expect((await refusal(verify(token))).message).toBe('token expired');
  });

  it('refuses a token that is not a JWT with the code jose gives', async () => {
    expect((await refusal(verify('not-a-jwt'))).message).toBe('token invalid (ERR_JWS_INVALID)');
  });

  it('keeps the jose error as the cause, for a backend that logs it', async () => {
    const error = await refusal(verify(await sign({ sub: '7', exp: now() - 60 })));
    expect(error.message).toBe('token expired');
    expect(error.cause).toBeInstanceOf(errors.JWTExpired);
  });
});
