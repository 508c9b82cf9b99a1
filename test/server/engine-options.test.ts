/**
 * createServer's options as a backend developer meets them: a bad value is refused with an error
 * naming the option, the documented defaults hold (the rate limit's burst, pings, request keys),
 * and each `false` turns its feature off.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { serverDefaults } from 'permsocket/server';
import { expectServerClose } from '../conformance/helpers';
import { startApp, type TestApp } from './harness';

const apps: TestApp[] = [];
async function app(overrides: Parameters<typeof startApp>[0] = {}): Promise<TestApp> {
  const started = await startApp(overrides);
  apps.push(started);
  return started;
}
afterEach(async () => {
  vi.useRealTimers();
  for (const started of apps.splice(0)) await started.stop();
});

describe('an option with a bad value', () => {
  it.each([
    ['no loadPermissions', { loadPermissions: undefined }, 'createServer: loadPermissions expects a function (user) => ({ version, grants })'],
    ['a zero maxPayload', { maxPayload: 0 }, 'createServer: maxPayload expects a positive number, got 0'],
    ['a negative closeTimeout', { closeTimeout: -1 }, 'createServer: closeTimeout expects a positive number, got -1'],
    ['a zero ping.interval', { ping: { interval: 0 } }, 'createServer: ping.interval expects a positive number, got 0'],
    ['a ping.timeout that is not a number', { ping: { timeout: Number.NaN } }, 'createServer: ping.timeout expects a positive number, got NaN'],
    ['an infinite maxBufferedBytes', { maxBufferedBytes: Number.POSITIVE_INFINITY }, 'createServer: maxBufferedBytes expects a positive number, got Infinity'],
    ['a rate limit that never refills', { rateLimit: { burst: 10, perSecond: 0 } }, 'createServer: rateLimit expects { burst >= 1, perSecond > 0 } or false'],
  ])('refuses %s, naming the option', async (_, overrides, message) => {
    await expect(startApp(overrides as never)).rejects.toThrow(message);
  });
});

describe('the rate limit', () => {
  it('defaults to a burst of 100 frames refilled at 50 a second, as serverDefaults says', async () => {
    expect(serverDefaults.rateLimit).toEqual({ burst: 100, perSecond: 50 });
    const { signIn } = await app();
    const { client } = await signIn('1');
    client.sendTogether(Array.from({ length: 140 }, () => ({ type: 'ping' })));
    const error = await expectServerClose(client, 4429);
    expect(error?.error.message).toBe('too many frames');
    // The auth frame took one token; a few more may have been refilled while the burst was read.
    expect(client.received('pong').length).toBeGreaterThanOrEqual(99);
    expect(client.received('pong').length).toBeLessThan(110);
  });

  it('accepts a burst of exactly 1: one frame passes, the next one at once is refused', async () => {
    const { signIn } = await app({ rateLimit: { burst: 1, perSecond: 1 } });
    // The auth frame spends the only token; the ping right after it is over the limit.
    const { client } = await signIn('1');
    client.send({ type: 'ping' });
    expect((await expectServerClose(client, 4429))?.error.retryAfterMs).toBeGreaterThan(0);
  });

  it('is off with rateLimit: false: a burst far past the default is answered in full', async () => {
    const { signIn } = await app({ rateLimit: false });
    const { client } = await signIn('1');
    client.sendTogether(Array.from({ length: 300 }, () => ({ type: 'ping' })));
    await vi.waitFor(() => expect(client.received('pong')).toHaveLength(300));
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
  });
});

describe('request keys', () => {
  it('are offered in auth.ok by default, and not at all with keys: false', async () => {
    const keyed = await app();
    expect((await keyed.signIn('1')).authOk.features).toEqual(['keys']);
    const plain = await app({ keys: false });
    const { authOk } = await plain.signIn('1');
    expect(authOk).not.toHaveProperty('features');
  });
});

describe('pings', () => {
  /** Counts the WebSocket pings a signed-in, talking socket gets over ten minutes of (faked) heartbeat time. */
  async function pingsOverTenMinutes(overrides: Parameters<typeof startApp>[0]): Promise<number> {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { signIn } = await app(overrides);
    const { client } = await signIn('1');
    let pings = 0;
    client.ws.on('ping', () => pings++);
    for (let second = 0; second < 600; second += 15) {
      vi.advanceTimersByTime(15_000);
      // A frame from the client counts as an answer; a WebSocket ping written before this pong arrives first.
      client.send({ type: 'ping' });
      await client.next('pong');
    }
    return pings;
  }

  it('pings every 30 s by default', async () => {
    expect(await pingsOverTenMinutes({})).toBe(20);
  });

  it('sends none with ping: false, and arms no heartbeat timer', async () => {
    expect(await pingsOverTenMinutes({ ping: false })).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops the heartbeat when the server closes', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { ps } = await app();
    expect(vi.getTimerCount()).toBe(1);
    await ps.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});
