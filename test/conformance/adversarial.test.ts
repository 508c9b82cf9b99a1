/**
 * Adversarial input at the handshake and on the socket: each case asserts the exact close code
 * and the `error` frame before it, and afterwards that the server is still healthy. None may
 * close with 1011, and no token may reach the logs.
 */
import { randomBytes } from 'node:crypto';
import { request, type IncomingHttpHeaders } from 'node:http';
import { MAX_FRAME_BYTES } from 'permsocket/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  HandshakeRefused,
  RawClient,
  expectHealthy,
  expectNoTokensLogged,
  expectServerClose,
  forgeToken,
  login,
  unsignedToken,
  type Session,
} from './helpers';
import type { TestServer } from './server';
import { servers } from './servers';

describe.each(servers)('$name server under adversarial input', ({ start }) => {
  let server: TestServer;
  let alice: Session;
  let bob: Session;
  /** Every token this file sends, checked against the logs at the end. */
  const sent: string[] = [];
  const token = (value: string) => {
    sent.push(value);
    return value;
  };

  beforeAll(async () => {
    server = await start({ env: { AUTH_TIMEOUT: '1' } });
    alice = await login(server, 'alice');
    bob = await login(server, 'bob');
    sent.push(alice.accessToken, bob.accessToken);
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    await expectHealthy(server, alice.accessToken);
  });

  const signedIn = async () => (await RawClient.signedIn(server, alice.accessToken)).client;

  describe('at the handshake', () => {
    it('answers HTTP 403 without upgrading when the Origin header is missing', async () => {
      await expect(RawClient.open(server, { origin: null })).rejects.toEqual(new HandshakeRefused(403));
    });

    it('answers HTTP 403 without upgrading when the Origin is not on the allowlist', async () => {
      await expect(RawClient.open(server, { origin: 'http://evil.example' })).rejects.toEqual(new HandshakeRefused(403));
    });

    it('closes with 4406 when the client offers no subprotocol', async () => {
      const client = await RawClient.open(server, { protocols: [] });
      expect(client.ws.protocol).toBe('');
      await expectServerClose(client, 4406);
    });

    it('completes the handshake without selecting a subprotocol when offered only another one', async () => {
      // A conforming client (browser, ws) then fails the connection itself; the 4406 follows on the server side.
      const headers = await rawUpgrade(server, ['permsocket.v0']);
      expect(headers['sec-websocket-protocol']).toBeUndefined();
    });

    it('selects permsocket.v1 when the client offers it among others', async () => {
      const client = await RawClient.open(server, { protocols: ['permsocket.v0', 'permsocket.v1'] });
      expect(client.ws.protocol).toBe('permsocket.v1');
      client.close();
    });

    it('closes with 4408 when no auth arrives within the auth timeout', async () => {
      const client = await RawClient.open(server);
      const error = await expectServerClose(client, 4408);
      expect(error?.error.code).toBe('auth_timeout');
    });
  });

  describe('before auth.ok', () => {
    it.each([
      ['a req', { type: 'req', id: 'r1', action: 'chat.history', payload: { room: 'general' } }],
      ['a ping', { type: 'ping' }],
      ['an auth.refresh', { type: 'auth.refresh', token: 'x.y.z' }],
    ])('closes with 4401 on %s', async (_name, frame) => {
      const client = await RawClient.open(server);
      client.send(frame);
      await expectServerClose(client, 4401);
    });

    it('closes with 4401 on an auth without a token', async () => {
      const client = await RawClient.open(server);
      client.send({ type: 'auth' });
      await expectServerClose(client, 4401);
    });
  });

  describe('malformed frames', () => {
    it.each([
      ['invalid JSON', '{"type": "ping"'],
      ['a JSON array', '[{"type":"ping"}]'],
      ['a JSON string', '"ping"'],
      ['JSON null', 'null'],
      ['an empty frame', ''],
      ['an object without a type', '{"id":"1"}'],
      ['a type that is not a string', '{"type":7}'],
      ['an unknown frame type', '{"type":"subscribe"}'],
      ['a server frame type', '{"type":"auth.ok"}'],
    ])('closes with 4400 on %s before auth', async (_name, text) => {
      const client = await RawClient.open(server);
      client.send(text);
      await expectServerClose(client, 4400);
    });

    it.each([
      ['invalid JSON', 'not json at all'],
      ['a JSON array', '[]'],
      ['an empty frame', ''],
      ['an unknown frame type', '{"type":"evil"}'],
    ])('closes with 4400 on %s after auth', async (_name, text) => {
      const client = await signedIn();
      client.send(text);
      await expectServerClose(client, 4400);
    });

    it('closes with 1003 on a binary frame', async () => {
      const client = await signedIn();
      client.ws.send(Buffer.from(JSON.stringify({ type: 'ping' })));
      await expectServerClose(client, 1003);
    });

    it('closes with 1003 on a binary frame before auth', async () => {
      const client = await RawClient.open(server);
      client.ws.send(Buffer.from([0, 1, 2, 3]));
      await expectServerClose(client, 1003);
    });

    it('closes with 1009 on a frame over 64 KiB', async () => {
      const client = await signedIn();
      client.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(MAX_FRAME_BYTES) }));
      await expectServerClose(client, 1009);
    });

    it('closes with 1009 on a 1 MiB frame before auth', async () => {
      const client = await RawClient.open(server);
      client.send('x'.repeat(1024 * 1024));
      await expectServerClose(client, 1009);
    });

    it('accepts a frame of exactly 64 KiB', async () => {
      const client = await signedIn();
      const frame = { type: 'req', id: 'big', action: 'chat.history', payload: { room: 'general', pad: '' } };
      frame.payload.pad = 'x'.repeat(MAX_FRAME_BYTES - JSON.stringify(frame).length);
      expect(Buffer.byteLength(JSON.stringify(frame))).toBe(MAX_FRAME_BYTES);
      client.send(frame);
      const res = await client.next('res');
      expect(res).toMatchObject({ id: 'big', ok: true });
      client.close();
    });
  });

  describe('requests', () => {
    it('closes with 4400 on a second auth', async () => {
      const client = await signedIn();
      client.send({ type: 'auth', token: alice.accessToken });
      await expectServerClose(client, 4400);
    });

    it.each([
      ['a 65-character id', 'x'.repeat(65)],
      ['an empty id', ''],
      ['a numeric id', 7],
      ['a null id', null],
    ])('closes with 4400 on a req with %s', async (_name, id) => {
      const client = await signedIn();
      client.send({ type: 'req', id, action: 'chat.history', payload: { room: 'general' } });
      await expectServerClose(client, 4400);
    });

    it('closes with 4400 on a req without an id', async () => {
      const client = await signedIn();
      client.send({ type: 'req', action: 'chat.history', payload: { room: 'general' } });
      await expectServerClose(client, 4400);
    });

    it('answers a req whose id is exactly 64 characters', async () => {
      const client = await signedIn();
      const res = await client.request('chat.history', { room: 'general' }, 'i'.repeat(64));
      expect(res.ok).toBe(true);
      client.close();
    });

    it('closes with 4400 on a req reusing the id of a request still in flight', async () => {
      const client = await signedIn();
      const req = { type: 'req', id: 'same', action: 'chat.history', payload: { room: 'general' } };
      client.sendTogether([req, req]);
      await expectServerClose(client, 4400);
    });

    it('closes with 4400 on a malformed req reusing the id of a request still in flight', async () => {
      const client = await signedIn();
      client.sendTogether([
        { type: 'req', id: 'same', action: 'chat.history', payload: { room: 'general' } },
        { type: 'req', id: 'same', payload: {} },
      ]);
      await expectServerClose(client, 4400);
      expect(client.received('res').filter((res) => res.ok === false)).toEqual([]);
    });

    it('accepts an id again once its request was answered', async () => {
      const client = await signedIn();
      expect((await client.request('chat.history', { room: 'general' }, 'again')).ok).toBe(true);
      expect((await client.request('chat.history', { room: 'general' }, 'again')).ok).toBe(true);
      client.close();
    });

    it.each(['chat.nope', '__proto__', 'constructor', 'toString', ''.padEnd(200, 'a')])(
      'answers unknown_action for action %s and keeps the connection open',
      async (action) => {
        const client = await signedIn();
        const res = await client.request(action, {});
        expect(res).toMatchObject({ ok: false, error: { code: 'unknown_action' } });
        client.send({ type: 'ping' });
        await client.next('pong');
        client.close();
      },
    );

    it('answers bad_request for a req without an action and keeps the connection open', async () => {
      const client = await signedIn();
      client.send({ type: 'req', id: 'noaction', payload: {} });
      const res = await client.next('res');
      expect(res).toMatchObject({ id: 'noaction', ok: false, error: { code: 'bad_request' } });
      client.send({ type: 'ping' });
      await client.next('pong');
      client.close();
    });
  });

  describe('tokens', () => {
    const secret = () => server.jwtSecret;
    const aliceClaims = () => ({ sub: alice.userId, name: 'alice', aud: 'permsocket', expiresIn: 300 });
    const cases: [string, () => Promise<string> | string][] = [
      ['an unsigned token (alg none)', () => unsignedToken(alice.userId, 'alice')],
      ['a token signed with another key', () => forgeToken('not-the-server-secret', aliceClaims())],
      ['an expired token', () => forgeToken(secret(), { ...aliceClaims(), expiresIn: -60 })],
      ['a token without exp', () => forgeToken(secret(), { ...aliceClaims(), expiresIn: undefined })],
      ['a token with another audience', () => forgeToken(secret(), { ...aliceClaims(), aud: 'someone-else' })],
      ['a token without audience', () => forgeToken(secret(), { ...aliceClaims(), aud: undefined })],
      ['a token without sub', () => forgeToken(secret(), { ...aliceClaims(), sub: undefined })],
      ['a token for a user that does not exist', () => forgeToken(secret(), { ...aliceClaims(), sub: '999999' })],
      ['a 9 KiB token', () => forgeToken(secret(), { ...aliceClaims(), extra: { pad: 'p'.repeat(9 * 1024) } })],
      ['a string that is not a JWT', () => 'definitely-not-a-jwt'],
      ['a token with a tampered payload', () => tamper(alice.accessToken)],
    ];

    it.each(cases)('closes with 4401 on auth with %s', async (_name, make) => {
      const client = await RawClient.open(server);
      client.send({ type: 'auth', token: token(await make()) });
      await expectServerClose(client, 4401);
    });

    it('accepts a token forged with the right secret and claims (the harness is sound)', async () => {
      const { authOk } = await RawClient.signedIn(server, token(await forgeToken(secret(), aliceClaims())));
      expect(authOk.user).toEqual({ id: alice.userId, name: 'alice' });
    });

    it.each(cases)('closes with 4401 on auth.refresh with %s', async (_name, make) => {
      const client = await signedIn();
      client.send({ type: 'auth.refresh', token: token(await make()) });
      await expectServerClose(client, 4401);
    });

    it("closes with 4403 on auth.refresh with another user's valid token", async () => {
      const client = await signedIn();
      client.send({ type: 'auth.refresh', token: bob.accessToken });
      await expectServerClose(client, 4403);
    });

    it('answers auth.refresh with a valid token of the same user with auth.ok', async () => {
      const client = await signedIn();
      const fresh = token(await forgeToken(secret(), { ...aliceClaims(), expiresIn: 600 }));
      client.send({ type: 'auth.refresh', token: fresh });
      const authOk = await client.next('auth.ok');
      expect(authOk.user).toEqual({ id: alice.userId, name: 'alice' });
      expect(authOk.exp).toBe(Number(JSON.parse(Buffer.from(fresh.split('.')[1] ?? '', 'base64url').toString()).exp));
      expect(authOk.perms.grants).toEqual(['chat.send_message', 'chat.view_message']);
      client.close();
    });
  });

  describe('a refresh with an earlier expiry', () => {
    it('keeps the later expiry: a refresh never shortens the session', async () => {
      const claims = { sub: alice.userId, name: 'alice', aud: 'permsocket' };
      const long = token(await forgeToken(server.jwtSecret, { ...claims, expiresIn: 600 }));
      const client = (await RawClient.signedIn(server, long)).client;
      const short = token(await forgeToken(server.jwtSecret, { ...claims, expiresIn: 120 }));
      client.send({ type: 'auth.refresh', token: short });
      const authOk = await client.next('auth.ok');
      expect(authOk.exp).toBe(Number(JSON.parse(Buffer.from(long.split('.')[1] ?? '', 'base64url').toString()).exp));
      client.close();
    });
  });

  describe('floods', () => {
    it('closes with 4429 after an error rate_limited when a client floods frames', async () => {
      const client = await signedIn();
      for (let i = 0; i < 400; i++) client.send({ type: 'ping' });
      await expectServerClose(client, 4429);
      expect(client.received('pong').length).toBeLessThan(400);
    });
  });

  it('never wrote a token it received to its logs', () => {
    expectNoTokensLogged(server, sent);
  });
});

