/**
 * Checking the expiry with nothing to refresh (no session yet, or a refresh already under way) is
 * a no-op: it must not arm a 0 ms timer that checks again, and again, for ever.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTokenManager } from '../../src/token';
import { jwt, nowSeconds, tick } from './fake-server';
import { useFakeServer } from './harness';

describe('the token manager with no session', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('arms no timer when check() runs', async () => {
    const onRefreshDue = vi.fn();
    const tokens = createTokenManager({ getToken: () => 't', timeout: 10_000, refreshSkew: 60_000, onRefreshDue_: onRefreshDue });
    tokens.check_();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(onRefreshDue).not.toHaveBeenCalled();
  });

  it('arms no timer when check() runs after stop()', async () => {
    const onRefreshDue = vi.fn();
    const tokens = createTokenManager({ getToken: () => 't', timeout: 10_000, refreshSkew: 60_000, onRefreshDue_: onRefreshDue });
    tokens.schedule_({ token: 't', subject_: undefined, exp_: undefined }, Math.floor(Date.now() / 1000) + 300, Date.now());
    tokens.stop_();
    tokens.check_();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('a client whose refresh is under way', () => {
  const { server, start } = useFakeServer();

  it('does not spin while pings check the expiry and getToken is still working on the refresh', async () => {
    let serial = 0;
    let release: (() => void) | undefined;
    const getToken = vi.fn(async ({ reason }: { reason: string }) => {
      if (reason === 'refresh') await new Promise<void>((resolve) => (release = resolve));
      return jwt({ sub: '1', exp: nowSeconds() + 300, name: `t${++serial}` });
    });
    const { client } = start({ getToken, ping: { interval: 1_000, timeout: 10_000 } });
    await tick(10);
    await tick(241_000);
    expect(getToken).toHaveBeenLastCalledWith({ reason: 'refresh' });
    // Five pings, each of which checks the expiry, while the refresh is pending: each arms one
    // liveness timer, and nothing else may keep re-arming itself.
    const timers = vi.spyOn(globalThis, 'setTimeout');
    await tick(5_000);
    expect(timers.mock.calls.length).toBeLessThanOrEqual(10);
    timers.mockRestore();
    release?.();
    await tick(10);
    expect(server.last.frames.some((f) => f.type === 'auth.refresh')).toBe(true);
    expect(client.state).toBe('ready');
  });
});
