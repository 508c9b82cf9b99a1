/**
 * `shareAcrossTabs` where the browser cannot share: no navigator, no BroadcastChannel, or a Web
 * Lock that cannot be taken. Each tab then opens its own socket and calls its own getToken, like a
 * client without the option, and `debug` says why.
 */
import { describe, expect, it, vi } from 'vitest';
import type { DebugEntry } from 'permsocket';
import { tick } from './fake-server';
import { useTabs } from './tabs-harness';

const tabs = useTabs();
const { server, start } = tabs;

/** A tab with `debug` on, and the `alone` entries it logged. */
function tabWithDebug() {
  const entries: DebugEntry[] = [];
  const tab = start({ shareAcrossTabs: true, debug: (entry) => entries.push(entry) });
  const alone = () => entries.filter((entry) => entry.kind === 'tabs' && entry.role === 'alone');
  return { ...tab, alone };
}

/** Two tabs started together: each ready on a socket of its own, after one call to its own getToken. */
async function twoTabsAlone() {
  const pair = [tabWithDebug(), tabWithDebug()];
  await tick(50);
  expect(server.connections).toHaveLength(2);
  for (const tab of pair) {
    expect(tab.client.state).toBe('ready');
    expect(tab.getToken).toHaveBeenCalledTimes(1);
  }
  return pair;
}

/** Web Locks that refuse every request, a task later as a browser answers (a document that is not fully active). */
const refuseLocks = () =>
  vi.spyOn(tabs.locks, 'request').mockImplementation(
    () => new Promise((_, reject) => setTimeout(() => reject(new DOMException('the document is not fully active', 'InvalidStateError')), 0)),
  );

describe('shareAcrossTabs where tabs cannot share', () => {
  it('opens a socket per tab where there is no navigator at all (Node before 21)', async () => {
    Object.defineProperty(globalThis, 'navigator', { value: undefined, configurable: true, writable: true });
    for (const tab of await twoTabsAlone()) {
      expect(tab.alone()).toEqual([{ kind: 'tabs', role: 'alone', reason: expect.stringContaining('Web Locks or BroadcastChannel are missing') }]);
    }
  });

  it('opens a socket per tab where BroadcastChannel is missing, even with Web Locks', async () => {
    (globalThis as { BroadcastChannel?: unknown }).BroadcastChannel = undefined;
    const pair = await twoTabsAlone();
    expect(tabs.locks.grants).toEqual([]);
    for (const tab of pair) expect(tab.alone()).toHaveLength(1);
  });

  it('opens its own socket when the Web Lock cannot be taken, and says so through debug', async () => {
    refuseLocks();
    for (const tab of await twoTabsAlone()) {
      // The first getToken call was already waiting for the election: it is the tab's own.
      expect(tab.getToken).toHaveBeenCalledWith({ reason: 'connect' });
      expect(tab.alone()).toEqual([{ kind: 'tabs', role: 'alone', reason: 'the Web Lock could not be taken: this tab opens its own socket' }]);
    }
  });

  it('stays on its own socket after close() and connect(): it does not ask for the Web Lock again', async () => {
    const request = refuseLocks();
    const tab = tabWithDebug();
    await tick(50);
    tab.client.close();
    tab.client.connect();
    await tick(50);
    expect(tab.client.state).toBe('ready');
    expect(server.connections).toHaveLength(2);
    expect(request).toHaveBeenCalledTimes(1);
    expect(tab.alone()).toHaveLength(1);
  });
});
