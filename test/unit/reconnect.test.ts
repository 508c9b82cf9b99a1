import { describe, expect, it } from 'vitest';
import { CloseCode, backoffDelay, decideOnClose, defaults, type Backoff, type CloseDecision } from 'permsocket';

const reconnect: CloseDecision = { action: 'reconnect', rateLimited: false };

describe('decideOnClose follows the close-code table of PROTOCOL.md', () => {
  it.each([
    // 1000 from the server is treated like 1001 (DESIGN.md); a close the client asked for never gets here.
    [1000, 'normal', reconnect],
    [1001, 'going away', reconnect],
    [1006, 'network loss', reconnect],
    [1011, 'server error', reconnect],
    [1012, 'service restart', reconnect],
    [1013, 'try again later', reconnect],
    [4000, "the client's own ping timeout", reconnect],
    [4408, 'no auth within the auth timeout', reconnect],
    [4429, 'rate limit exceeded', { action: 'reconnect', rateLimited: true }],
    [4401, 'token missing, invalid or expired', { action: 'reauthenticate' }],
    [4403, 'authenticated but not allowed here', { action: 'stop', state: 'forbidden' }],
    [1003, 'binary frame', { action: 'stop', state: 'closed' }],
    [1009, 'frame too large', { action: 'stop', state: 'closed' }],
    [4400, 'malformed frame', { action: 'stop', state: 'closed' }],
    [4406, 'subprotocol not offered', { action: 'stop', state: 'closed' }],
  ] as const)('%i (%s) -> %j', (code, _, decision) => {
    expect(decideOnClose(code)).toEqual(decision);
  });

  it.each([1002, 1005, 1007, 1008, 1010, 1014, 1015, 3000, 4001, 4404, 4500, 4999])(
    'an unknown code %i reconnects with backoff rather than giving up',
    (code) => {
      expect(decideOnClose(code)).toEqual(reconnect);
    },
  );

  it('agrees with the CloseCode names', () => {
    expect(decideOnClose(CloseCode.Unauthenticated)).toEqual({ action: 'reauthenticate' });
    expect(decideOnClose(CloseCode.Forbidden)).toEqual({ action: 'stop', state: 'forbidden' });
    expect(decideOnClose(CloseCode.PingTimeout)).toEqual(reconnect);
  });
});

describe('backoffDelay', () => {
  const backoff: Backoff = { minDelay: 500, maxDelay: 30_000, factor: 2, jitter: true };
  const upper = (n: number, b: Backoff = backoff) => Math.min(b.maxDelay, b.minDelay * b.factor ** (n + 1));
  const almostOne = () => 1 - 2 ** -53; // the largest value Math.random can return

  it('uses 1 s, 30 s, factor 2 and jitter by default', () => {
    expect(defaults.retry).toMatchObject({ minDelay: 1_000, maxDelay: 30_000, factor: 2, jitter: true });
  });

  it.each(Array.from({ length: 21 }, (_, n) => n))('waits exactly minDelay on attempt %i when the draw is 0', (n) => {
    expect(backoffDelay(n, backoff, () => 0)).toBe(500);
  });

  it.each([
    [0, 1_000],
    [1, 2_000],
    [2, 4_000],
    [3, 8_000],
    [4, 16_000],
    [5, 30_000],
    [20, 30_000],
  ])('waits up to the upper bound on attempt %i when the draw is just under 1 (%i ms)', (n, bound) => {
    expect(upper(n)).toBe(bound);
    const delay = backoffDelay(n, backoff, almostOne);
    expect(delay).toBeLessThanOrEqual(bound);
    expect(delay).toBeCloseTo(bound, 6);
  });

  it('spreads a draw of 0.5 to the middle of the window', () => {
    expect(backoffDelay(2, backoff, () => 0.5)).toBe(500 + 0.5 * (4_000 - 500));
  });

  it('keeps 1,000 random draws for each attempt from 0 to 20 inside [minDelay, upper bound] and never above maxDelay', () => {
    // A seeded generator (mulberry32): the same draws on every run.
    let seed = 7;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
    };
    for (let n = 0; n <= 20; n++) {
      const delays = Array.from({ length: 1_000 }, () => backoffDelay(n, backoff, random));
      const low = Math.min(...delays);
      const high = Math.max(...delays);
      expect(low).toBeGreaterThanOrEqual(500);
      expect(high).toBeLessThanOrEqual(upper(n));
      expect(high).toBeLessThanOrEqual(30_000);
      // Full jitter really spreads the clients: the draws cover most of the window.
      expect(high - low).toBeGreaterThan((upper(n) - 500) * 0.9);
    }
    // And with Math.random itself.
    for (let n = 0; n <= 20; n++) {
      const delays = Array.from({ length: 1_000 }, () => backoffDelay(n, backoff));
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(500);
      expect(Math.max(...delays)).toBeLessThanOrEqual(Math.min(upper(n), 30_000));
    }
  });

  it('honours another factor and window', () => {
    const slow: Backoff = { minDelay: 100, maxDelay: 5_000, factor: 3, jitter: true };
    for (let n = 0; n <= 20; n++) {
      expect(backoffDelay(n, slow, () => 0)).toBe(100);
      expect(backoffDelay(n, slow, almostOne)).toBeCloseTo(upper(n, slow), 6);
      expect(backoffDelay(n, slow, almostOne)).toBeLessThanOrEqual(5_000);
    }
    expect(upper(0, slow)).toBe(300);
    expect(upper(2, slow)).toBe(2_700);
    expect(upper(3, slow)).toBe(5_000);
  });

  it.each(Array.from({ length: 21 }, (_, n) => n))('without jitter waits exactly the upper bound on attempt %i', (n) => {
    const fixed = { ...backoff, jitter: false };
    expect(backoffDelay(n, fixed, () => 0)).toBe(upper(n));
    expect(backoffDelay(n, fixed, () => 0.3)).toBe(upper(n));
  });

  it('stays at maxDelay for an attempt count so large that the factor overflows', () => {
    expect(backoffDelay(5_000, { ...backoff, jitter: false })).toBe(30_000);
    expect(backoffDelay(5_000, backoff, almostOne)).toBeLessThanOrEqual(30_000);
    expect(backoffDelay(5_000, backoff, () => 0)).toBe(500);
  });

  it('never waits less than minDelay even when maxDelay is set below it', () => {
    const odd: Backoff = { minDelay: 2_000, maxDelay: 1_000, factor: 2, jitter: true };
    expect(backoffDelay(0, odd, () => 0)).toBe(2_000);
    expect(backoffDelay(0, odd, almostOne)).toBe(2_000);
    expect(backoffDelay(3, { ...odd, jitter: false })).toBe(2_000);
  });
});
