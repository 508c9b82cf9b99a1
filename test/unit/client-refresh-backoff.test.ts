/**
 * A refresh that keeps failing is retried with a growing delay (the reconnect backoff), not at a
 * fixed or shrinking pace that would hammer the auth endpoint.
 */
import { describe, expect, it, vi } from 'vitest';
import { jwt, nowSeconds, tick } from './fake-server';
import { useFakeServer } from './harness';

const { server, start } = useFakeServer();
// Without jitter attempt n waits minDelay * factor^(n+1): 2 s, 4 s, 8 s, 16 s.
const retry = { minDelay: 1_000, maxDelay: 60_000, factor: 2, jitter: false };

/** The gaps between getToken calls made for a refresh. */
function refreshGaps(times: number[]) {
  return times.slice(1).map((at, i) => at - times[i]!);
}

describe('retrying a refresh', () => {
  it('waits longer after each failed getToken', async () => {
    const refreshCalls: number[] = [];
    let serial = 0;
    const getToken = vi.fn(async ({ reason }: { reason: string }) => {
      if (reason === 'refresh') {
        refreshCalls.push(Date.now());
        throw new Error('auth endpoint down');
      }
      return jwt({ sub: '1', exp: nowSeconds() + 600, name: `t${++serial}` });
    });
    // A 10-minute token is refreshed a minute before expiry: the retries fit well before it.
    start({ getToken, retry, ping: { interval: 0 } });
    await tick(10);
    await tick(541_000 + 2_000 + 4_000 + 8_000 + 100);
    expect(refreshGaps(refreshCalls)).toEqual([2_000, 4_000, 8_000]);
    expect(server.connections).toHaveLength(1);
  });

  it('waits longer each time getToken hands back the token the socket already has', async () => {
    const token = jwt({ sub: '1', exp: nowSeconds() + 600 });
    const refreshCalls: number[] = [];
    const getToken = vi.fn(async ({ reason }: { reason: string }) => {
      if (reason === 'refresh') refreshCalls.push(Date.now());
      return token;
    });
    start({ getToken, retry, ping: { interval: 0 } });
    await tick(10);
    await tick(541_000 + 2_000 + 4_000 + 8_000 + 100);
    expect(refreshGaps(refreshCalls)).toEqual([2_000, 4_000, 8_000]);
    expect(server.last.frames.some((f) => f.type === 'auth.refresh')).toBe(false);
  });
});
