import { describe, expect, it, vi } from 'vitest';
import { rawSocket, signedInSocket, tick, useFake } from './harness';

const { fake, connect } = useFake({ grants: ['chat.view_message'] });

const NOON = Date.UTC(2026, 0, 1, 12);

describe('signing in on the fake', () => {
  it('signs the client in as the configured user, with exp and now from the faked clock', async () => {
    vi.setSystemTime(NOON);
    const client = connect();
    await tick(0);
    expect(client.state).toBe('ready');
    expect(client.user).toEqual({ id: '1', name: 'alice' });
    expect(client.expiresAt).toBe(NOON + 300_000);
    expect(client.permissions.grants).toEqual(['chat.view_message']);
    expect(fake.connections).toHaveLength(1);
    expect(fake.connections[0]!.frames).toEqual([{ type: 'auth', token: expect.any(String) }]);
  });

  it('answers auth.ok with the token’s own exp and the server clock', async () => {
    vi.setSystemTime(NOON);
    const raw = rawSocket();
    await tick(0);
    raw.send({ type: 'auth', token: fake.token({ ttl: 60 }) });
    await tick(0);
    expect(raw.received).toEqual([
      { type: 'auth.ok', user: { id: '1', name: 'alice' }, exp: NOON / 1000 + 60, now: NOON, perms: { version: 1, grants: ['chat.view_message'] } },
    ]);
  });

  it('gives an opaque token the tokenTtl option’s lifetime', async () => {
    vi.setSystemTime(NOON);
    const raw = rawSocket();
    await tick(0);
    raw.send({ type: 'auth', token: 'opaque-token' });
    await tick(0);
    expect(raw.received[0]).toMatchObject({ type: 'auth.ok', exp: NOON / 1000 + 300 });
  });

  it('closes with error + 4401 when the token expires and no refresh came', async () => {
    vi.setSystemTime(NOON);
    const raw = rawSocket();
    await tick(0);
    raw.send({ type: 'auth', token: fake.token({ ttl: 60 }) });
    await tick(59_999);
    expect(raw.closed).toBeNull();
    await tick(1);
    expect(raw.received.at(-1)).toEqual({ type: 'error', error: { code: 'unauthenticated', message: 'token expired' } });
    expect(raw.closed).toEqual({ code: 4401, reason: 'token expired' });
  });

  it('answers auth.refresh with auth.ok, so the client keeps its socket past the first token’s expiry', async () => {
    vi.setSystemTime(NOON);
    const client = connect({ getToken: () => fake.token({ ttl: 120 }) });
    await tick(0);
    expect(client.expiresAt).toBe(NOON + 120_000);
    // Refreshed at half its lifetime, then again: the first token's exp (120 s) passes without a close.
    await tick(61_000);
    expect(fake.connections[0]!.frames.map((frame) => frame.type)).toEqual(['auth', 'auth.refresh']);
    expect(client.expiresAt).toBe(NOON + 60_000 + 120_000);
    await tick(70_000);
    expect(client.state).toBe('ready');
    expect(fake.connections).toHaveLength(1);
    expect(fake.connections[0]!.closed).toBeNull();
  });

  it('refuses an expired token at auth with 4401', async () => {
    vi.setSystemTime(NOON);
    const token = fake.token({ ttl: 10 });
    vi.setSystemTime(NOON + 10_000);
    const raw = rawSocket();
    await tick(0);
    raw.send({ type: 'auth', token });
    await tick(0);
    expect(raw.received).toEqual([{ type: 'error', error: { code: 'unauthenticated', message: 'token expired' } }]);
    expect(raw.closed?.code).toBe(4401);
  });

  it('refuses an expired token of a deactivated user as expired, from the second of its exp', async () => {
    vi.setSystemTime(NOON);
    const token = fake.token({ ttl: 10 });
    vi.setSystemTime(NOON + 10_000);
    fake.forbid();
    const raw = rawSocket();
    await tick(0);
    raw.send({ type: 'auth', token });
    await tick(0);
    expect(raw.received).toEqual([{ type: 'error', error: { code: 'unauthenticated', message: 'token expired' } }]);
  });

  it('closes with 4401 at an auth.refresh with an expired token', async () => {
    vi.setSystemTime(NOON);
    const expired = fake.token({ ttl: 10 });
    vi.setSystemTime(NOON + 10_000);
    const raw = await signedInSocket(fake);
    raw.send({ type: 'auth.refresh', token: expired });
    await tick(0);
    expect(raw.received.slice(1)).toEqual([{ type: 'error', error: { code: 'unauthenticated', message: 'token expired' } }]);
    expect(raw.closed?.code).toBe(4401);
  });

  it('ends an auth.refresh with another user’s token in 4403', async () => {
    const raw = rawSocket();
    await tick(0);
    raw.send({ type: 'auth', token: fake.token() });
    raw.send({ type: 'auth.refresh', token: fake.token({ sub: '2', ttl: 600 }) });
    await tick(0);
    expect(raw.received.map((frame) => frame.type)).toEqual(['auth.ok', 'error']);
    expect(raw.received[1]).toEqual({ type: 'error', error: { code: 'forbidden', message: 'auth.refresh with a token of another user' } });
    expect(raw.closed?.code).toBe(4403);
  });

  it('closes with 4408 when no auth frame comes within authTimeout', async () => {
    const raw = rawSocket();
    await tick(4_999);
    expect(raw.closed).toBeNull();
    await tick(1);
    expect(raw.received).toEqual([{ type: 'error', error: { code: 'auth_timeout', message: 'no auth frame within 5000 ms' } }]);
    expect(raw.closed?.code).toBe(4408);
  });
});

