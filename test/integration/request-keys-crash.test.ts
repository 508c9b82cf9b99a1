/**
 * A crash between the effect and the answer: the reference server (demo/server, a real process)
 * stores a chat.send and is killed with SIGKILL before its answer reaches the client (a TCP proxy
 * in between holds the server's bytes back). The SDK re-sends the send with its key after the
 * restart, and the server answers it with the stored message: nothing lost, nothing twice.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReferenceServer, type ReferenceServer } from '../../bench/reference-server';
import { chatClient, waitFor } from '../../bench/sdk-clients';

/** A TCP proxy to `port` that can swallow what the server sends while `hold` is on. */
async function holdingProxy(port: number) {
  const sockets = new Set<Socket>();
  const state = { hold: false };
  const server: Server = createServer((downstream) => {
    const upstream = createConnection({ host: '127.0.0.1', port });
    sockets.add(downstream).add(upstream);
    const end = () => {
      downstream.destroy();
      upstream.destroy();
      sockets.delete(downstream);
      sockets.delete(upstream);
    };
    downstream.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      if (!state.hold) downstream.write(chunk);
    });
    for (const socket of [downstream, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    state,
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('a SIGKILL between the stored effect and its answer', () => {
  let server: ReferenceServer;
  let proxy: Awaited<ReturnType<typeof holdingProxy>>;
  beforeAll(async () => {
    server = await startReferenceServer();
    proxy = await holdingProxy(Number(new URL(server.httpUrl).port));
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
  });

  it('answers the re-sent chat.send with the message stored before the crash, stored once', async () => {
    const client = chatClient({ wsUrl: proxy.url, origin: server.origin }, () => server.token('alice', 600), {
      requestTimeout: 30_000,
      retry: { minDelay: 100, maxDelay: 300 },
    });
    const db = new Database(server.database, { readonly: true, fileMustExist: true });
    const rows = () => db.prepare("SELECT id, user, request_key AS key FROM messages WHERE text = 'stored before the crash'").all() as { id: number; user: string; key: string | null }[];
    try {
      await waitFor(() => client.state === 'ready', 15_000, 'the client to be ready');
      proxy.state.hold = true;
      const sent = client.request('chat.send', { room: 'general', text: 'stored before the crash' });
      await waitFor(() => rows().length === 1, 15_000, 'the message to be committed');
      await server.process.kill('SIGKILL');
      proxy.state.hold = false;
      await server.process.start();

      const { message } = await sent;
      const stored = rows();
      expect(stored).toHaveLength(1);
      expect(message).toMatchObject({ id: String(stored[0]!.id), text: 'stored before the crash', user: 'alice' });
      expect(stored[0]!.key).toMatch(/^.{1,64}$/);
    } finally {
      db.close();
      client.close();
    }
  }, 60_000);
});
