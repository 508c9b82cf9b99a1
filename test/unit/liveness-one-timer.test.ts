/**
 * The liveness check keeps one timer per socket: a ping sent while the answer to auth.refresh is
 * still pending must not leave the refresh's timer behind to close a healthy socket with 4000.
 */
import { describe, expect, it, vi } from 'vitest';
import { authOk, jwt, nowSeconds, tick, type FakeConnection } from './fake-server';
import { useFakeServer } from './harness';

const { server, start } = useFakeServer();

describe('a ping while a refresh answer is pending', () => {
  it('leaves no orphaned liveness timer: the healthy socket is never closed with 4000', async () => {
    let serial = 0;
    const getToken = vi.fn(async () => jwt({ sub: '1', exp: nowSeconds() + 300, name: `t${++serial}` }));
    let answerRefresh: (() => void) | undefined;
    server.script({
      // The server answers auth.refresh 3 s late; pings it answers at once.
      onRefresh: (token: string, connection: FakeConnection) => void (answerRefresh = () => connection.send(authOk(token))),
    });
    const closes: number[] = [];
    const { client } = start({ getToken, ping: { interval: 1_000, timeout: 10_000 }, on: { close: (e) => void closes.push(e.code) } });
    await tick(10);
    await tick(241_000);
    expect(server.last.frames.some((f) => f.type === 'auth.refresh')).toBe(true);
    const refreshedAt = server.last.frames.length;
    await tick(3_000);
    // Pings went out (and were answered) while the refresh was pending.
    expect(server.last.frames.slice(refreshedAt).some((f) => f.type === 'ping')).toBe(true);
    answerRefresh?.();
    await tick(30_000);
    expect(closes).toEqual([]);
    expect(server.connections).toHaveLength(1);
    expect(client.state).toBe('ready');
  });
});
