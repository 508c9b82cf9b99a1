/**
 * `shareAcrossTabs` and getToken: a follower asks the leader for its token, a refresh asks for a
 * newer one than the follower has, and the real getToken runs under a browser-wide lock whose
 * waits give up after requestTimeout, so that they never pile up behind a slow call.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tick } from './fake-server';
import { framesOf, useTabs } from './tabs-harness';

const tabs = useTabs();
const { server, start } = tabs;
const timeoutDescriptor = Object.getOwnPropertyDescriptor(AbortSignal, 'timeout')!;
afterEach(() => {
  Object.defineProperty(AbortSignal, 'timeout', timeoutDescriptor);
  vi.restoreAllMocks();
});

/**
 * A leader that refreshes 30 s before expiry, and a follower due 60 s before: the follower asks
 * first (at 240 s of a 300 s token) and the leader has a newer token only at 270 s.
 */
async function followerDueFirst(requestTimeout: number) {
  start({ shareAcrossTabs: true, refreshSkew: 30_000 });
  const refreshesSent: number[] = [];
  const follower = start({
    shareAcrossTabs: true,
    requestTimeout,
    debug: (entry) => entry.kind === 'frame' && entry.direction === 'out' && entry.type === 'auth.refresh' && refreshesSent.push(Date.now()),
  });
  const errors: { message: string }[] = [];
  follower.client.on('error', (error) => errors.push(error));
  await tick(50);
  return { follower, refreshesSent, errors, firstExpiry: follower.client.expiresAt! };
}

describe('shareAcrossTabs getToken across tabs', () => {
  it('gives a follower whose refresh is due first a newer token than its own, once the leader has one', async () => {
    const { follower, refreshesSent, errors, firstExpiry } = await followerDueFirst(60_000);
    await tick(250_000); // the follower's refresh is due (240 s); the leader's is not (270 s)
    expect(refreshesSent).toEqual([]); // it waits: the leader's token is the one it has
    await tick(22_000);
    expect(refreshesSent).toHaveLength(1);
    expect(follower.client.expiresAt).toBeGreaterThan(firstExpiry);
    expect(follower.client.state).toBe('ready');
    expect(framesOf(server.last, 'auth.refresh')).toHaveLength(1); // the leader's only
    expect(errors).toEqual([]);
  });

  it('takes the leader answer that comes in the last second before its own getToken timeout', async () => {
    // The follower asks at 240 s and gives up at 270.5 s; the leader's new token comes just after 270 s.
    const { follower, refreshesSent, errors, firstExpiry } = await followerDueFirst(30_500);
    await tick(272_000);
    expect(errors).toEqual([]);
    expect(refreshesSent).toHaveLength(1);
    expect(follower.client.expiresAt).toBeGreaterThan(firstExpiry);
  });

  it('gives up waiting for another tab getToken after requestTimeout, so waits never pile up behind a slow call', async () => {
    // Node's AbortSignal.timeout runs on the real clock: this one runs on the fake one.
    vi.spyOn(AbortSignal, 'timeout').mockImplementation((ms) => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(new DOMException('signal timed out', 'TimeoutError')), ms);
      return controller.signal;
    });
    const { second, release } = await tabs.leaderLeavesInSlowGetToken();
    await tick(40_000); // the second tab's getToken timed out and was tried again, several times
    expect(second.getToken).not.toHaveBeenCalled();
    release();
    await tick(30_000);
    // Only the wait still running when the slow call ended calls getToken, not every earlier one.
    expect(second.getToken).toHaveBeenCalledTimes(1);
    expect(second.client.state).toBe('ready');
  });

  it('signs in where AbortSignal.timeout is missing (Safari before 16): the wait for the lock then has no limit', async () => {
    Object.defineProperty(AbortSignal, 'timeout', { value: undefined, configurable: true, writable: true });
    const [tab] = await tabs.openTabs(1);
    expect(tab!.client.state).toBe('ready');
    expect(tab!.getToken).toHaveBeenCalledTimes(1);
  });
});
