/**
 * The attempt counter, and with it the backoff, starts again only after a connection stayed up
 * for `resetAfter`. A 4401 sends the client straight back with a fresh token; when that came
 * before the connection was stable and the auth server is now down, the backoff goes on growing
 * from where it was instead of starting over at the shortest delay.
 */
import { describe, expect, it, vi } from 'vitest';
import { jwt, nowSeconds, tick } from './fake-server';
import { useFakeServer } from './harness';

const { server, start } = useFakeServer();

describe('the backoff after a 4401 on a connection that was not stable yet', () => {
  it('keeps growing from where it was when the fresh token cannot be had', async () => {
    const calls: { at: number; reason: string }[] = [];
    let outcome: 'fail' | 'ok' | 'slow-fail' = 'fail';
    const getToken = vi.fn(({ reason }: { reason: string }) => {
      calls.push({ at: Date.now(), reason });
      if (outcome === 'ok') return Promise.resolve(jwt({ sub: '1', exp: nowSeconds() + 300 }));
      const delay = outcome === 'slow-fail' ? 2_000 : 0;
      return new Promise<string>((_resolve, reject) => setTimeout(() => reject(new Error('auth server down')), delay));
    });
    // Without jitter the waits are 2 s, 4 s, 8 s, 16 s for attempts 0, 1, 2, 3.
    const retry = { minDelay: 1_000, maxDelay: 60_000, factor: 2, jitter: false, resetAfter: 5_000 };
    const { client } = start({ getToken, retry, on: { error: () => {} } });
    await tick(10);
    await tick(2_000);
    outcome = 'ok';
    await tick(4_000);
    expect(client.state).toBe('ready');
    expect(calls).toHaveLength(3);
    // Up for 4 s of the 5 s that would make it stable: then the server refuses the token.
    await tick(4_000);
    outcome = 'slow-fail';
    const before = calls.length;
    server.last.close(4401, 'token expired');
    await tick(10);
    expect(calls.slice(before).map((c) => c.reason)).toEqual(['rejected']);
    const failedAt = calls.at(-1)!.at + 2_000;
    // The third backoff of the spell (attempt 2): 8 s, not the 2 s a reset counter would give.
    await tick(2_000 + 7_900);
    expect(calls).toHaveLength(before + 1);
    await tick(200);
    expect(calls).toHaveLength(before + 2);
    expect(calls.at(-1)!.at - failedAt).toBe(8_000);
  });
});
