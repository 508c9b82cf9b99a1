import { jwtDecode } from 'jwt-decode';
import { describe, expect, it, vi } from 'vitest';
import { permsocketServer } from 'permsocket/testing';
import { chatContract } from '../../demo/contract';
import { rawSocket, tick, useFake } from './harness';

const { fake, connect } = useFake({ grants: ['chat.view_message'], handlers: { 'chat.history': () => ({ messages: [] }) } });

describe('permsocketServer options', () => {
  it.each([
    [{}, /options.url must be the WebSocket URL/],
    [{ url: 'wss://x.test/ws', user: { id: 1, name: 'n' } }, /options.user must be \{ id: string, name: string \}/],
    [{ url: 'wss://x.test/ws', grants: 'chat.view_message' }, /grants must be an array of strings, got string/],
    [{ url: 'wss://x.test/ws', grants: ['chat view'] }, /"chat view" is not a grant/],
    [{ url: 'wss://x.test/ws', latency: -1 }, /latency must be a number of milliseconds >= 0, got -1/],
    [{ url: 'wss://x.test/ws', authTimeout: Number.NaN }, /authTimeout must be a number of milliseconds >= 0, got NaN/],
  ])('refuses %j with a message that says what is wrong', (options, message) => {
    expect(() => permsocketServer(chatContract, options as never)).toThrow(message);
  });

  it('refuses a bad latency or refusal count at run time too', () => {
    expect(() => fake.setLatency(Number.POSITIVE_INFINITY)).toThrow(/latency must be a number/);
    expect(() => fake.reject(0)).toThrow(/reject\(times\) needs a whole number >= 1, got 0/);
    expect(() => fake.reject(1.5)).toThrow(/got 1.5/);
  });

  it('signs in as a default user with no grants when given only a URL', async () => {
    const bare = permsocketServer(chatContract, { url: 'wss://bare.test/ws' });
    expect(bare.permissions.version).toBe(1);
    expect(bare.permissions.grants).toEqual([]);
    const claims = jwtDecode<{ iat: number }>(bare.token());
    expect(claims).toEqual({ sub: '1', name: 'tester', aud: 'permsocket', iat: expect.any(Number), exp: claims.iat + 300 });
  });

  it('mints tokens for another subject, name and lifetime on request', () => {
    vi.setSystemTime(Date.UTC(2026, 0, 1));
    const at = Date.UTC(2026, 0, 1) / 1000;
    // A name outside Latin-1 survives base64url (the kit encodes UTF-8 bytes).
    expect(jwtDecode(fake.token({ sub: '9', name: 'zoë 🦊', ttl: 5 }))).toEqual({ sub: '9', name: 'zoë 🦊', aud: 'permsocket', iat: at, exp: at + 5 });
  });

  it('reports a handler bug with console.error when no onHandlerError is given', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    fake.use({
      'chat.history': () => {
        throw new TypeError('oops');
      },
    });
    const client = connect();
    await tick(0);
    await client.request('chat.history', { room: 'general' }).catch(() => undefined);
    expect(logged).toHaveBeenCalledWith('permsocketServer: the handler of "chat.history" threw', expect.any(TypeError));
    logged.mockRestore();
  });

  it('answers a handler that returns nothing with data null', async () => {
    fake.use({ 'chat.history': () => undefined as never });
    const raw = rawSocket();
    await tick(0);
    raw.send({ type: 'auth', token: fake.token() });
    raw.send({ type: 'req', id: 'a', action: 'chat.history', payload: { room: 'general' } });
    await tick(0);
    expect(raw.received.at(-1)).toEqual({ type: 'res', id: 'a', ok: true, data: null });
  });

  it('carries retryAfterMs from a RequestError-shaped error of another library', async () => {
    class RequestError extends Error {
      override name = 'RequestError';
      constructor(
        readonly code: string,
        message: string,
        readonly retryAfterMs?: number,
      ) {
        super(message);
      }
    }
    fake.use({
      'chat.history': () => {
        throw new RequestError('rate_limited', 'later', 1_500);
      },
    });
    const raw = rawSocket();
    await tick(0);
    raw.send({ type: 'auth', token: fake.token() });
    raw.send({ type: 'req', id: 'a', action: 'chat.history', payload: { room: 'general' } });
    await tick(0);
    expect(raw.received.at(-1)).toEqual({ type: 'res', id: 'a', ok: false, error: { code: 'rate_limited', message: 'later', retryAfterMs: 1_500 } });
  });
});
