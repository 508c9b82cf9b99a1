import { describe, expect, it, vi } from 'vitest';
import { AuthError, ConnectionLostError, TimeoutError, type ConnectionState, type DebugEntry } from 'permsocket';
import { MOVES } from '../../src/connection';
import { jwt, nowSeconds, tick } from './fake-server';
import { useFakeServer } from './harness';

const { server, start } = useFakeServer();

describe('ready()', () => {
  it('resolves once the client is ready, and at once when it already is', async () => {
    const { client } = start();
    const first = client.ready();
    await tick(10);
    await expect(first).resolves.toBeUndefined();
    await expect(client.ready()).resolves.toBeUndefined();
  });

  it('rejects with the AuthError of the terminal state when getToken says signed out', async () => {
    const { client } = start({ getToken: async () => Promise.reject(new AuthError('no session')) });
    const outcome = client.ready().catch((e: unknown) => e);
    await tick(10);
    expect(await outcome).toMatchObject({ name: 'AuthError', message: 'no session' });
    await expect(client.ready()).rejects.toMatchObject({ name: 'AuthError', message: 'no session' });
  });

  it('rejects with a TimeoutError when the client is not ready in time', async () => {
    server.script({ onAuth: () => null });
    const { client } = start();
    const outcome = client.ready({ timeout: 1_000 }).catch((e: unknown) => e);
    await tick(1_001);
    const error = await outcome;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ action: undefined, sent: false, message: expect.stringContaining('authenticating') });
  });

  it('waits as long as it takes when given no timeout', async () => {
    server.script({ onAuth: () => null });
    const { client } = start();
    let outcome: unknown = 'pending';
    void client.ready().then(() => (outcome = 'ready'), (e: unknown) => (outcome = e));
    await tick(5_000);
    expect(outcome).toBe('pending');
    server.script({});
    server.last.close(1006);
    await tick(60_000);
    expect(outcome).toBe('ready');
  });

  it('rejects with the abort reason when the signal aborts, even one aborted already', async () => {
    server.script({ onAuth: () => null });
    const { client } = start();
    const controller = new AbortController();
    const outcome = client.ready({ signal: controller.signal }).catch((e: unknown) => e);
    controller.abort(new Error('page left'));
    expect(await outcome).toMatchObject({ message: 'page left' });
    await expect(client.ready({ signal: AbortSignal.abort(new Error('before')) })).rejects.toThrow('before');
  });

  it('rejects with ConnectionLostError on a client that is closed or was closed while waiting', async () => {
    const { client } = start({ autoConnect: false });
    await expect(client.ready()).rejects.toBeInstanceOf(ConnectionLostError);
    client.connect();
    const waiting = client.ready().catch((e: unknown) => e);
    client.close();
    expect(await waiting).toBeInstanceOf(ConnectionLostError);
    await tick(0); // partysocket's own 0 ms hop before it asks for the URL
    expect(vi.getTimerCount()).toBe(0);
    expect(server.connections).toHaveLength(0);
  });
});

describe('once, off and dispose', () => {
  it('calls a once listener for the next event only, and once returns a working unsubscribe', async () => {
    const { client } = start({ autoConnect: false });
    const seen: ConnectionState[] = [];
    const never = vi.fn();
    client.once('state', (state) => seen.push(state));
    const off = client.once('ready', never);
    off();
    client.connect();
    await tick(10);
    expect(seen).toEqual(['connecting']);
    expect(never).not.toHaveBeenCalled();
  });

  it('removes a listener added with on() through off()', async () => {
    const { client } = start({ autoConnect: false });
    const listener = vi.fn();
    client.on('state', listener);
    client.off('state', listener);
    client.connect();
    await tick(10);
    expect(listener).not.toHaveBeenCalled();
  });

  it('removes every registration of a function for the event with off(), as eventemitter3 does', async () => {
    const { client } = start({ autoConnect: false });
    const listener = vi.fn();
    client.on('state', listener);
    client.on('state', listener);
    client.connect();
    expect(listener).toHaveBeenCalledTimes(2);
    client.off('state', listener);
    await tick(10);
    expect(listener).toHaveBeenCalledTimes(2);
  });

  it('closes the client with Symbol.dispose, as close() does', async () => {
    const { client } = start();
    await tick(10);
    client[Symbol.dispose]();
    expect(client.state).toBe('closed');
    expect(server.last.closed).toBeNull();
    await tick(10);
    expect(server.connections).toHaveLength(1);
  });
});

