import { describe, expect, it, vi } from 'vitest';
import { AuthError } from 'permsocket';
import { authOk, grantsOf, jwt, nowSeconds, tick } from './fake-server';
import { useFakeServer, withWindowEvents } from './harness';

const { server, start } = useFakeServer();

let serial = 0;
/** A JWT for subject 1 that expires `seconds` from now (distinct each call). */
const tokenFor = (seconds: number, sub = '1') => jwt({ sub, exp: nowSeconds() + seconds, name: `t${++serial}` });

describe('refreshing the token', () => {
  it('sends auth.refresh on the open socket a minute before a 5-minute token expires', async () => {
    const getToken = vi.fn(async () => tokenFor(300));
    const { client } = start({ getToken });
    await tick(10);
    await tick(238_000);
    expect(server.last.frames.some((f) => f.type === 'auth.refresh')).toBe(false);
    await tick(3_000);
    const refresh = server.last.frames.find((f) => f.type === 'auth.refresh');
    expect(refresh).toBeDefined();
    expect(getToken).toHaveBeenLastCalledWith({ reason: 'refresh' });
    expect(server.connections).toHaveLength(1);
    expect(client.state).toBe('ready');
  });

  it('keeps one socket across many token lifetimes', async () => {
    const getToken = vi.fn(async () => tokenFor(300));
    const { client, states } = start({ getToken });
    await tick(10);
    await tick(60 * 60_000);
    expect(server.connections).toHaveLength(1);
    expect(server.last.frames.filter((f) => f.type === 'auth.refresh').length).toBeGreaterThanOrEqual(14);
    expect(states).toEqual(['connecting', 'authenticating', 'ready']);
    expect(client.expiresAt).toBeGreaterThan(Date.now());
  });

  it('refreshes a short token at half its remaining lifetime', async () => {
    const getToken = vi.fn(async () => tokenFor(20));
    start({ getToken });
    await tick(10);
    // exp has whole seconds, so 19-20 s remain: the refresh is due after 9.5-10 s.
    await tick(9_400);
    expect(server.last.frames.some((f) => f.type === 'auth.refresh')).toBe(false);
    await tick(700);
    expect(server.last.frames.some((f) => f.type === 'auth.refresh')).toBe(true);
  });

  it('measures the remaining lifetime on the server clock, not on a wrong local clock', async () => {
    // The server's clock is an hour ahead of the client's: exp and now both come from it.
    const skew = 3_600_000;
    const serverNow = () => Date.now() + skew;
    server.script({
      onAuth: () => ({
        type: 'auth.ok',
        user: { id: '1', name: 'alice' },
        exp: Math.floor(serverNow() / 1000) + 300,
        now: serverNow(),
        perms: { version: 1, grants: [] },
      }),
    });
    const getToken = vi.fn(async () => `opaque-${++serial}`);
    start({ getToken });
    await tick(10);
    await tick(238_000);
    expect(server.last.frames.some((f) => f.type === 'auth.refresh')).toBe(false);
    await tick(3_000);
    expect(server.last.frames.some((f) => f.type === 'auth.refresh')).toBe(true);
  });

  it('takes the expiry of an opaque token from auth.ok', async () => {
    server.script({
      onAuth: () => ({ type: 'auth.ok', user: { id: '1', name: 'a' }, exp: nowSeconds() + 120, now: Date.now(), perms: { version: 1, grants: [] } }),
    });
    const getToken = vi.fn(async () => `opaque-${++serial}`);
    const { client } = start({ getToken });
    await tick(10);
    expect(client.expiresAt).toBeGreaterThan(Date.now() + 119_000);
    expect(client.expiresAt).toBeLessThanOrEqual(Date.now() + 120_000);
    await tick(61_000);
    expect(server.last.frames.some((f) => f.type === 'auth.refresh')).toBe(true);
  });

  it('does not disturb a request in flight while refreshing', async () => {
    let answer: ((data: unknown) => void) | undefined;
    server.script({
      onRequest: (frame, connection) => {
        answer = (data) => connection.send({ type: 'res', id: frame.id, ok: true, data });
      },
    });
    const getToken = vi.fn(async () => tokenFor(300));
    const { client } = start({ getToken });
    await tick(10);
    await tick(200_000);
    const pending = client.request('chat.history', { room: 'general' }, { timeout: 120_000 });
    await tick(50_000);
    expect(server.last.frames.some((f) => f.type === 'auth.refresh')).toBe(true);
    answer?.({ messages: [] });
    await expect(pending).resolves.toEqual({ messages: [] });
    expect(server.connections).toHaveLength(1);
  });

  it('sends no auth.refresh when getToken returns the same token, and tries again later', async () => {
    const token = tokenFor(300);
    const getToken = vi.fn(async () => token);
    start({ getToken });
    await tick(10);
    await tick(241_000);
    expect(getToken.mock.calls.length).toBeGreaterThanOrEqual(2);
    const callsAtFirstTry = getToken.mock.calls.length;
    await tick(5_000);
    expect(getToken.mock.calls.length).toBeGreaterThan(callsAtFirstTry);
    expect(server.last.frames.some((f) => f.type === 'auth.refresh')).toBe(false);
  });

  it('sends no auth.refresh, not even to debug, for a refreshed token that arrives after the socket dropped', async () => {
    let release: (() => void) | undefined;
    const getToken = vi.fn(async ({ reason }: { reason: string }) => {
      if (reason === 'refresh') await new Promise<void>((resolve) => (release = resolve));
      return tokenFor(300);
    });
    const out: string[] = [];
    const { client } = start({ getToken, retry: { minDelay: 60_000, maxDelay: 60_000 }, debug: (entry) => void (entry.kind === 'frame' && entry.direction === 'out' && out.push(entry.type)) });
    await tick(10);
    await tick(241_000);
    expect(release).toBeDefined();
    server.last.close(1006);
    await tick(10);
    expect(client.state).toBe('reconnecting');
    release?.();
    await tick(10);
    expect(out).not.toContain('auth.refresh');
    expect(server.connections[0]!.frames.some((f) => f.type === 'auth.refresh')).toBe(false);
  });

  it('starts a new connection when getToken returns a token of another user', async () => {
    let sub = '1';
    const getToken = vi.fn(async () => tokenFor(300, sub));
    start({ getToken });
    await tick(10);
    sub = '2';
    await tick(241_000);
    expect(server.connections).toHaveLength(2);
    expect(server.connections[0]!.frames.some((f) => f.type === 'auth.refresh')).toBe(false);
    expect(server.connections[0]!.closedByClient).toEqual({ code: 1000, reason: 'another user signed in' });
  });

  it('forgets the old user while it switches to another, and sends a request made meanwhile as the new one', async () => {
    let sub = '1';
    let release: (() => void) | undefined;
    const getToken = vi.fn(async ({ reason }: { reason: string }) => {
      // The new user's token for the new socket arrives slowly: time to look at the client in between.
      if (sub === '2' && reason === 'connect') await new Promise<void>((resolve) => (release = resolve));
      return tokenFor(300, sub);
    });
    server.script({
      onAuth: (token, connection) => {
        const bob = connection === server.connections[1];
        connection.send(authOk(token, grantsOf(1, bob ? ['chat.view_message'] : ['*']), bob ? { id: '2', name: 'bob' } : { id: '1', name: 'alice' }));
      },
    });
    const { client, states } = start({ getToken });
    await tick(10);
    sub = '2';
    await tick(240_000);
    expect(client.state).toBe('reconnecting');
    expect(client.user).toBeNull();
    expect(client.permissions.grants).toEqual([]);
    expect(client.can('chat.send', { room: 'general', text: 'hi' })).toBe(false);
    const answer = client.request('chat.history', { room: 'general' }, { timeout: 60_000 });
    release?.();
    await tick(10);
    await expect(answer).resolves.toEqual({ echo: { room: 'general' } });
    expect(server.connections[1]!.frames.filter((f) => f.type === 'req')).toHaveLength(1);
    expect(client.user).toEqual({ id: '2', name: 'bob' });
    expect(states.slice(-3)).toEqual(['reconnecting', 'authenticating', 'ready']);
  });

  it('retries a failed refresh with backoff while the token is valid and reports the error', async () => {
    let fail = true;
    const getToken = vi.fn(async ({ reason }: { reason: string }) => {
      if (reason === 'refresh' && fail) throw new Error('network down');
      return tokenFor(300);
    });
    const errors: string[] = [];
    start({ getToken, on: { error: (e) => errors.push(e.message) } });
    await tick(10);
    await tick(241_000);
    expect(errors.join()).toContain('network down');
    fail = false;
    await tick(5_000);
    expect(server.last.frames.some((f) => f.type === 'auth.refresh')).toBe(true);
    expect(server.connections).toHaveLength(1);
  });

  it('stops as unauthenticated when getToken throws AuthError on refresh, rejecting pending requests', async () => {
    const getToken = vi.fn(async ({ reason }: { reason: string }) => {
      if (reason === 'refresh') throw new AuthError('signed out');
      return tokenFor(300);
    });
    server.script({ onRequest: () => null });
    const authErrors: string[] = [];
    const { client } = start({ getToken, on: { 'auth-error': (e) => authErrors.push(e.message) } });
    await tick(10);
    await tick(200_000);
    const pending = client.request('chat.history', { room: 'general' }, { timeout: 100_000 });
    const outcome = pending.catch((e: unknown) => e);
    await tick(41_000);
    expect(client.state).toBe('unauthenticated');
    expect(authErrors).toEqual(['signed out']);
    expect(await outcome).toMatchObject({ name: 'AuthError' });
    const opened = server.connections.length;
    await tick(120_000);
    expect(server.connections).toHaveLength(opened);
  });

  it('checks the expiry at once when the device wakes up after the timers drifted', async () => {
    await withWindowEvents(async (window) => {
      const getToken = vi.fn(async () => tokenFor(300));
      start({ getToken, ping: { interval: 0 } });
      await tick(10);
      // The clock jumps (a laptop slept) but no timer ran in between.
      vi.setSystemTime(Date.now() + 250_000);
      window.dispatchEvent(new Event('online'));
      await tick(0);
      expect(server.last.frames.some((f) => f.type === 'auth.refresh')).toBe(true);
    });
  });
});

