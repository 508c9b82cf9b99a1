/**
 * The connection's waits as a user sees them: a failing sign-in is one `reconnecting` spell, not a
 * state change per attempt; a rate-limited client keeps its wait when the network comes back; and
 * a device waking while nothing waits changes nothing.
 */
import { describe, expect, it, vi } from 'vitest';
import { jwt, nowSeconds, tick } from './fake-server';
import { useFakeServer, withWindowEvents } from './harness';

const { server, start } = useFakeServer();

describe('the waits between attempts', () => {
  it('reports reconnecting once while getToken keeps failing, however many attempts it takes', async () => {
    const getToken = vi.fn(async () => Promise.reject(new Error('auth server down')));
    const errors: string[] = [];
    const { states } = start({ getToken, on: { error: (e) => errors.push(e.message) }, retry: { minDelay: 1_000, maxDelay: 1_000, jitter: false } });
    await tick(5_500);
    expect(getToken.mock.calls.length).toBeGreaterThanOrEqual(4);
    expect(states).toEqual(['connecting', 'reconnecting']);
    // Only getToken's failures: no socket was tried without a token.
    expect(new Set(errors)).toEqual(new Set(['could not get a token or URL to connect with: auth server down']));
    expect(server.connections).toHaveLength(0);
  });

  it('asks getToken nothing more once the client is closed during the wait before an attempt', async () => {
    const { client, getToken } = start({ retry: { minDelay: 5_000, maxDelay: 5_000, jitter: false } });
    await tick(10);
    server.last.close(1006);
    await tick(10);
    expect(client.state).toBe('reconnecting');
    const calls = getToken.mock.calls.length;
    client.close();
    await tick(10_000);
    expect(getToken.mock.calls.length).toBe(calls);
    expect(server.connections).toHaveLength(1);
  });

  it('keeps waiting out a rate limit (4429) when the browser comes back online', async () => {
    await withWindowEvents(async (window) => {
      start({ retry: { minDelay: 100, maxDelay: 100, rateLimitDelay: 10_000 } });
      await tick(10);
      server.last.close(4429, 'slow down');
      await tick(10);
      window.dispatchEvent(new Event('online'));
      await tick(1_000);
      expect(server.connections).toHaveLength(1);
      await tick(10_000);
      expect(server.connections).toHaveLength(2);
    });
  });

  it('ignores the browser coming online while the first attempt is still getting its token', async () => {
    await withWindowEvents(async (window) => {
      let release: (() => void) | undefined;
      const token = jwt({ sub: '1', exp: nowSeconds() + 300 });
      const { client } = start({ getToken: () => new Promise<string>((resolve) => (release = () => resolve(token))) });
      await tick(10);
      expect(client.state).toBe('connecting');
      expect(() => window.dispatchEvent(new Event('online'))).not.toThrow();
      release?.();
      await tick(10);
      expect(client.state).toBe('ready');
    });
  });
});
