import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClient, type ClientOptions, type ConnectionState } from 'permsocket';
import { chatContract, type ChatContract } from '../../demo/contract';
import { WS_URL, createFakeServer, jwt, nowSeconds, tick } from './fake-server';

const server = createFakeServer();
beforeAll(() => server.listen());
afterAll(() => server.close());
beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  vi.useRealTimers();
  server.reset();
});

function start(overrides: Partial<ClientOptions<ChatContract>> = {}) {
  const token = jwt({ sub: '1', exp: nowSeconds() + 300 });
  const getToken = vi.fn(async () => token);
  const states: ConnectionState[] = [];
  const client = createClient({ url: WS_URL, contract: chatContract, getToken, on: { state: (s) => states.push(s) }, ...overrides });
  return { client, getToken, states, token };
}

describe('connecting', () => {
  it('offers the permsocket.v1 subprotocol and sends auth with the token as the very first frame', async () => {
    const { client, token } = start();
    await tick(10);
    expect(server.last.protocols).toEqual(['permsocket.v1']);
    expect(server.last.frames[0]).toEqual({ type: 'auth', token });
    expect(client.state).toBe('ready');
    client.close();
  });

  it('never puts the token in the URL', async () => {
    const { client, token } = start();
    await tick(10);
    expect(server.last.url).toBe(WS_URL);
    expect(server.last.url).not.toContain(token.slice(0, 20));
    client.close();
  });

  it('walks connecting -> authenticating -> ready', async () => {
    const { client, states } = start();
    await tick(10);
    expect(states).toEqual(['connecting', 'authenticating', 'ready']);
    client.close();
  });

  it('awaits an async url and an async getToken on every attempt', async () => {
    const url = vi.fn(async () => WS_URL);
    const { client, getToken } = start({ url });
    await tick(10);
    server.last.close(1012, 'restart');
    await tick(2_000);
    expect(server.connections).toHaveLength(2);
    expect(url).toHaveBeenCalledTimes(2);
    expect(getToken).toHaveBeenCalledTimes(2);
    expect(getToken).toHaveBeenNthCalledWith(1, { reason: 'connect' });
    expect(getToken).toHaveBeenNthCalledWith(2, { reason: 'connect' });
    client.close();
  });

  it('sends nothing but auth before auth.ok, then the queued request', async () => {
    server.script({ onAuth: () => null });
    const { client, token } = start();
    await tick(10);
    const pending = client.request('chat.history', { room: 'general' });
    await tick(10);
    expect(server.last.frames.map((f) => f.type)).toEqual(['auth']);
    expect(client.state).toBe('authenticating');
    server.last.send({ type: 'auth.ok', user: { id: '1', name: 'alice' }, exp: nowSeconds() + 300, now: Date.now(), perms: { version: 1, grants: ['*'] } });
    await tick(10);
    expect(server.last.frames.map((f) => f.type)).toEqual(['auth', 'req']);
    await expect(pending).resolves.toEqual({ echo: { room: 'general' } });
    expect(token).toBeTruthy();
    client.close();
  });

  it('starts closed with autoConnect false and connects on connect()', async () => {
    const { client, getToken } = start({ autoConnect: false });
    await tick(100);
    expect(client.state).toBe('closed');
    expect(server.connections).toHaveLength(0);
    expect(getToken).not.toHaveBeenCalled();
    client.connect();
    await tick(10);
    expect(client.state).toBe('ready');
    client.close();
  });
});
