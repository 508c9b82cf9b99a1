import { describe, expect, it, vi } from 'vitest';
import { AuthError } from 'permsocket';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import RealWebSocket from 'ws';
import { REFUSED_URL, authOk, grantsOf, jwt, nowSeconds, tick } from './fake-server';
import { useFakeServer, withWindowEvents } from './harness';

const { server, start } = useFakeServer();

describe('reconnecting', () => {
  it.each([1001, 1006, 1011, 1012, 1013, 4408])('reconnects with backoff after close %i and signs in again', async (code) => {
    const { client } = start({ retry: { minDelay: 1_000, maxDelay: 1_000 } });
    await tick(10);
    server.last.close(code);
    await tick(10);
    expect(client.state).toBe('reconnecting');
    expect(server.connections).toHaveLength(1);
    await tick(1_100);
    expect(server.connections).toHaveLength(2);
    expect(server.last.frames[0]?.type).toBe('auth');
    expect(client.state).toBe('ready');
  });

  it('reports a socket that could not be opened as a 1006 close, and retries with backoff', async () => {
    const closes: { code: number }[] = [];
    // A constructor passed in the options is a real socket, not one of msw's.
    const { client } = start({ url: REFUSED_URL, WebSocket: RealWebSocket, on: { close: (event) => void closes.push(event) } });
    await vi.waitFor(() => expect(closes.length).toBeGreaterThan(0), { timeout: 5_000, interval: 20 });
    expect(closes[0]).toEqual({ code: 1006, reason: '' });
    expect(client.state).toBe('reconnecting');
    client.close();
  });

  it('gives up on a socket that does not open within connectTimeout, reports 1006 and retries', async () => {
    // A server that accepts the TCP connection and never answers the upgrade.
    const silent = createServer((connection) => void accepted.push(connection));
    const accepted: Socket[] = [];
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const closes: { code: number }[] = [];
    try {
      const { client } = start({
        url: `ws://127.0.0.1:${port}/ws`,
        WebSocket: RealWebSocket,
        retry: { connectTimeout: 2_000, minDelay: 1_000, maxDelay: 1_000 },
        on: { close: (event) => void closes.push(event) },
      });
      await tick(10);
      await vi.waitFor(() => expect(accepted).toHaveLength(1), { timeout: 5_000, interval: 20 });
      await tick(1_900);
      expect(client.state).toBe('connecting');
      await tick(200);
      expect(closes).toMatchObject([{ code: 1006 }]);
      expect(client.state).toBe('reconnecting');
      client.close();
    } finally {
      for (const connection of accepted) connection.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('treats a server close with 1000 like going away and reconnects', async () => {
    const { client } = start({ retry: { minDelay: 100, maxDelay: 100 } });
    await tick(10);
    server.last.close(1000);
    await tick(200);
    expect(server.connections).toHaveLength(2);
    expect(client.state).toBe('ready');
  });

  it('replaces the permission snapshot with the one of the new session', async () => {
    let grants = ['chat.view_message', 'chat.send_message'];
    server.script({ onAuth: (token) => authOk(token, grantsOf(7, grants)) });
    const snapshots: number[] = [];
    const { client } = start({ retry: { minDelay: 100, maxDelay: 100 }, on: { permissions: (p) => snapshots.push(p.version) } });
    await tick(10);
    expect(client.can('chat.send', { room: 'general', text: 'x' })).toBe(true);
    grants = ['chat.view_message'];
    server.script({ onAuth: (token) => authOk(token, grantsOf(1, grants)) });
    server.last.close(1012);
    await tick(200);
    // A new session may start at a lower version: auth.ok always replaces the snapshot.
    expect(client.permissions.version).toBe(1);
    expect(client.can('chat.send', { room: 'general', text: 'x' })).toBe(false);
    expect(snapshots).toEqual([7, 1]);
  });

  it('spreads attempts with growing, jittered delays and never loops hot', async () => {
    server.script({ onAuth: (_token, connection) => connection.close(1013) });
    start({ retry: { minDelay: 1_000, maxDelay: 8_000 } });
    await tick(60_000);
    // Attempt n waits at least minDelay: a minute allows at most 60 attempts, and growth makes it far fewer.
    expect(server.connections.length).toBeGreaterThan(5);
    expect(server.connections.length).toBeLessThan(30);
  });

  it('starts counting attempts again after a stable period', async () => {
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.999);
    try {
      const { client } = start({ retry: { minDelay: 1_000, maxDelay: 60_000, resetAfter: 5_000 } });
      await tick(10);
      server.script({ onAuth: (_token, connection) => connection.close(1006) });
      server.last.close(1006);
      await tick(2_000); // attempt 0: up to 2 s
      await tick(4_000); // attempt 1: up to 4 s
      await tick(8_000); // attempt 2: up to 8 s
      const before = server.connections.length;
      server.script({});
      await tick(16_000);
      expect(server.connections.length).toBe(before + 1);
      expect(client.state).toBe('ready');
      await tick(6_000);
      server.last.close(1006);
      await tick(2_001);
      expect(server.connections.length).toBe(before + 2);
    } finally {
      random.mockRestore();
    }
  });

  it('waits at least the longer rate-limit delay after 4429, or retryAfterMs when the server gives more', async () => {
    const { client } = start({ retry: { minDelay: 100, maxDelay: 100, rateLimitDelay: 5_000 } });
    await tick(10);
    server.last.send({ type: 'error', error: { code: 'rate_limited', message: 'slow down', retryAfterMs: 8_000 } });
    server.last.close(4429);
    await tick(7_900);
    expect(server.connections).toHaveLength(1);
    await tick(200);
    expect(server.connections).toHaveLength(2);
    expect(client.state).toBe('ready');
  });

  it('retries at once when the browser comes back online', async () => {
    await withWindowEvents(async (window) => {
      start({ retry: { minDelay: 20_000, maxDelay: 20_000 } });
      await tick(10);
      server.last.close(1006);
      await tick(10);
      window.dispatchEvent(new Event('online'));
      await tick(10);
      expect(server.connections).toHaveLength(2);
    });
  });
  it('retries at once when the tab becomes visible again', async () => {
    const page = Object.assign(new EventTarget(), { visibilityState: 'hidden' });
    (globalThis as { document?: unknown }).document = page;
    try {
      start({ retry: { minDelay: 20_000, maxDelay: 20_000 } });
      await tick(10);
      server.last.close(1006);
      await tick(10);
      page.dispatchEvent(new Event('visibilitychange'));
      await tick(10);
      expect(server.connections).toHaveLength(1);
      page.visibilityState = 'visible';
      page.dispatchEvent(new Event('visibilitychange'));
      await tick(10);
      expect(server.connections).toHaveLength(2);
    } finally {
      delete (globalThis as { document?: unknown }).document;
    }
  });
});

describe('rejected tokens', () => {
  it('gets a fresh token with reason rejected after 4401 and reconnects', async () => {
    const { client, getToken } = start();
    await tick(10);
    server.last.send({ type: 'error', error: { code: 'unauthenticated', message: 'token expired' } });
    server.last.close(4401);
    await tick(10);
    expect(getToken).toHaveBeenLastCalledWith({ reason: 'rejected' });
    expect(server.connections).toHaveLength(2);
    expect(client.state).toBe('ready');
  });

  it('stops as unauthenticated after two 4401 in a row, with no reconnect loop', async () => {
    server.script({ onAuth: (_token, connection) => connection.close(4401) });
    const authErrors: AuthError[] = [];
    const { client } = start({ on: { 'auth-error': (e) => authErrors.push(e) } });
    await tick(10);
    await tick(60_000);
    // The very first connect's 4401 counts toward the two.
    expect(server.connections).toHaveLength(2);
    expect(client.state).toBe('unauthenticated');
    expect(authErrors).toHaveLength(1);
    expect(authErrors[0]).toBeInstanceOf(AuthError);
  });

  it('forgives a 4401 once an auth.ok came in between', async () => {
    const { client } = start();
    await tick(10);
    server.last.close(4401);
    await tick(10);
    server.last.close(4401);
    await tick(10);
    expect(client.state).toBe('ready');
    expect(server.connections).toHaveLength(3);
  });

  it('stops as forbidden after 4403 and does not reconnect', async () => {
    const authErrors: string[] = [];
    const { client } = start({ on: { 'auth-error': (e) => authErrors.push(e.code) } });
    await tick(10);
    server.last.send({ type: 'error', error: { code: 'forbidden', message: 'user is inactive' } });
    server.last.close(4403);
    await tick(60_000);
    expect(client.state).toBe('forbidden');
    expect(authErrors).toEqual(['forbidden']);
    expect(server.connections).toHaveLength(1);
  });

  it.each([1003, 1009, 4400, 4406])('stops as closed after the fatal close %i and reports a ProtocolError', async (code) => {
    const errors: { name: string; closeCode?: number }[] = [];
    const { client } = start({ on: { error: (e) => errors.push(e as never) } });
    await tick(10);
    server.last.close(code);
    await tick(60_000);
    expect(client.state).toBe('closed');
    expect(server.connections).toHaveLength(1);
    expect(errors).toEqual([expect.objectContaining({ name: 'ProtocolError', closeCode: code })]);
  });

  it('stops as unauthenticated when getToken throws AuthError on connect', async () => {
    const getToken = vi.fn(async () => {
      throw new AuthError('no session');
    });
    const { client } = start({ getToken });
    await tick(60_000);
    expect(client.state).toBe('unauthenticated');
    expect(getToken).toHaveBeenCalledTimes(1);
    expect(server.connections).toHaveLength(0);
  });

  it('recognises an AuthError from another copy of the library by its name', async () => {
    const foreign = Object.assign(new Error('signed out elsewhere'), { name: 'AuthError' });
    const { client } = start({ getToken: async () => Promise.reject(foreign) });
    await tick(10);
    expect(client.state).toBe('unauthenticated');
  });

  it('retries with backoff when getToken fails for another reason, and reports it', async () => {
    let calls = 0;
    const getToken = vi.fn(async () => {
      if (++calls < 3) throw new Error('auth server unreachable');
      return jwt({ sub: '1', exp: nowSeconds() + 300 });
    });
    const errors: string[] = [];
    const { client } = start({ getToken, retry: { minDelay: 100, maxDelay: 100 }, on: { error: (e) => errors.push(e.message) } });
    await tick(1_000);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toContain('auth server unreachable');
    expect(client.state).toBe('ready');
  });

  it('counts a getToken call slower than the request timeout as failed', async () => {
    let calls = 0;
    const getToken = vi.fn(() => (++calls === 1 ? new Promise<string>(() => {}) : Promise.resolve(jwt({ sub: '1', exp: nowSeconds() + 300 }))));
    const errors: string[] = [];
    const { client } = start({ getToken, requestTimeout: 2_000, retry: { minDelay: 100, maxDelay: 100 }, on: { error: (e) => errors.push(e.name) } });
    await tick(2_500);
    expect(errors).toEqual(['TimeoutError']);
    expect(client.state).toBe('ready');
  });
});

describe('liveness', () => {
  it('pings every interval and replaces a socket that stops answering, without waiting for its close', async () => {
    const { client } = start({ ping: { interval: 10_000, timeout: 3_000 }, retry: { minDelay: 100, maxDelay: 100 } });
    await tick(10);
    server.script({});
    const first = server.last;
    // From now on the first socket swallows everything, as a dead network would.
    const silent = vi.spyOn(first, 'send').mockImplementation(() => {});
    await tick(10_000);
    expect(first.frames.at(-1)).toEqual({ type: 'ping' });
    await tick(3_000);
    expect(client.state).not.toBe('ready');
    await tick(200);
    expect(server.connections).toHaveLength(2);
    expect(client.state).toBe('ready');
    silent.mockRestore();
  });

  it('counts any frame from the server as a sign of life', async () => {
    start({ ping: { interval: 10_000, timeout: 3_000 } });
    await tick(10);
    for (let i = 0; i < 5; i++) await tick(10_000);
    expect(server.connections).toHaveLength(1);
    expect(server.last.frames.filter((f) => f.type === 'ping')).toHaveLength(5);
  });

  it('gives up on a server that accepts the socket but never answers auth', async () => {
    server.script({ onAuth: () => null });
    start({ ping: { interval: 10_000, timeout: 3_000 }, retry: { minDelay: 100, maxDelay: 100 } });
    await tick(3_500);
    expect(server.connections.length).toBeGreaterThanOrEqual(2);
  });
});

describe('a URL that cannot be used', () => {
  it.each([
    ['throws', () => Promise.reject(new Error('config service down'))],
    ['returns no valid URL', () => 'ws://exa mple:99999/ws'],
  ])('reports an error and retries with backoff when the url function %s', async (_name, broken) => {
    let calls = 0;
    const errors: string[] = [];
    const { client } = start({
      url: () => (++calls === 1 ? broken() : 'ws://permsocket.test/ws'),
      retry: { minDelay: 100, maxDelay: 100 },
      on: { error: (e) => errors.push(e.message) },
    });
    await tick(500);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('could not get a token or URL');
    expect(client.state).toBe('ready');
  });
});
