/**
 * `shareAcrossTabs` when the lead changes hands: a leading tab that hangs, crashes or closes its
 * client. What each other tab sees: how its virtual socket closes, who answers the getToken
 * question it was waiting on, and that a tab leaving the line (or closed before its turn) never
 * holds the lock up.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tick } from './fake-server';
import { LOCK, useTabs } from './tabs-harness';

const tabs = useTabs();
const { server, start } = tabs;
afterEach(() => vi.unstubAllGlobals());

/** The leading tab hangs: it keeps the lock, and hears and says nothing on the channel. */
const hang = (tab: number) => (tabs.channels[tab]!.silent = true);
/** The hung leading tab is killed: its lock is released without its code running. */
function kill(leader: { client: { close(): void } }) {
  tabs.locks.crash(LOCK);
  leader.client.close(); // what is left of it; its channel says nothing any more
}

describe('shareAcrossTabs when the lead changes hands', () => {
  it('answers the getToken question a hung leader left unanswered with the tab own getToken once it leads', async () => {
    const [leader] = await tabs.openTabs(1);
    hang(0);
    const late = start({ shareAcrossTabs: true });
    await tick(1_000);
    expect(late.client.state).toBe('connecting');
    kill(leader!);
    await tick(100);
    expect(late.client.state).toBe('ready');
    expect(late.getToken).toHaveBeenCalledTimes(1);
    expect(late.getToken).toHaveBeenCalledWith({ reason: 'connect' });
    expect(server.connections).toHaveLength(2);
  });

  it('asks the new leader again: a tab still waiting for a token signs in through the tab that took over', async () => {
    const [leader, next] = await tabs.openTabs(2);
    hang(0);
    const late = start({ shareAcrossTabs: true });
    const errors: unknown[] = [];
    late.client.on('error', (error) => errors.push(error));
    await tick(1_000);
    kill(leader!);
    await tick(4_200); // the new leader reconnects on its own socket after 1-2 s
    expect(next!.client.state).toBe('ready');
    // Well before its getToken would have timed out (10 s): the new leader answered it.
    expect(late.client.state).toBe('ready');
    expect(late.getToken).not.toHaveBeenCalled();
    expect(errors).toEqual([]);
    expect(server.connections).toHaveLength(2);
  });

  it('forgets a question its client gave up on: the tab that takes the lead calls getToken once', async () => {
    const [leader] = await tabs.openTabs(1);
    hang(0);
    const late = start({ shareAcrossTabs: true });
    const errors: { message: string }[] = [];
    late.client.on('error', (error) => errors.push(error));
    await tick(12_500); // its getToken timed out after 10 s, and it asked again 1-2 s later
    expect(errors.map((error) => error.message)).toEqual(['getToken did not return within 10000 ms']);
    kill(leader!);
    await tick(100);
    expect(late.client.state).toBe('ready');
    expect(late.getToken).toHaveBeenCalledTimes(1);
  });

  it('closes the next tab socket with 1006 "this tab leads now" and the others with 1001 when the leader closes its client', async () => {
    const [leader, next, third] = await tabs.openTabs(3);
    const closes = [next!, third!].map((tab) => {
      const seen: { code: number; reason: string }[] = [];
      tab.client.on('close', (info) => seen.push(info));
      return seen;
    });
    leader!.client.close();
    await tick(4_200);
    expect(closes[0]).toEqual([{ code: 1006, reason: 'this tab leads now' }]);
    expect(closes[1]).toEqual([{ code: 1001, reason: 'the leading tab closed its client' }]);
    for (const tab of [next!, third!]) expect(tab.client.state).toBe('ready');
  });

  it('hands the lock on at once from a tab closed while the lock was on its way: it never leads', async () => {
    const resume = tabs.locks.pause();
    const first = start({ shareAcrossTabs: true });
    await tick(10); // the first tab holds the lock; its callback has not run yet
    const second = start({ shareAcrossTabs: true });
    await tick(10); // the second waits in line
    first.client.close();
    resume();
    await tick(100);
    expect(tabs.channels[0]!.posted).not.toContainEqual(expect.objectContaining({ t: 'leader' }));
    expect(second.client.state).toBe('ready');
    expect(second.getToken).toHaveBeenCalledTimes(1);
    expect(server.connections).toHaveLength(1);
  });

  it('takes a follower that closes out of the line for the lock, and puts it back when it connects', async () => {
    const [, , third] = await tabs.openTabs(3);
    expect(tabs.locks.waiting(LOCK)).toBe(2);
    third!.client.close();
    await tick(0);
    expect(tabs.locks.waiting(LOCK)).toBe(1);
    third!.client.connect();
    await tick(50);
    expect(third!.client.state).toBe('ready');
    expect(tabs.locks.waiting(LOCK)).toBe(2);
  });

  it('closes a follower quietly: nothing is reported as an error', async () => {
    const reportError = vi.fn();
    vi.stubGlobal('reportError', reportError);
    const [leader, follower] = await tabs.openTabs(2);
    follower!.client.close();
    await tick(100);
    expect(follower!.client.state).toBe('closed');
    expect(leader!.client.state).toBe('ready');
    expect(reportError).not.toHaveBeenCalled();
  });
});