describe('the debug option', () => {
  it('receives each state change, each frame type in and out, and each reconnect decision', async () => {
    const entries: DebugEntry[] = [];
    const { client } = start({ debug: (entry) => entries.push(entry), retry: { minDelay: 100, maxDelay: 100 } });
    await tick(10);
    await client.request('chat.history', { room: 'general' });
    server.last.close(1012);
    await tick(200);
    expect(entries.filter((e) => e.kind === 'state').map((e) => (e.kind === 'state' ? e.to : ''))).toEqual([
      'connecting',
      'authenticating',
      'ready',
      'reconnecting',
      'authenticating',
      'ready',
    ]);
    expect(entries).toContainEqual({ kind: 'frame', direction: 'out', type: 'auth' });
    expect(entries).toContainEqual({ kind: 'frame', direction: 'in', type: 'auth.ok' });
    expect(entries).toContainEqual({ kind: 'frame', direction: 'out', type: 'req' });
    expect(entries).toContainEqual({ kind: 'frame', direction: 'in', type: 'res' });
    expect(entries).toContainEqual({ kind: 'close', code: 1012, decision: 'reconnect' });
    expect(entries).toContainEqual({ kind: 'wait', attempt: 1, delay: 100 });
  });
});

describe('the states', () => {
  it('only ever moves along the declared table, through connects, drops, a 4401 and a close', async () => {
    const { client, states } = start({ retry: { minDelay: 100, maxDelay: 100 } });
    await tick(10);
    server.last.close(1006);
    await tick(200);
    server.last.close(4401);
    await tick(10);
    client.close();
    client.connect();
    await tick(10);
    expect(states.length).toBeGreaterThan(8);
    const moves = states.slice(1).map((to, i) => [states[i]!, to] as const);
    for (const [from, to] of [['closed', states[0]!] as const, ...moves]) expect(MOVES[from]).toContain(to);
  });

  it('declares no way out of a terminal state but connect() (and close() from a refusal)', () => {
    expect(MOVES.closed).toEqual(['connecting']);
    expect(MOVES.unauthenticated).toEqual(['connecting', 'closed']);
    expect(MOVES.forbidden).toEqual(['connecting', 'closed']);
    expect(MOVES.ready).not.toContain('authenticating');
  });
});

describe('the reconnect loop on partysocket', () => {
  it('waits out the backoff before it asks for a token, and adds no delay of its own', async () => {
    const { getToken } = start({ retry: { minDelay: 1_000, maxDelay: 1_000 } });
    await tick(10);
    server.last.close(1012);
    await tick(990);
    expect(getToken).toHaveBeenCalledTimes(1);
    expect(server.connections).toHaveLength(1);
    await tick(20);
    expect(getToken).toHaveBeenCalledTimes(2);
    expect(server.connections).toHaveLength(2);
  });

  it('connects again at once after close() and connect() while getToken hangs', async () => {
    let calls = 0;
    const getToken = vi.fn(() => (++calls === 1 ? new Promise<string>(() => {}) : Promise.resolve(jwt({ sub: '1', exp: nowSeconds() + 300 }))));
    const { client } = start({ getToken });
    await tick(10);
    client.close();
    client.connect();
    await tick(10);
    expect(client.state).toBe('ready');
    expect(server.connections).toHaveLength(1);
  });
});
