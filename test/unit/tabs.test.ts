/**
 * `shareAcrossTabs`: several clients of one origin (tabs) behind one socket, with Web Locks and
 * BroadcastChannel faked in memory (tabs-fakes.ts) and msw playing the server.
 */
import { describe, expect, it } from 'vitest';
import { AuthError, ConnectionLostError, PermissionDeniedError, type DebugEntry } from 'permsocket';
import { authOk, grantsOf, jwt, nowSeconds, tick } from './fake-server';
import { LOCK, framesOf, useTabs } from './tabs-harness';

const tabs = useTabs();
const { server, start } = tabs;
const requestsOn = (connection: { frames: { type: string }[] }) => framesOf<{ id: string; action: string }>(connection, 'req');
/** Three tabs of one origin, the first one leading. */
const threeTabs = (overrides: Parameters<typeof start>[0] = {}) => tabs.openTabs(3, overrides);

describe('shareAcrossTabs', () => {
  it('opens one socket for three tabs: getToken runs in the leader only, and every tab is ready as the same user', async () => {
    const [leader, ...followers] = await threeTabs();
    expect(server.connections).toHaveLength(1);
    expect(leader!.getToken).toHaveBeenCalledTimes(1);
    for (const tab of followers) expect(tab.getToken).not.toHaveBeenCalled();
    expect(tabs.locks.grants).toEqual([LOCK, `${LOCK}:token`]);
    for (const tab of [leader!, ...followers]) {
      expect(tab.client.state).toBe('ready');
      expect(tab.client.user).toEqual({ id: '1', name: 'alice' });
      expect(tab.states).toEqual(['connecting', 'authenticating', 'ready']);
    }
    // One auth went to the server: the followers' were answered by the leader.
    expect(server.last.frames.filter((frame) => frame.type === 'auth')).toHaveLength(1);
  });

  it('sends a follower request on the leader socket and resolves it in that follower', async () => {
    const message = { id: 'm1', room: 'general', text: 'hi', user: 'alice', at: 1 };
    server.script({ onRequest: (frame) => ({ type: 'res', id: frame.id, ok: true, data: { message } }) });
    const [, follower] = await threeTabs();
    const answer = follower!.client.request('chat.send', { room: 'general', text: 'hi' });
    await tick(10);
    await expect(answer).resolves.toEqual({ message });
    expect(requestsOn(server.last)).toHaveLength(1);
    expect(requestsOn(server.last)[0]!.action).toBe('chat.send');
  });

  it('delivers contract events and permission pushes to every tab, and a follower refuses locally by the pushed snapshot', async () => {
    const opened = await threeTabs();
    const seen = opened.map(() => [] as unknown[]);
    opened.forEach((tab, i) => tab.client.onEvent('chat.message', (data) => seen[i]!.push(data)));
    const message = { id: 'm2', room: 'general', text: 'yo', user: 'bob', at: 2 };
    server.last.send({ type: 'event', name: 'chat.message', data: { message } });
    server.last.send({ type: 'perms', version: 2, grants: ['chat.view_message'] });
    await tick(10);
    for (const list of seen) expect(list).toEqual([{ message }]);
    const follower = opened[2]!.client;
    expect(follower.permissions.version).toBe(2);
    expect(follower.can('chat.send', { room: 'general', text: 'x' })).toBe(false);
    const denials: unknown[] = [];
    follower.on('permission-denied', (denial) => denials.push(denial));
    const refused = await follower.request('chat.send', { room: 'general', text: 'x' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PermissionDeniedError);
    expect((refused as PermissionDeniedError).source).toBe('local');
    expect(denials).toHaveLength(1);
    expect(requestsOn(server.last)).toHaveLength(0);
  });

  it('times out a follower request that gets no answer, and aborts one by its signal', async () => {
    server.script({ onRequest: () => null });
    const [, follower] = await threeTabs();
    const late = follower!.client.request('chat.history', { room: 'general' }, { timeout: 500 }).catch((error: unknown) => error);
    const controller = new AbortController();
    const aborted = follower!.client.request('chat.history', { room: 'general' }, { signal: controller.signal }).catch((error: unknown) => error);
    controller.abort(new Error('user left the room'));
    await tick(600);
    expect(await late).toMatchObject({ name: 'TimeoutError', sent: true });
    expect(await aborted).toMatchObject({ message: 'user left the room' });
  });

  it('refreshes the token once for all tabs: the followers take the leader new token without calling getToken', async () => {
    const opened = await threeTabs({ getToken: async () => jwt({ sub: '1', exp: nowSeconds() + 120 }) });
    const firstExpiry = opened[1]!.client.expiresAt;
    await tick(61_000);
    expect(server.last.frames.filter((frame) => frame.type === 'auth.refresh')).toHaveLength(1);
    await tick(1_000);
    for (const tab of opened) {
      expect(tab.client.state).toBe('ready');
      expect(tab.client.expiresAt).toBeGreaterThan(firstExpiry!);
    }
    expect(server.connections).toHaveLength(1);
  });

  it('hands over when the leading tab crashes: the others reconnect through the new leader, a request in flight settles once by its action', async () => {
    server.script({ onRequest: () => null });
    const [leader, next, third] = await threeTabs();
    // In flight at the crash: one request that may be re-sent (idempotent), one that may not.
    const history = third!.client.request('chat.history', { room: 'general' }, { timeout: 20_000 });
    const sent = third!.client.request('chat.send', { room: 'general', text: 'hi' }, { timeout: 20_000 }).catch((error: unknown) => error);
    await tick(10);
    expect(requestsOn(server.last)).toHaveLength(2);

    tabs.channels[0]!.silent = true;
    tabs.locks.crash(LOCK);
    leader!.client.close(); // what is left of the crashed tab; its channel says nothing any more
    server.script({});
    await tick(2_100); // the new leader's first reconnect waits 1-2 s
    await tick(2_100);

    for (const tab of [next!, third!]) {
      expect(tab.client.state).toBe('ready');
      expect(tab.states.slice(-3)).toEqual(['reconnecting', 'authenticating', 'ready']);
    }
    expect(server.connections).toHaveLength(2);
    expect(next!.getToken).toHaveBeenCalledTimes(1);
    expect(third!.getToken).not.toHaveBeenCalled();
    const error = await sent;
    expect(error).toBeInstanceOf(ConnectionLostError);
    expect(error).toMatchObject({ action: 'chat.send', sent: true });
    await expect(history).resolves.toEqual({ echo: { room: 'general' } });
    expect(requestsOn(server.last).map((frame) => frame.action)).toEqual(['chat.history']);
  });

  it('hands over when the leading tab closes its client, and a request made meanwhile in a follower is sent once', async () => {
    const [leader, next, third] = await threeTabs();
    leader!.client.close();
    await tick(0);
    const during = third!.client.request('chat.send', { room: 'general', text: 'meanwhile' });
    await tick(4_200);
    await expect(during).resolves.toEqual({ echo: { room: 'general', text: 'meanwhile' } });
    expect(server.connections).toHaveLength(2);
    expect(server.connections.flatMap(requestsOn)).toHaveLength(1);
    expect(next!.client.state).toBe('ready');
  });

  it('ends the session in every tab when the leader getToken throws AuthError', async () => {
    let signedIn = true;
    const getToken = async () => {
      if (!signedIn) throw new AuthError('your session ended', { cause: 'session-ended' });
      return jwt({ sub: '1', exp: nowSeconds() + 120 });
    };
    const opened = await threeTabs({ getToken });
    const errors = opened.map(() => [] as AuthError[]);
    opened.forEach((tab, i) => tab.client.on('auth-error', (error) => errors[i]!.push(error)));
    signedIn = false;
    await tick(61_000); // the refresh finds the user signed out
    await tick(100);
    for (const [i, tab] of opened.entries()) {
      expect(tab.client.state).toBe('unauthenticated');
      expect(errors[i]).toHaveLength(1);
    }
    // Each follower's error says what the leader's getToken said, with its (cloneable) cause.
    for (const list of errors) expect(list[0]).toMatchObject({ name: 'AuthError', message: 'your session ended', code: 'unauthenticated', cause: 'session-ended' });

    // Signed in again in a follower: its connect() wakes the leader, and every tab comes back.
    signedIn = true;
    opened[2]!.client.connect();
    await tick(100);
    for (const tab of opened) expect(tab.client.state).toBe('ready');
    expect(server.connections).toHaveLength(2);
  });

  it('stops every tab as forbidden when the server refuses the user (4403) on the leader socket', async () => {
    const opened = await threeTabs();
    server.last.send({ type: 'error', error: { code: 'forbidden', message: 'inactive user' } });
    server.last.close(4403, 'forbidden');
    await tick(100);
    for (const tab of opened) expect(tab.client.state).toBe('forbidden');
    expect(server.connections).toHaveLength(1);
  });

  it('brings every tab back after a 4401 on the leader socket: the leader gets a fresh token, the followers take it', async () => {
    const opened = await threeTabs();
    server.last.close(4401, 'token expired');
    await tick(100);
    for (const tab of opened) expect(tab.client.state).toBe('ready');
    expect(server.connections).toHaveLength(2);
    expect(opened[0]!.getToken).toHaveBeenCalledTimes(2);
    expect(opened[0]!.getToken).toHaveBeenLastCalledWith({ reason: 'rejected' });
    for (const tab of opened.slice(1)) expect(tab.getToken).not.toHaveBeenCalled();
  });

  it('signs the followers in with the leader user, expiry, snapshot and server features (request keys)', async () => {
    server.script({ onAuth: (token) => ({ ...authOk(token, grantsOf(3, ['chat.view_message'])), features: ['keys'] }) });
    const [, follower] = await threeTabs();
    const signIns = tabs.channels[0]!.posted
      .filter((message): message is { t: 'frame'; data: string } => (message as { t: string }).t === 'frame')
      .map((message) => JSON.parse(message.data) as { type: string })
      .filter((frame) => frame.type === 'auth.ok');
    expect(signIns).toHaveLength(2);
    for (const frame of signIns) expect(frame).toMatchObject({ user: { id: '1', name: 'alice' }, perms: { version: 3, grants: ['chat.view_message'] }, features: ['keys'] });
    expect(follower!.client.permissions.version).toBe(3);
  });

  it('holds a follower that reconnects before the leader has signed in again, and makes it ready with the leader', async () => {
    let release: (() => void) | undefined;
    let calls = 0;
    const errors: unknown[] = [];
    const getToken = async () => {
      // The leader's second sign-in takes 25 s (a slow identity provider, a server coming back).
      if (++calls === 2) await new Promise<void>((resolve) => (release = resolve));
      return jwt({ sub: '1', exp: nowSeconds() + 300 });
    };
    const opened = await threeTabs({ getToken, requestTimeout: 60_000 });
    for (const tab of opened.slice(1)) tab.client.on('error', (error) => errors.push(error));
    server.last.close(1012, 'restart');
    await tick(25_000);
    for (const tab of opened.slice(1)) {
      // Held on the leader's still-valid token, not timed out (ping.timeout and requestTimeout are 10 s).
      expect(tab.client.state).toBe('authenticating');
      expect(tab.states.filter((state) => state === 'reconnecting')).toHaveLength(1);
    }
    release!();
    await tick(10);
    for (const tab of opened) expect(tab.client.state).toBe('ready');
    expect(server.connections).toHaveLength(2);
    expect(errors).toEqual([]);
  });

  it('keeps a held follower alive with a pong every half ping.timeout (5 s) while the leader signs in again', async () => {
    let release: (() => void) | undefined;
    let calls = 0;
    const getToken = async () => {
      if (++calls === 2) await new Promise<void>((resolve) => (release = resolve));
      return jwt({ sub: '1', exp: nowSeconds() + 300 });
    };
    const pongs: number[] = [];
    start({ shareAcrossTabs: true, getToken, requestTimeout: 60_000 });
    const follower = start({
      shareAcrossTabs: true,
      requestTimeout: 60_000,
      debug: (entry) => entry.kind === 'frame' && entry.direction === 'in' && entry.type === 'pong' && pongs.push(Date.now()),
    });
    await tick(50);
    server.last.close(1012, 'restart');
    await tick(25_000);
    expect(follower.client.state).toBe('authenticating');
    expect(pongs.length).toBeGreaterThanOrEqual(4);
    expect(new Set(pongs.slice(1).map((at, i) => at - pongs[i]!))).toEqual(new Set([5_000]));
    release!();
    await tick(10);
    expect(follower.client.state).toBe('ready');
  });

  it('never runs getToken in two tabs at once: a new leader waits for the call the old one left running', async () => {
    const { second, release } = await tabs.leaderLeavesInSlowGetToken();
    await tick(5_000);
    expect(second.getToken).not.toHaveBeenCalled();
    release();
    await tick(100);
    expect(second.getToken).toHaveBeenCalledTimes(1);
    expect(second.client.state).toBe('ready');
  });

  it('keeps clients of different names apart: each name has its own leader and socket', async () => {
    start({ shareAcrossTabs: { name: 'chat' } });
    start({ shareAcrossTabs: { name: 'admin' } });
    start({ shareAcrossTabs: { name: 'chat' } });
    await tick(50);
    expect(server.connections).toHaveLength(2);
  });

  it('ignores what another script posts on the tabs channel, and keeps working', async () => {
    const opened = await threeTabs();
    const stranger = new BroadcastChannel(LOCK);
    for (const data of [null, undefined, 'leader', 42, true, { t: 'nothing of ours' }]) stranger.postMessage(data);
    await tick(10); // a tab that threw on one of them would fail here
    const seen = opened.map(() => [] as unknown[]);
    opened.forEach((tab, i) => tab.client.onEvent('chat.message', (data) => seen[i]!.push(data)));
    const message = { id: 'm3', room: 'general', text: 'still here', user: 'bob', at: 3 };
    server.last.send({ type: 'event', name: 'chat.message', data: { message } });
    await tick(10);
    for (const list of seen) expect(list).toEqual([{ message }]);
    for (const tab of opened) expect(tab.client.state).toBe('ready');
  });

  it('falls back to a socket per tab without Web Locks, and says so through debug', async () => {
    tabs.uninstall();
    Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
    const entries: DebugEntry[] = [];
    start({ shareAcrossTabs: true, debug: (entry) => entries.push(entry) });
    start({ shareAcrossTabs: true });
    await tick(50);
    expect(server.connections).toHaveLength(2);
    expect(entries).toContainEqual(expect.objectContaining({ kind: 'tabs', role: 'alone', reason: expect.stringContaining('secure context') }));
  });

  it('says through debug which tab leads and which follows', async () => {
    const entries: DebugEntry[][] = [[], []];
    start({ shareAcrossTabs: true, debug: (entry) => entries[0]!.push(entry) });
    start({ shareAcrossTabs: true, debug: (entry) => entries[1]!.push(entry) });
    await tick(50);
    expect(entries[0]).toContainEqual({ kind: 'tabs', role: 'leader' });
    expect(entries[1]).toContainEqual({ kind: 'tabs', role: 'follower' });
  });

  it('keeps a single-tab client unchanged: without the option nothing of the tabs module runs', async () => {
    start();
    start();
    await tick(50);
    expect(server.connections).toHaveLength(2);
    expect(tabs.locks.grants).toEqual([]);
    expect(tabs.channels).toEqual([]);
  });
});
