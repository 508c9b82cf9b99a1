/**
 * Shared setup for the `shareAcrossTabs` tests: the fake server and client factory of harness.ts,
 * one origin's Web Locks and BroadcastChannel (tabs-fakes.ts) installed in every test, and the
 * tabs module loaded before the fake clock starts (it loads on first use, and fake timers cannot
 * wait for a file to be read).
 */
import { afterEach, beforeAll, beforeEach } from 'vitest';
import { jwt, nowSeconds, tick } from './fake-server';
import { useFakeServer } from './harness';
import { installTabs } from './tabs-fakes';

/** The Web Lock (and channel) name of a client shared with `shareAcrossTabs: true`. */
export const LOCK = 'permsocket:tabs:1:default';

/** Frames of one type a connection received, parsed. */
export const framesOf = <T = { type: string }>(connection: { frames: { type: string }[] }, type: string) =>
  connection.frames.filter((frame) => frame.type === type) as unknown as T[];

/** Starts the fake server and the tab fakes for this test file. */
export function useTabs() {
  const { server, start } = useFakeServer();
  let installed: ReturnType<typeof installTabs>;
  beforeAll(() => import('../../src/tabs/share'));
  beforeEach(() => (installed = installTabs()));
  afterEach(() => installed.uninstall());

  /** `count` tabs of one origin with the same options, started in order (the first leads), settled. */
  async function openTabs(count: number, overrides: Parameters<typeof start>[0] = {}) {
    const opened = Array.from({ length: count }, () => start({ shareAcrossTabs: true, ...overrides }));
    await tick(50);
    return opened;
  }

  /**
   * Two tabs; after a server restart the first (leading) tab's reconnect is inside a getToken call
   * that only ends on `release()`, and then it closes its client: the second leads, and its own
   * getToken has to wait for that call (under the browser-wide token lock).
   */
  async function leaderLeavesInSlowGetToken() {
    let release: (() => void) | undefined;
    let slow = false;
    const first = start({
      shareAcrossTabs: true,
      getToken: async () => {
        if (slow) await new Promise<void>((resolve) => (release = resolve));
        return jwt({ sub: '1', exp: nowSeconds() + 300 });
      },
    });
    const second = start({ shareAcrossTabs: true });
    await tick(50);
    slow = true;
    server.last.close(1012, 'restart');
    await tick(2_100); // the leader's reconnect is inside its (slow) getToken now
    if (!release) throw new Error('the leading tab is not inside getToken');
    first.client.close(); // it hands the lead on while its call still runs
    return { second, release: () => release!() };
  }

  return {
    server,
    leaderLeavesInSlowGetToken,
    start,
    openTabs,
    /** This test's Web Locks. */
    get locks() {
      return installed.locks;
    },
    /** Every channel a tab opened in this test, in order. */
    get channels() {
      return installed.channels;
    },
    /** Removes the fakes before the test ends (a browser without Web Locks); idempotent. */
    uninstall: () => installed.uninstall(),
  };
}
