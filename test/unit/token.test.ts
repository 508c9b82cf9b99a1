import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PermsocketError, TimeoutError, isPermsocketError, type TokenReason } from 'permsocket';
import { createTokenManager, isNewerToken, readToken, type TokenInfo } from '../../src/token';

/** An unsigned JWT: the client only reads `sub` and `exp`, it never verifies. */
function jwt(claims: Record<string, unknown>): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}.signature`;
}

// 2026-01-01T00:00:00Z, a whole second.
const T0 = Date.UTC(2026, 0, 1);

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

/** A deferred result for a getToken call, settled by the test. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function manager(getToken: (context: { reason: TokenReason }) => string | Promise<string>, overrides: { timeout?: number; refreshSkew?: number } = {}) {
  const onRefreshDue = vi.fn();
  const tokens = createTokenManager({ getToken, timeout: 10_000, refreshSkew: 60_000, onRefreshDue_: onRefreshDue, ...overrides });
  return { tokens, onRefreshDue };
}

describe('readToken', () => {
  it('reads the subject and the expiry of a JWT', () => {
    const token = jwt({ sub: '42', exp: 1_800_000_000, name: 'alice', aud: 'permsocket' });
    expect(readToken(token)).toEqual({ token, subject_: '42', exp_: 1_800_000_000 });
  });

  it('treats an opaque token as having neither subject nor expiry', () => {
    expect(readToken('opaque-session-token')).toEqual({ token: 'opaque-session-token', subject_: undefined, exp_: undefined });
    expect(readToken('a.b.c')).toEqual({ token: 'a.b.c', subject_: undefined, exp_: undefined });
  });

  it('ignores claims of the wrong type rather than trusting them', () => {
    const token = jwt({ sub: 42, exp: '1800000000' });
    expect(readToken(token)).toEqual({ token, subject_: undefined, exp_: undefined });
  });

  it('reads a JWT without exp as having no expiry', () => {
    const token = jwt({ sub: '7' });
    expect(readToken(token)).toEqual({ token, subject_: '7', exp_: undefined });
  });
});

describe('isNewerToken', () => {
  const info = (sub: string, exp: number) => readToken(jwt({ sub, exp }));
  const current = info('1', 1_000);

  it('takes a token of the same subject with a later expiry', () => {
    expect(isNewerToken(current, info('1', 1_300))).toBe(true);
  });

  it('refuses the very same token', () => {
    expect(isNewerToken(current, readToken(current.token))).toBe(false);
  });

  it('refuses a token of the same subject that expires earlier or at the same time', () => {
    expect(isNewerToken(current, info('1', 999))).toBe(false);
    expect(isNewerToken(current, readToken(jwt({ sub: '1', exp: 1_000, jti: 'other' })))).toBe(false);
  });

  it('refuses a token of another subject, however late it expires', () => {
    expect(isNewerToken(current, info('2', 9_999))).toBe(false);
  });

  it('refuses to swap a JWT for an opaque token or the other way round', () => {
    expect(isNewerToken(current, readToken('opaque'))).toBe(false);
    expect(isNewerToken(readToken('opaque'), current)).toBe(false);
  });

  it('takes any other opaque token, having nothing to compare', () => {
    expect(isNewerToken(readToken('opaque-1'), readToken('opaque-2'))).toBe(true);
    expect(isNewerToken(readToken('opaque-1'), readToken('opaque-1'))).toBe(false);
  });
});

describe('createTokenManager: fetching', () => {
  it('shares one getToken call between 50 concurrent fetches, and all get the same token', async () => {
    const pending = deferred<string>();
    const getToken = vi.fn(() => pending.promise);
    const { tokens } = manager(getToken);

    const fetches = Array.from({ length: 50 }, () => tokens.fetch_('connect'));
    await vi.advanceTimersByTimeAsync(0);
    expect(getToken).toHaveBeenCalledTimes(1);
    expect(getToken).toHaveBeenCalledWith({ reason: 'connect' });

    const token = jwt({ sub: '1', exp: T0 / 1000 + 300 });
    pending.resolve(token);
    const results = await Promise.all(fetches);
    expect(new Set(results).size).toBe(1);
    expect(results[0]).toEqual({ token, subject_: '1', exp_: T0 / 1000 + 300 });
    expect(getToken).toHaveBeenCalledTimes(1);
  });

  it('calls getToken again for the next fetch once the shared one has settled', async () => {
    let n = 0;
    const getToken = vi.fn(async () => `token-${++n}`);
    const { tokens } = manager(getToken);

    const [a, b] = await Promise.all([tokens.fetch_('connect'), tokens.fetch_('connect')]);
    expect(a.token).toBe('token-1');
    expect(b).toBe(a);
    const c = await tokens.fetch_('refresh');
    expect(c.token).toBe('token-2');
    expect(getToken).toHaveBeenCalledTimes(2);
    expect(getToken).toHaveBeenLastCalledWith({ reason: 'refresh' });
  });

  it('shares a failure too, then tries afresh', async () => {
    const failure = new Error('network down');
    const getToken = vi.fn().mockRejectedValueOnce(failure).mockResolvedValueOnce('second');
    const { tokens } = manager(getToken);

    const settled = await Promise.allSettled(Array.from({ length: 50 }, () => tokens.fetch_('connect')));
    expect(settled.every((s) => s.status === 'rejected' && s.reason === failure)).toBe(true);
    expect(getToken).toHaveBeenCalledTimes(1);
    await expect(tokens.fetch_('connect')).resolves.toMatchObject({ token: 'second' });
    expect(getToken).toHaveBeenCalledTimes(2);
  });

  it('turns a getToken that throws synchronously into a rejected fetch', async () => {
    const { tokens } = manager(() => {
      throw new Error('boom');
    });
    await expect(tokens.fetch_('connect')).rejects.toThrow('boom');
  });

  it.each([
    ['an empty string', ''],
    ['undefined', undefined],
    ['a number', 42],
  ])('refuses a getToken that returns %s', async (_, value) => {
    const { tokens } = manager(() => value as unknown as string);
    const error = await tokens.fetch_('connect').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermsocketError);
    expect(error).toMatchObject({ code: 'bad_token' });
  });

  it('rejects with TimeoutError when getToken is slower than the timeout, and not a moment before', async () => {
    const getToken = vi.fn(() => new Promise<string>(() => {}));
    const { tokens } = manager(getToken, { timeout: 10_000 });
    let outcome: unknown = 'pending';
    tokens.fetch_('connect').then(
      (value) => (outcome = value),
      (error: unknown) => (outcome = error),
    );

    await vi.advanceTimersByTimeAsync(9_999);
    expect(outcome).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(outcome).toBeInstanceOf(TimeoutError);
    expect(isPermsocketError(outcome, 'TimeoutError')).toBe(true);
    expect(outcome).toMatchObject({ code: 'timeout', message: 'getToken did not return within 10000 ms' });
  });

  it('drops a result that arrives after its timeout: the next fetch makes a new call and gets its own result', async () => {
    const late = deferred<string>();
    const second = deferred<string>();
    const getToken = vi.fn().mockReturnValueOnce(late.promise).mockReturnValueOnce(second.promise);
    const { tokens } = manager(getToken, { timeout: 10_000 });

    const first = tokens.fetch_('connect');
    const firstFailed = expect(first).rejects.toBeInstanceOf(TimeoutError);
    await vi.advanceTimersByTimeAsync(10_000);
    await firstFailed;

    const next = tokens.fetch_('connect');
    await vi.advanceTimersByTimeAsync(0);
    expect(getToken).toHaveBeenCalledTimes(2);

    // The first call answers late, while the second is still in flight: it must not be taken.
    late.resolve('late-token');
    await vi.advanceTimersByTimeAsync(1_000);
    second.resolve('second-token');
    await expect(next).resolves.toMatchObject({ token: 'second-token' });
    await expect(first).rejects.toBeInstanceOf(TimeoutError);
  });

  it('leaves no timer behind once getToken has answered', async () => {
    const { tokens } = manager(async () => 'token');
    await tokens.fetch_('connect');
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('createTokenManager: stopping', () => {
  it('forgets a getToken call still running: no timer is left, and the next fetch asks getToken again', async () => {
    const first = deferred<string>();
    const getToken = vi.fn().mockReturnValueOnce(first.promise).mockResolvedValue(jwt({ sub: '1', exp: T0 / 1000 + 300 }));
    const { tokens } = manager(getToken);
    void tokens.fetch_('connect');
    await vi.advanceTimersByTimeAsync(0);
    tokens.stop_();
    expect(vi.getTimerCount()).toBe(0);
    await expect(tokens.fetch_('connect')).resolves.toMatchObject({ subject_: '1' });
    expect(getToken).toHaveBeenCalledTimes(2);
  });
});

describe('createTokenManager: the refresh-ahead timer', () => {
  const nowS = T0 / 1000;
  const session = (lifetime: number, sub = '1'): TokenInfo => readToken(jwt({ sub, exp: nowS + lifetime }));

  it('fires refreshSkew (60 s) before expiry for a 300 s token: at 240 s, not before', async () => {
    const { tokens, onRefreshDue } = manager(async () => 't');
    tokens.schedule_(session(300), nowS + 300, T0);
    expect(tokens.expiresAt_).toBe(T0 + 300_000);

    await vi.advanceTimersByTimeAsync(239_999);
    expect(onRefreshDue).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(onRefreshDue).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(onRefreshDue).toHaveBeenCalledTimes(1);
  });

  it('fires at half the lifetime for a token shorter than twice the skew: a 20 s token at 10 s', async () => {
    const { tokens, onRefreshDue } = manager(async () => 't');
    tokens.schedule_(session(20), nowS + 20, T0);

    await vi.advanceTimersByTimeAsync(9_999);
    expect(onRefreshDue).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(onRefreshDue).toHaveBeenCalledTimes(1);
  });

  it('fires at exp - refreshSkew for a one-hour token', async () => {
    const { tokens, onRefreshDue } = manager(async () => 't');
    tokens.schedule_(session(3_600), nowS + 3_600, T0);
    await vi.advanceTimersByTimeAsync(3_540_000 - 1);
    expect(onRefreshDue).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(onRefreshDue).toHaveBeenCalledTimes(1);
  });

  it('honours a custom refreshSkew', async () => {
    const { tokens, onRefreshDue } = manager(async () => 't', { refreshSkew: 5_000 });
    tokens.schedule_(session(300), nowS + 300, T0);
    await vi.advanceTimersByTimeAsync(294_999);
    expect(onRefreshDue).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(onRefreshDue).toHaveBeenCalledTimes(1);
  });

  it('uses the expiry from auth.ok for an opaque token', async () => {
    const { tokens, onRefreshDue } = manager(async () => 't');
    tokens.schedule_(readToken('opaque'), nowS + 300, T0);
    expect(tokens.expiresAt_).toBe(T0 + 300_000);
    await vi.advanceTimersByTimeAsync(239_999);
    expect(onRefreshDue).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(onRefreshDue).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['an hour ahead', 3_600_000],
    ['an hour behind', -3_600_000],
    ['a day ahead', 86_400_000],
  ])('measures the lifetime on the server clock: a client clock %s refreshes at the same moment', async (_, offset) => {
    // The server's clock says T0 and the token expires 300 s later; the client's clock is off.
    vi.setSystemTime(T0 + offset);
    const { tokens, onRefreshDue } = manager(async () => 't');
    tokens.schedule_(session(300), nowS + 300, T0);
    expect(tokens.expiresAt_).toBe(T0 + offset + 300_000);

    await vi.advanceTimersByTimeAsync(239_999);
    expect(onRefreshDue).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(onRefreshDue).toHaveBeenCalledTimes(1);
  });

  it('fires at once when the clock jumped past the refresh time and check() runs (a laptop woke up)', () => {
    const { tokens, onRefreshDue } = manager(async () => 't');
    tokens.schedule_(session(300), nowS + 300, T0);

    vi.setSystemTime(T0 + 100_000);
    tokens.check_();
    expect(onRefreshDue).not.toHaveBeenCalled();

    vi.setSystemTime(T0 + 250_000);
    tokens.check_();
    expect(onRefreshDue).toHaveBeenCalledTimes(1);
    tokens.check_();
    expect(onRefreshDue).toHaveBeenCalledTimes(1);
  });

  it('still fires on time after an early check()', async () => {
    const { tokens, onRefreshDue } = manager(async () => 't');
    tokens.schedule_(session(300), nowS + 300, T0);
    await vi.advanceTimersByTimeAsync(100_000);
    tokens.check_();
    await vi.advanceTimersByTimeAsync(139_999);
    expect(onRefreshDue).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(onRefreshDue).toHaveBeenCalledTimes(1);
  });

  it('keeps one timer: a new schedule replaces the last one', async () => {
    const { tokens, onRefreshDue } = manager(async () => 't');
    tokens.schedule_(session(20), nowS + 20, T0);
    await vi.advanceTimersByTimeAsync(5_000);
    tokens.schedule_(session(300), nowS + 300, T0 + 5_000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(onRefreshDue).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(230_000);
    expect(onRefreshDue).toHaveBeenCalledTimes(1);
  });

  it('copes with a token that lives longer than setTimeout can wait (30 days)', async () => {
    const { tokens, onRefreshDue } = manager(async () => 't');
    const days30 = 30 * 86_400;
    tokens.schedule_(session(days30), nowS + days30, T0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(onRefreshDue).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(days30 * 1_000 - 60_000 - 1_001);
    expect(onRefreshDue).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(onRefreshDue).toHaveBeenCalledTimes(1);
  });

  it('stops: no refresh and no expiry after stop()', async () => {
    const { tokens, onRefreshDue } = manager(async () => 't');
    tokens.schedule_(session(300), nowS + 300, T0);
    tokens.stop_();
    expect(tokens.expiresAt_).toBeNull();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(onRefreshDue).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('createTokenManager: retrying a failed refresh', () => {
  const nowS = T0 / 1000;

  async function dueAt240s() {
    const m = manager(async () => 't');
    m.tokens.schedule_(readToken(jwt({ sub: '1', exp: nowS + 300 })), nowS + 300, T0);
    await vi.advanceTimersByTimeAsync(240_000);
    expect(m.onRefreshDue).toHaveBeenCalledTimes(1);
    return m;
  }

  it('tries again after the given delay', async () => {
    const { tokens, onRefreshDue } = await dueAt240s();
    tokens.retryIn_(5_000);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(onRefreshDue).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(onRefreshDue).toHaveBeenCalledTimes(2);
  });

  it('never schedules a retry past the expiry', async () => {
    const { tokens, onRefreshDue } = await dueAt240s();
    tokens.retryIn_(120_000);
    // The token expires at 300 s: the retry comes then at the latest, not at 360 s.
    await vi.advanceTimersByTimeAsync(59_999);
    expect(onRefreshDue).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(onRefreshDue).toHaveBeenCalledTimes(2);
  });

  it('never spins after the expiry: a retry asked for then schedules nothing', async () => {
    const { tokens, onRefreshDue } = await dueAt240s();
    await vi.advanceTimersByTimeAsync(60_000);
    for (const delay of [0, 1, 1_000, 120_000]) tokens.retryIn_(delay);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(onRefreshDue).toHaveBeenCalledTimes(1);
  });

  it('does nothing without a session', async () => {
    const { tokens, onRefreshDue } = manager(async () => 't');
    tokens.retryIn_(1_000);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(onRefreshDue).not.toHaveBeenCalled();
  });
});

describe('createTokenManager: a rejected token', () => {
  it('forces a new getToken call with reason rejected even while a refresh is running', async () => {
    const refresh = deferred<string>();
    const getToken = vi.fn(({ reason }: { reason: TokenReason }) => (reason === 'refresh' ? refresh.promise : 'fresh-after-rejection'));
    const { tokens } = manager(getToken);
    const running = tokens.fetch_('refresh');
    const forced = await tokens.fetch_('rejected');
    expect(forced.token).toBe('fresh-after-rejection');
    expect(getToken.mock.calls.map(([context]) => context.reason)).toEqual(['refresh', 'rejected']);
    refresh.resolve('late-refresh');
    await expect(running).resolves.toMatchObject({ token: 'late-refresh' });
  });

  it('refreshes by the earlier of the token exp and the server exp', () => {
    const { tokens, onRefreshDue } = manager(() => 'unused', { refreshSkew: 10_000 });
    tokens.schedule_(readToken(jwt({ sub: '1', exp: T0 / 1000 + 3_600 })), T0 / 1000 + 100, T0);
    expect(tokens.expiresAt_).toBe(T0 + 100_000);
    vi.advanceTimersByTime(89_999);
    expect(onRefreshDue).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onRefreshDue).toHaveBeenCalledTimes(1);
  });
});

describe('isNewerToken without an expiry', () => {
  it('does not replace a token that has an exp with one that has none', () => {
    expect(isNewerToken(readToken(jwt({ sub: '1', exp: 1_000 })), readToken(jwt({ sub: '1' })))).toBe(false);
  });
});
