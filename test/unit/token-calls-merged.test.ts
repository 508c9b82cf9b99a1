/**
 * getToken calls are merged while one runs, and a call that settles late never unhooks the newer
 * call that replaced it: later fetches keep sharing the call that is really running.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTokenManager } from '../../src/token';
import type { TokenReason } from 'permsocket';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => (resolve = res));
  return { promise, resolve };
}

function managerWith(getToken: (context: { reason: TokenReason }) => Promise<string>) {
  return createTokenManager({ getToken, timeout: 10_000, refreshSkew: 60_000, onRefreshDue_: () => {} });
}

describe('merging getToken calls', () => {
  it('shares one call between two fetches after a rejection', async () => {
    const pending = deferred<string>();
    const getToken = vi.fn(() => pending.promise);
    const tokens = managerWith(getToken);
    const first = tokens.fetch_('rejected');
    const second = tokens.fetch_('rejected');
    await vi.advanceTimersByTimeAsync(0);
    expect(getToken).toHaveBeenCalledTimes(1);
    pending.resolve('fresh');
    expect(await second).toBe(await first);
  });

  it('keeps sharing the newer call when the call it replaced settles first', async () => {
    const refresh = deferred<string>();
    const rejected = deferred<string>();
    const getToken = vi.fn(({ reason }: { reason: TokenReason }) => (reason === 'refresh' ? refresh.promise : rejected.promise));
    const tokens = managerWith(getToken);
    void tokens.fetch_('refresh');
    const forced = tokens.fetch_('rejected');
    await vi.advanceTimersByTimeAsync(0);
    expect(getToken).toHaveBeenCalledTimes(2);
    // The old refresh answers while the forced call is still running.
    refresh.resolve('old');
    await vi.advanceTimersByTimeAsync(0);
    const joined = tokens.fetch_('connect');
    await vi.advanceTimersByTimeAsync(0);
    expect(getToken).toHaveBeenCalledTimes(2);
    rejected.resolve('fresh');
    expect((await joined).token).toBe('fresh');
    expect(await joined).toBe(await forced);
  });
});

describe('a getToken that returns no token', () => {
  it.each([
    ['an empty string', '', 'string'],
    ['a number', 42, 'number'],
    ['undefined', undefined, 'undefined'],
  ])('rejects %s with bad_token and says what came', async (_, value, kind) => {
    const tokens = managerWith(async () => value as string);
    const error = await tokens.fetch_('connect').catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'PermsocketError', code: 'bad_token' });
    expect((error as Error).message).toBe(`getToken must return a non-empty string, got ${kind}`);
  });
});
