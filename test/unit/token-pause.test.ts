/** pause(): while the client reconnects no refresh fires, and the expiry is still known. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTokenManager } from '../../src/token';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('pausing the token manager', () => {
  it('stops the refresh timer and keeps expiresAt', async () => {
    const onRefreshDue = vi.fn();
    const tokens = createTokenManager({ getToken: () => 't', timeout: 10_000, refreshSkew: 60_000, onRefreshDue_: onRefreshDue });
    tokens.schedule_({ token: 't', subject_: undefined, exp_: undefined }, Math.floor(Date.now() / 1000) + 300, Date.now());
    const expiresAt = tokens.expiresAt_;
    tokens.pause_();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(400_000);
    expect(onRefreshDue).not.toHaveBeenCalled();
    expect(tokens.expiresAt_).toBe(expiresAt);
  });
});
