/**
 * hs256() and jwks(): what each accepts and refuses, jwks against a JWKS served on 127.0.0.1.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { hs256, jwks } from 'permsocket/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusal } from './auth-refusal';

const SECRET = 'a-test-secret-of-enough-length-0123456789';
const now = () => Math.floor(Date.now() / 1000);

function sign(key: CryptoKey | Uint8Array, claims: Record<string, unknown>, header: { alg: string; kid?: string }) {
  const { sub, aud, exp, iss, ...rest } = claims as { sub?: string; aud?: string; exp?: number; iss?: string };
  let jwt = new SignJWT(rest).setProtectedHeader(header).setIssuedAt();
  if (sub !== undefined) jwt = jwt.setSubject(sub);
  if (aud !== undefined) jwt = jwt.setAudience(aud);
  if (exp !== undefined) jwt = jwt.setExpirationTime(exp);
  if (iss !== undefined) jwt = jwt.setIssuer(iss);
  return jwt.sign(key);
}

const hsKey = new TextEncoder().encode(SECRET);
const good = { sub: '42', aud: 'permsocket', exp: now() + 300 };

describe('hs256', () => {
  const verify = hs256({ secret: SECRET, audience: 'permsocket' });

  it('gives the user (id: sub, name: name) and exp of a good token', async () => {
    const token = await sign(hsKey, { ...good, name: 'alice' }, { alg: 'HS256' });
    expect(await verify(token)).toMatchObject({ user: { id: '42', name: 'alice' }, exp: good.exp });
  });

  it('names the user by sub when the token has no name', async () => {
    expect((await verify(await sign(hsKey, good, { alg: 'HS256' }))).user).toEqual({ id: '42', name: '42' });
  });

  it.each([
    ['an expired token', { ...good, exp: now() - 10 }, 'token expired'],
    ['no sub', { aud: 'permsocket', exp: now() + 300 }, 'token claim sub missing'],
    ['no aud', { sub: '42', exp: now() + 300 }, 'token claim aud missing'],
    ['another audience', { ...good, aud: 'other' }, 'token claim aud check_failed'],
    ['no exp', { sub: '42', aud: 'permsocket' }, 'token claim exp missing'],
  ])('refuses %s', async (_, claims, message) => {
    expect(await refusal(verify(await sign(hsKey, claims, { alg: 'HS256' })))).toBe(message);
  });

  it('refuses a token signed with another key', async () => {
    const token = await sign(new TextEncoder().encode('another-secret-another-secret-12'), good, { alg: 'HS256' });
    expect(await refusal(verify(token))).toBe('token signature invalid');
  });

  it('refuses alg none and every algorithm but HS256', async () => {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const none = `${encode({ alg: 'none', typ: 'JWT' })}.${encode(good)}.`;
    expect(await refusal(verify(none))).toMatch(/^token (algorithm not allowed|invalid)/);
    const hs512 = await sign(hsKey, good, { alg: 'HS512' });
    expect(await refusal(verify(hs512))).toBe('token algorithm not allowed');
  });

  it('refuses a token over 8 KiB without reading it', async () => {
    const token = await sign(hsKey, { ...good, padding: 'x'.repeat(9000) }, { alg: 'HS256' });
    expect(await refusal(verify(token))).toBe('token larger than 8192 bytes');
  });

  it('never puts the token in its error', async () => {
    const token = await sign(hsKey, { ...good, aud: 'other' }, { alg: 'HS256' });
    const message = await refusal(verify(token));
    for (const part of token.split('.')) expect(message).not.toContain(part);
  });

  it('refuses an empty secret when it is made', () => {
    expect(() => hs256({ secret: '', audience: 'permsocket' })).toThrow('hs256 expects a non-empty secret');
  });
});

describe('jwks against a local JWKS endpoint', () => {
  let server: Server;
  let url = '';
  let rsa: { privateKey: CryptoKey; publicJwk: JWK };
  let ec: { privateKey: CryptoKey; publicJwk: JWK };
  let fetches = 0;

  beforeAll(async () => {
    const make = async (alg: string, kid: string) => {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
    };
    rsa = await make('RS256', 'rsa-1');
    ec = await make('ES256', 'ec-1');
    server = createServer((req, res) => {
      fetches++;
      if (req.url !== '/.well-known/jwks.json') return void res.writeHead(404).end();
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: [rsa.publicJwk, ec.publicJwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const claims = { ...good, iss: 'https://idp.test/', name: 'carol' };

  it('accepts RS256 and ES256 tokens signed by a key of the set, checking issuer and audience', async () => {
    const verify = jwks({ url, audience: 'permsocket', issuer: 'https://idp.test/' });
    const rs = await sign(rsa.privateKey, claims, { alg: 'RS256', kid: 'rsa-1' });
    const es = await sign(ec.privateKey, claims, { alg: 'ES256', kid: 'ec-1' });
    expect(await verify(rs)).toMatchObject({ user: { id: '42', name: 'carol' }, exp: claims.exp });
    expect(await verify(es)).toMatchObject({ user: { id: '42', name: 'carol' } });
    expect(fetches).toBeGreaterThanOrEqual(1);
  });

  it('refuses another issuer, a key not in the set and an HS256 token', async () => {
    const verify = jwks({ url, audience: 'permsocket', issuer: 'https://idp.test/' });
    expect(await refusal(verify(await sign(rsa.privateKey, { ...claims, iss: 'https://evil.test/' }, { alg: 'RS256', kid: 'rsa-1' })))).toBe(
      'token claim iss check_failed',
    );
    const { privateKey } = await generateKeyPair('RS256');
    expect(await refusal(verify(await sign(privateKey, claims, { alg: 'RS256', kid: 'rotated-away' })))).toBe('token signed with an unknown key');
    expect(await refusal(verify(await sign(hsKey, claims, { alg: 'HS256' })))).toBe('token algorithm not allowed');
  });

  it('refuses to be made with a symmetric algorithm', () => {
    expect(() => jwks({ url, audience: 'permsocket', algorithms: ['HS256'] })).toThrow('jwks takes asymmetric algorithms only');
  });
});