/** Sends a bare upgrade request and resolves with the 101 response's headers. */
function rawUpgrade(server: TestServer, protocols: string[]): Promise<IncomingHttpHeaders> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.httpUrl}/ws`, {
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        'Sec-WebSocket-Protocol': protocols.join(', '),
        Origin: server.origin,
      },
    });
    req.on('upgrade', (response, socket) => {
      socket.destroy();
      resolve(response.headers);
    });
    req.on('response', (response) => reject(new Error(`expected 101, got ${response.statusCode}`)));
    req.on('error', reject);
    req.end();
  });
}

/** Changes one character of a token's payload, keeping its signature. */
function tamper(token: string): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
  claims.name = 'mallory';
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}

describe.each(servers)('$name server with a small rate limit', ({ start }) => {
  let server: TestServer;
  let alice: Session;

  beforeAll(async () => {
    server = await start({ env: { RATE_LIMIT: '3,1' } });
    alice = await login(server, 'alice');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('counts the auth frame against the bucket: auth and two pings pass, the third ping closes with 4429', async () => {
    const { client } = await RawClient.signedIn(server, alice.accessToken);
    client.send({ type: 'ping' });
    client.send({ type: 'ping' });
    client.send({ type: 'ping' });
    const error = await expectServerClose(client, 4429);
    expect(error?.error.code).toBe('rate_limited');
    expect(client.received('pong')).toHaveLength(2);
  });
});