describe('a tab that was hidden', () => {
  it('checks the expiry at once when it becomes visible again', async () => {
    const page = Object.assign(new EventTarget(), { visibilityState: 'hidden' });
    (globalThis as { document?: unknown }).document = page;
    try {
      const getToken = vi.fn(async () => tokenFor(300));
      start({ getToken, ping: { interval: 0 } });
      await tick(10);
      // A hidden tab's timers are throttled: the clock moves on, the refresh timer has not fired.
      vi.setSystemTime(Date.now() + 250_000);
      page.visibilityState = 'visible';
      page.dispatchEvent(new Event('visibilitychange'));
      await tick(0);
      expect(server.last.frames.some((f) => f.type === 'auth.refresh')).toBe(true);
      expect(server.connections).toHaveLength(1);
    } finally {
      delete (globalThis as { document?: unknown }).document;
    }
  });
});

describe('what a UI sees across refreshes and reconnects', () => {
  it('keeps the same user object through a silent refresh, so nothing re-renders for it', async () => {
    const getToken = vi.fn(async () => tokenFor(300));
    const { client } = start({ getToken });
    await tick(10);
    const user = client.user;
    await tick(241_000);
    expect(server.last.frames.some((f) => f.type === 'auth.refresh')).toBe(true);
    expect(client.user).toBe(user);
  });

  it('keeps the token expiry while reconnecting, and forgets it when the client stops', async () => {
    const getToken = vi.fn(async () => tokenFor(300));
    const { client } = start({ getToken, retry: { minDelay: 5_000, maxDelay: 5_000 } });
    await tick(10);
    const expiresAt = client.expiresAt;
    server.last.close(1006);
    await tick(10);
    expect(client.state).toBe('reconnecting');
    expect(client.expiresAt).toBe(expiresAt);
    client.close();
    expect(client.expiresAt).toBeNull();
  });
});
