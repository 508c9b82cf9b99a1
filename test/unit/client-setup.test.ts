import { afterEach, describe, expect, it, vi } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import RealWebSocket from 'ws';
import { ConnectionLostError, createClient, type PermsocketError } from 'permsocket';
import { chatContract } from '../../demo/contract';
import { REFUSED_URL, WS_URL, jwt, nowSeconds } from './fake-server';
import { useFakeServer } from './harness';

const { start } = useFakeServer();
const getToken = () => jwt({ sub: '1', exp: nowSeconds() + 300 });

/** Runs `body` in a runtime without a global WebSocket (Node 20, server-side rendering). */
async function withoutGlobalWebSocket(body: () => Promise<void> | void) {
  const globals = globalThis as { WebSocket?: unknown };
  const saved = globals.WebSocket;
  delete globals.WebSocket;
  try {
    await body();
  } finally {
    globals.WebSocket = saved;
  }
}

describe('setup mistakes', () => {
  it('throws at once, naming the WebSocket option and the ws package, when there is no WebSocket to connect with', async () => {
    await withoutGlobalWebSocket(() => {
      expect(() => createClient({ url: WS_URL, contract: chatContract, getToken })).toThrow(/`WebSocket` option.*`ws` package/);
    });
  });

  it('can be created anywhere with autoConnect false (server-side rendering), and throws on connect()', async () => {
    await withoutGlobalWebSocket(async () => {
      const client = createClient({ url: WS_URL, contract: chatContract, getToken, autoConnect: false });
      expect(client.state).toBe('closed');
      expect(client.can('chat.history', { room: 'general' })).toBe(false);
      await expect(client.ready()).rejects.toBeInstanceOf(ConnectionLostError);
      expect(() => client.connect()).toThrow(expect.objectContaining({ name: 'PermsocketError', code: 'setup' }));
      expect(client.state).toBe('closed');
    });
  });
});

describe('a socket that never opens', () => {
  let http: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => (http ? http.close(resolve) : resolve(undefined)));
    http = undefined;
  });

  it('emits an error naming the likely causes when nothing listens at the URL', async () => {
    const errors: PermsocketError[] = [];
    const { client } = start({ url: REFUSED_URL, WebSocket: RealWebSocket, on: { error: (e) => void errors.push(e) } });
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0), { timeout: 5_000, interval: 20 });
    expect(errors[0]).toMatchObject({ name: 'PermsocketError', code: 'connect_failed' });
    expect(errors[0]!.message).toMatch(/closed before it opened \(1006\).*URL reachable.*HTTP 403.*Origin.*permsocket\.v1 subprotocol/);
    expect(client.state).toBe('reconnecting');
    client.close();
  });

  it('emits the same error when the server refuses the handshake with HTTP 403 (an Origin it does not allow)', async () => {
    http = createServer();
    http.on('upgrade', (_request, socket) => socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n'));
    await new Promise<void>((resolve) => http!.listen(0, '127.0.0.1', resolve));
    const { port } = http.address() as AddressInfo;
    const errors: PermsocketError[] = [];
    const closes: number[] = [];
    const { client } = start({
      url: `ws://127.0.0.1:${port}/ws`,
      WebSocket: RealWebSocket,
      on: { error: (e) => void errors.push(e), close: (c) => void closes.push(c.code) },
    });
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0), { timeout: 5_000, interval: 20 });
    expect(errors[0]).toMatchObject({ code: 'connect_failed', message: expect.stringContaining('HTTP 403') });
    expect(closes[0]).toBe(1006);
    client.close();
  });
});
