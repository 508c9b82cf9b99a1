/**
 * jwks() when the identity provider's endpoint fails (an error status, a dropped connection), and
 * the algorithm lists it refuses when it is made. The JWKS is served on 127.0.0.1.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { jwks } from 'permsocket/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusal } from './auth-refusal';

let server: Server;
let base = '';
let key: { privateKey: CryptoKey; publicJwk: JWK };

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  key = { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' } };
  server = createServer((req, res) => {
    if (req.url === '/jwks.json') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: [key.publicJwk] }));
    if (req.url === '/broken.json') return void res.writeHead(500).end('upstream down');
    // /dropped.json: the connection is cut before any answer.
    req.socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

const token = () =>
  new SignJWT({ name: 'carol' })
    .setProtectedHeader({ alg: 'ES256', kid: 'ec-1' })
    .setSubject('42')
    .setAudience('permsocket')
    .setExpirationTime(Math.floor(Date.now() / 1000) + 300)
    .sign(key.privateKey);

describe('jwks when the endpoint fails', () => {
  it('verifies against the working endpoint (the tokens below are good ones)', async () => {
    expect((await jwks({ url: `${base}/jwks.json`, audience: 'permsocket' })(await token())).user).toEqual({ id: '42', name: 'carol' });
  });

  it('refuses the token with the jose code when the endpoint answers an error status', async () => {
    expect(await refusal(jwks({ url: `${base}/broken.json`, audience: 'permsocket' })(await token()))).toBe('token invalid (ERR_JOSE_GENERIC)');
  });

  it('refuses the token as invalid, naming no code, when the connection to the endpoint drops', async () => {
    expect(await refusal(jwks({ url: `${base}/dropped.json`, audience: 'permsocket' })(await token()))).toBe('token invalid');
  });
});

describe('jwks refuses symmetric algorithms when it is made', () => {
  it.each([[['RS256', 'HS256']], [['none']], [['HS512']]])('refuses %j', (algorithms) => {
    expect(() => jwks({ url: `${base}/jwks.json`, audience: 'permsocket', algorithms })).toThrow(
      'jwks takes asymmetric algorithms only (RS*, PS*, ES*, EdDSA); use hs256 for a shared secret',
    );
  });

  it('takes a list of asymmetric algorithms, and verifies only those', async () => {
    const esOnly = jwks({ url: `${base}/jwks.json`, audience: 'permsocket', algorithms: ['ES256'] });
    expect((await esOnly(await token())).user.id).toBe('42');
    const rsOnly = jwks({ url: `${base}/jwks.json`, audience: 'permsocket', algorithms: ['RS256', 'PS256'] });
    expect(await refusal(rsOnly(await token()))).toBe('token algorithm not allowed');
  });
});
