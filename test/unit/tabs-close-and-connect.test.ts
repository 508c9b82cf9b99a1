/**
 * `shareAcrossTabs` and a client's own `close()`, `connect()` and `autoConnect: false`: a tab that
 * is not connected takes no part in the election, joins it when it connects, and a closed tab
 * stays closed whatever the other tabs do.
 */
import { describe, expect, it } from 'vitest';
import { AuthError } from 'permsocket';
import { jwt, nowSeconds, tick } from './fake-server';
import { LOCK, useTabs } from './tabs-harness';

const tabs = useTabs();
const { server, start } = tabs;

describe('shareAcrossTabs with close() and connect()', () => {
  it('does not let a tab created with autoConnect: false lead: it follows the tab that connected once it connects', async () => {
    const idle = start({ shareAcrossTabs: true, autoConnect: false });
    const active = start({ shareAcrossTabs: true });
    await tick(50);
    expect(active.client.state).toBe('ready');
    expect(active.getToken).toHaveBeenCalledTimes(1);
    expect(idle.client.state).toBe('closed');

    idle.client.connect();
    await tick(50);
    expect(idle.client.state).toBe('ready');
    expect(idle.getToken).not.toHaveBeenCalled();
    expect(server.connections).toHaveLength(1);
    expect(tabs.locks.grants).toEqual([LOCK, `${LOCK}:token`]);
  });

  it('lets a tab that connected later take over when the leader closes', async () => {
    const late = start({ shareAcrossTabs: true, autoConnect: false });
    const leader = start({ shareAcrossTabs: true });
    await tick(50);
    late.client.connect();
    await tick(50);
    leader.client.close();
    await tick(4_200);
    expect(late.client.state).toBe('ready');
    expect(late.getToken).toHaveBeenCalledTimes(1);
    expect(server.connections).toHaveLength(2);
  });

  it('stands for the lead again when a closed tab connects: alone, it leads and opens its socket', async () => {
    const [tab] = await tabs.openTabs(1);
    tab!.client.close();
    tab!.client.connect();
    await tick(50);
    expect(tab!.client.state).toBe('ready');
    expect(tab!.getToken).toHaveBeenCalledTimes(2);
    expect(server.connections).toHaveLength(2);
  });

  it('keeps a closed tab closed when the leader signs in again after the session ended', async () => {
    let signedIn = true;
    const getToken = async () => {
      if (!signedIn) throw new AuthError('your session ended');
      return jwt({ sub: '1', exp: nowSeconds() + 120 });
    };
    const [leader, closed, other] = await tabs.openTabs(3, { getToken });
    signedIn = false;
    await tick(61_000); // the refresh finds the user signed out, in every tab
    await tick(100);
    for (const tab of [leader!, closed!, other!]) expect(tab.client.state).toBe('unauthenticated');
    closed!.client.close();
    const statesBefore = [...closed!.states];

    signedIn = true;
    other!.client.connect(); // signed in again: the leader comes back, and tells the others
    await tick(100);
    expect(leader!.client.state).toBe('ready');
    expect(other!.client.state).toBe('ready');
    expect(closed!.client.state).toBe('closed');
    expect(closed!.states).toEqual(statesBefore);
  });
});