describe('reject()', () => {
  it('refuses the token once: the client fetches a fresh one and signs in again', async () => {
    const reasons: string[] = [];
    const client = connect({
      getToken: ({ reason }) => {
        reasons.push(reason);
        return fake.token();
      },
    });
    await tick(0);
    fake.reject();
    await tick(0);
    expect(fake.connections[0]!.closed).toEqual({ code: 4401, reason: 'token rejected', by: 'server' });
    await tick(0);
    expect(client.state).toBe('ready');
    expect(reasons).toEqual(['connect', 'rejected']);
    expect(fake.connections).toHaveLength(2);
  });

  it('refused twice in a row, the client takes the user as signed out', async () => {
    const authErrors: string[] = [];
    const client = connect({ on: { 'auth-error': (error) => authErrors.push(error.code) } });
    await tick(0);
    fake.reject(2);
    await tick(0);
    await tick(0);
    expect(client.state).toBe('unauthenticated');
    expect(authErrors).toEqual(['unauthenticated']);
    expect(fake.connections.map((connection) => connection.closed?.code)).toEqual([4401, 4401]);
  });

  it('reject(2) with a client signed in closes it and refuses one more token, then takes the next', async () => {
    const first = await signedInSocket(fake);
    fake.reject(2);
    await tick(0);
    expect(first.closed?.code).toBe(4401);
    const codes: Array<number | undefined> = [];
    for (let n = 0; n < 2; n++) {
      const raw = rawSocket();
      await tick(0);
      raw.send({ type: 'auth', token: fake.token() });
      await tick(0);
      codes.push(raw.closed?.code);
    }
    expect(codes).toEqual([4401, undefined]);
  });

  it('with nobody signed in, refuses the next token presented', async () => {
    fake.reject();
    const raw = rawSocket();
    await tick(0);
    raw.send({ type: 'auth', token: fake.token() });
    await tick(0);
    expect(raw.received).toEqual([{ type: 'error', error: { code: 'unauthenticated', message: 'token rejected' } }]);
  });
});

describe('forbid()', () => {
  it('closes the signed-in client with error + 4403 and refuses it at every later auth', async () => {
    const client = connect();
    await tick(0);
    fake.forbid();
    await tick(0);
    expect(client.state).toBe('forbidden');
    client.connect();
    await tick(0);
    expect(client.state).toBe('forbidden');
    expect(fake.connections.map((connection) => connection.closed?.code)).toEqual([4403, 4403]);
  });
});
