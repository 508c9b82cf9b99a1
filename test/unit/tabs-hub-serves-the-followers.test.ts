/**
 * The leading tab's hub, driven directly: a fake client (its state and events), a fake real socket
 * and the channel's posts. It pins what each follower is told: sign-ins, keep-alives, routed
 * answers, broadcasts, closes and getToken answers.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthError } from 'permsocket';
import type { AuthOkFrame } from '../../src/protocol';
import { createHub } from '../../src/tabs/hub';
import type { TabMessage } from '../../src/tabs/messages';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
beforeEach(() => vi.useFakeTimers({ now: NOW }));
afterEach(() => vi.useRealTimers());

type Listener = (value: never) => void;
function fakeClient(state = 'connecting') {
  const listeners = new Map<string, Set<Listener>>();
  const client = {
    state,
    connect: vi.fn(),
    on(name: string, listener: Listener) {
      if (!listeners.has(name)) listeners.set(name, new Set());
      listeners.get(name)!.add(listener);
      return () => listeners.get(name)!.delete(listener);
    },
    emit(name: string, value: unknown) {
      for (const listener of listeners.get(name) ?? []) (listener as (v: unknown) => void)(value);
    },
    move(next: string) {
      client.state = next;
      client.emit('state', next);
    },
  };
  return client;
}

class FakeReal extends EventTarget {
  sent: string[] = [];
  closedWith: unknown[] = [];
  send(data: string) {
    this.sent.push(data);
  }
  close(code?: number, reason?: string) {
    this.closedWith.push([code, reason]);
  }
  message(frame: object | string) {
    this.dispatchEvent(new MessageEvent('message', { data: typeof frame === 'string' ? frame : JSON.stringify(frame) }));
  }
  closeEvent(code: number, reason = '') {
    this.dispatchEvent(Object.assign(new Event('close'), { code, reason }));
  }
}

const authOk = (over: Partial<AuthOkFrame> = {}): AuthOkFrame => ({
  type: 'auth.ok',
  user: { id: '1', name: 'alice' },
  exp: Math.floor(NOW / 1000) + 300,
  now: NOW,
  perms: { version: 1, grants: ['*'] },
  ...over,
});

function setup(state = 'connecting') {
  const posted: TabMessage[] = [];
  const client = fakeClient(state);
  const hub = createHub('L', client as never, { post_: (message) => posted.push(message) }, 1_000);
  const real = new FakeReal();
  /** The frames posted to `socket`, parsed. */
  const framesTo = (socket: string) =>
    posted.filter((m): m is Extract<TabMessage, { t: 'frame' }> => m.t === 'frame' && m.to.includes(socket)).map((m) => JSON.parse(m.data) as { type: string });
  const of = <T extends TabMessage['t']>(t: T) => posted.filter((m) => m.t === t) as Extract<TabMessage, { t: T }>[];
  const follower = (socket: string) => hub.heard_({ t: 'open', socket });
  const say = (socket: string, frame: object | string) => hub.heard_({ t: 'send', socket, data: typeof frame === 'string' ? frame : JSON.stringify(frame) });
  /** The leader's client opens the real socket and signs in with `token`. */
  const signIn = (token = 'T1', frame = authOk()) => {
    hub.tap_(real);
    real.send(JSON.stringify({ type: 'auth', token }));
    real.message(frame);
  };
  return { posted, client, hub, real, framesTo, of, follower, say, signIn };
}

describe('the leading tab hub', () => {
  it('accepts a follower socket in the leader name', () => {
    const { hub, posted } = setup();
    hub.heard_({ t: 'open', socket: 'A' });
    expect(posted).toEqual([{ t: 'opened', socket: 'A', leader: 'L' }]);
  });

  it('closes with 1006 a socket it never accepted (it opened with another leader)', () => {
    const { say, posted } = setup();
    say('A', { type: 'ping' });
    expect(posted).toEqual([{ t: 'close', to: ['A'], code: 1006, reason: 'the leading tab changed' }]);
  });

  it('answers a follower ping itself with a pong, and ignores text that is not JSON', () => {
    const { follower, say, framesTo, posted, real, signIn } = setup();
    signIn();
    follower('A');
    say('A', 'not json');
    expect(posted).toHaveLength(1);
    say('A', { type: 'ping' });
    expect(framesTo('A')).toEqual([{ type: 'pong' }]);
    expect(real.sent.filter((data) => data.includes('ping'))).toEqual([]);
  });

  it('signs a follower in at once from the leader session, with the server clock moved on by the time since', () => {
    const { follower, say, framesTo, signIn } = setup();
    signIn('T1', authOk({ perms: { version: 4, grants: ['chat.view_message'] }, features: ['keys'] }));
    vi.advanceTimersByTime(5_000);
    follower('A');
    say('A', { type: 'auth', token: 'T1' });
    expect(framesTo('A')).toEqual([{ ...authOk({ perms: { version: 4, grants: ['chat.view_message'] }, features: ['keys'] }), now: NOW + 5_000 }]);
    say('A', { type: 'auth.refresh', token: 'T1' });
    expect(framesTo('A')).toHaveLength(2);
    expect(framesTo('A')[1]).toMatchObject({ type: 'auth.ok' });
  });

  it('holds a follower that signs in before the leader, with a pong each keepAlive, and signs it in with the leader', () => {
    const { hub, follower, say, framesTo, signIn } = setup();
    follower('A');
    follower('B');
    say('A', { type: 'auth', token: 'old' });
    expect(framesTo('A')).toEqual([{ type: 'pong' }]);
    vi.advanceTimersByTime(1_000);
    vi.advanceTimersByTime(1_000);
    expect(framesTo('A')).toEqual([{ type: 'pong' }, { type: 'pong' }, { type: 'pong' }]);
    expect(framesTo('B')).toEqual([]);
    signIn();
    expect(framesTo('A').at(-1)).toEqual(authOk());
    expect(framesTo('B')).toEqual([]);
    vi.advanceTimersByTime(5_000);
    expect(framesTo('A')).toHaveLength(4);
    expect(vi.getTimerCount()).toBe(0); // the keep-alive stopped with the last held follower
    void hub;
  });

  it('stops the keep-alive of a held follower that leaves', () => {
    const { hub, follower, say, posted } = setup();
    follower('A');
    say('A', { type: 'auth', token: 'old' });
    hub.heard_({ t: 'bye', socket: 'A' });
    const count = posted.length;
    vi.advanceTimersByTime(5_000);
    expect(posted).toHaveLength(count);
  });

  it('sends a signed-in follower request on the real socket and gives the answer to that follower only', () => {
    const { follower, say, framesTo, of, real, signIn } = setup();
    signIn();
    for (const id of ['A', 'B']) follower(id), say(id, { type: 'auth', token: 'T1' });
    const req = JSON.stringify({ type: 'req', id: 'r1', action: 'chat.send', payload: {} });
    say('A', req);
    expect(real.sent.at(-1)).toBe(req);
    real.message({ type: 'res', id: 'r1', ok: true, data: { n: 1 } });
    real.message({ type: 'res', id: 'r1', ok: true, data: { n: 2 } });
    real.message({ type: 'res', id: 'nobody', ok: true, data: {} });
    expect(framesTo('A').filter((f) => f.type === 'res')).toEqual([{ type: 'res', id: 'r1', ok: true, data: { n: 1 } }]);
    expect(framesTo('B').filter((f) => f.type === 'res')).toEqual([]);
    // The second answer to r1 and the leader's own ("nobody") go to no tab at all.
    expect(of('frame').filter((m) => m.data.includes('"res"'))).toHaveLength(1);
  });

  it('never sends a request of a follower that is not signed in, has no string id, or has no real socket under it', () => {
    const { hub, follower, say, real, signIn } = setup();
    follower('A');
    say('A', { type: 'req', id: 'r0', action: 'chat.send', payload: {} });
    signIn();
    const before = real.sent.length;
    say('A', { type: 'req', id: 'r1', action: 'chat.send', payload: {} }); // opened, never signed in
    say('A', { type: 'auth', token: 'T1' });
    say('A', { type: 'req', id: 7, action: 'chat.send', payload: {} });
    say('A', { type: 'nonsense', id: 'r2' });
    expect(real.sent).toHaveLength(before);
    real.closeEvent(1006);
    say('A', { type: 'req', id: 'r3', action: 'chat.send', payload: {} });
    expect(real.sent).toHaveLength(before);
    void hub;
  });

  it('drops the answer to a follower that left, and forgets only its requests', () => {
    const { hub, follower, say, framesTo, real, signIn } = setup();
    signIn();
    for (const id of ['A', 'B']) follower(id), say(id, { type: 'auth', token: 'T1' });
    say('A', { type: 'req', id: 'ra', action: 'chat.send', payload: {} });
    say('B', { type: 'req', id: 'rb', action: 'chat.send', payload: {} });
    hub.heard_({ t: 'bye', socket: 'A' });
    real.message({ type: 'res', id: 'ra', ok: true, data: 1 });
    real.message({ type: 'res', id: 'rb', ok: true, data: 2 });
    expect(framesTo('A').filter((f) => f.type === 'res')).toEqual([]);
    expect(framesTo('B').filter((f) => f.type === 'res')).toEqual([{ type: 'res', id: 'rb', ok: true, data: 2 }]);
  });

  it('keeps a follower signed in when its socket is announced again', () => {
    const { follower, say, real, signIn } = setup();
    signIn();
    follower('A');
    say('A', { type: 'auth', token: 'T1' });
    follower('A');
    say('A', { type: 'req', id: 'r1', action: 'chat.send', payload: {} });
    expect(real.sent.at(-1)).toContain('"r1"');
  });

  it('broadcasts events, error frames and permission pushes to the signed-in followers only, and nothing else', () => {
    const { follower, say, framesTo, posted, real, signIn } = setup();
    signIn();
    follower('A');
    say('A', { type: 'auth', token: 'T1' });
    follower('B'); // opened, not signed in
    const count = posted.length;
    real.message({ type: 'event', name: 'chat.message', data: { x: 1 } });
    real.message({ type: 'error', error: { code: 'bad_request', message: 'no' } });
    real.message({ type: 'perms', version: 2, grants: [] });
    real.message({ type: 'pong' });
    real.message('not json');
    real.dispatchEvent(new MessageEvent('message', { data: new ArrayBuffer(2) }));
    expect(framesTo('A').slice(1).map((f) => f.type)).toEqual(['event', 'error', 'perms']);
    expect(framesTo('B')).toEqual([]);
    expect(posted).toHaveLength(count + 3);
  });

  it('posts nothing for a server event while no follower is signed in', () => {
    const { posted, real, signIn } = setup();
    signIn();
    const count = posted.length;
    real.message({ type: 'event', name: 'chat.message', data: {} });
    expect(posted).toHaveLength(count);
  });

  it('signs later followers in with the newest pushed snapshot, never an older one', () => {
    const { follower, say, framesTo, real, signIn } = setup();
    signIn();
    real.message({ type: 'perms', version: 3, grants: ['a'] });
    real.message({ type: 'perms', version: 2, grants: ['old'] });
    follower('A');
    say('A', { type: 'auth', token: 'T1' });
    expect(framesTo('A')[0]).toMatchObject({ perms: { version: 3, grants: ['a'] } });
  });

  it('pushes a newer snapshot that came with a refreshed auth.ok to the signed-in followers, and nothing for the same version', () => {
    const { follower, say, framesTo, real, signIn } = setup();
    signIn();
    follower('A');
    say('A', { type: 'auth', token: 'T1' });
    real.message(authOk({ perms: { version: 1, grants: ['*'] } }));
    expect(framesTo('A')).toHaveLength(1);
    real.message(authOk({ perms: { version: 5, grants: ['b'] } }));
    expect(framesTo('A').at(-1)).toEqual({ type: 'perms', version: 5, grants: ['b'] });
  });

  it('gives a follower getToken the token the server accepted, unless it is the one the follower already has', () => {
    const { hub, of, real, signIn } = setup();
    signIn('T1');
    hub.heard_({ t: 'token', ask: 'q1', reason: 'connect' });
    hub.heard_({ t: 'token', ask: 'q2', reason: 'refresh', not: 'T1' });
    expect(of('token-ok')).toEqual([{ t: 'token-ok', ask: 'q1', token: 'T1' }]);
    real.send(JSON.stringify({ type: 'auth.refresh', token: 'T2' }));
    real.send(JSON.stringify({ type: 'req', id: 'x', action: 'a', payload: {} }));
    expect(of('token-ok')).toHaveLength(1);
    real.message(authOk());
    expect(of('token-ok')).toEqual([
      { t: 'token-ok', ask: 'q1', token: 'T1' },
      { t: 'token-ok', ask: 'q2', token: 'T2' },
    ]);
  });

  it('while the leader reconnects, answers a connect with the still-valid token, and holds a refresh or an expired one', () => {
    const { hub, of, real, signIn } = setup();
    signIn('T1', authOk({ exp: Math.floor(NOW / 1000) + 60 }));
    real.closeEvent(1006);
    hub.heard_({ t: 'token', ask: 'q1', reason: 'connect' });
    hub.heard_({ t: 'token', ask: 'q2', reason: 'refresh' });
    expect(of('token-ok').map((m) => m.ask)).toEqual(['q1']);
    vi.advanceTimersByTime(60_000);
    hub.heard_({ t: 'token', ask: 'q3', reason: 'connect' });
    expect(of('token-ok').map((m) => m.ask)).toEqual(['q1']);
  });

  it('times the token validity by the server clock: a server clock ahead shortens it', () => {
    const { hub, of, real, signIn } = setup();
    // The server is 30 s ahead: exp is 60 s after its now, so 60 s from here too.
    signIn('T1', authOk({ now: NOW + 30_000, exp: Math.floor((NOW + 30_000) / 1000) + 60 }));
    real.closeEvent(1006);
    vi.advanceTimersByTime(59_000);
    hub.heard_({ t: 'token', ask: 'q1', reason: 'connect' });
    vi.advanceTimersByTime(1_000);
    hub.heard_({ t: 'token', ask: 'q2', reason: 'connect' });
    expect(of('token-ok').map((m) => m.ask)).toEqual(['q1']);
  });

  it('gives nobody a token the server refused with 4401', () => {
    const { hub, of, real, signIn } = setup();
    signIn('T1');
    real.closeEvent(4401, 'token expired');
    hub.heard_({ t: 'token', ask: 'q1', reason: 'connect' });
    expect(of('token-ok')).toEqual([]);
  });

  it('closes every follower with the real socket close code once the leader client has handled it, unless it ended', async () => {
    const { follower, of, real, signIn } = setup();
    signIn();
    follower('A');
    follower('B');
    real.closeEvent(1012, 'restart');
    expect(of('close')).toEqual([]);
    await Promise.resolve();
    expect(of('close')).toEqual([{ t: 'close', to: ['A', 'B'], code: 1012, reason: 'restart' }]);
  });

  it('leaves the closing of followers to the auth-error when the leader client ended with the close', async () => {
    const { client, follower, of, real, signIn } = setup();
    signIn();
    follower('A');
    real.closeEvent(4403, 'forbidden');
    client.state = 'forbidden';
    await Promise.resolve();
    expect(of('close')).toEqual([]);
  });

  it('closes followers with 1000 when the leader client closes the real socket itself, and ignores an old socket', async () => {
    const { hub, follower, of, real, signIn } = setup();
    signIn();
    follower('A');
    real.close();
    await Promise.resolve();
    expect(of('close')).toEqual([{ t: 'close', to: ['A'], code: 1000, reason: '' }]);
    expect(real.closedWith).toEqual([[undefined, undefined]]);
    follower('B');
    const next = new FakeReal();
    hub.tap_(next);
    real.closeEvent(1006);
    real.message({ type: 'event', name: 'x', data: 1 });
    await Promise.resolve();
    expect(of('close')).toHaveLength(1);
    next.close(4000, 'why');
    await Promise.resolve();
    expect(of('close').at(-1)).toEqual({ t: 'close', to: ['B'], code: 4000, reason: 'why' });
    expect(next.closedWith).toEqual([[4000, 'why']]);
  });

  it('posts no close when it has no followers', () => {
    const { hub, posted } = setup();
    hub.closeAll_(1001, 'bye');
    expect(posted).toEqual([]);
    hub.heard_({ t: 'open', socket: 'A' });
    hub.closeAll_(1001, 'the leading tab closed its client');
    expect(posted.at(-1)).toEqual({ t: 'close', to: ['A'], code: 1001, reason: 'the leading tab closed its client' });
  });

  it('ends the followers sessions as the leader ended: its message, code and cloneable cause, and the close code of its state', () => {
    const { client, hub, follower, of, signIn } = setup();
    signIn();
    follower('A');
    hub.heard_({ t: 'token', ask: 'q1', reason: 'refresh', not: 'T1' });
    client.state = 'unauthenticated';
    client.emit('auth-error', new AuthError('your session ended', { cause: { why: 'logout' } }));
    expect(of('token-fail')).toEqual([{ t: 'token-fail', ask: 'q1', message: 'your session ended', code: 'unauthenticated', cause: { why: 'logout' } }]);
    expect(of('close')).toEqual([{ t: 'close', to: ['A'], code: 4401, reason: 'your session ended' }]);
    // The token of that session is given to nobody, and a later ask is refused with the same words.
    hub.heard_({ t: 'token', ask: 'q2', reason: 'rejected' });
    expect(of('token-ok')).toEqual([]);
    expect(of('token-fail').at(-1)).toEqual({ t: 'token-fail', ask: 'q2', message: 'your session ended', code: 'unauthenticated', cause: { why: 'logout' } });
  });

  it('closes followers with 4403 when the leader is forbidden, drops a cause that cannot travel, and closes none for another state', () => {
    const { client, hub, follower, of, signIn } = setup();
    signIn();
    follower('A');
    client.state = 'reconnecting';
    client.emit('auth-error', new AuthError('flaky', { cause: () => 1 }));
    expect(of('close')).toEqual([]);
    hub.heard_({ t: 'token', ask: 'q1', reason: 'refresh', not: 'T1' });
    client.state = 'forbidden';
    client.emit('auth-error', new AuthError('inactive user', { code: 'forbidden', cause: () => 1 }));
    // No `cause` key at all: the follower's AuthError then has no cause either.
    expect(of('token-fail')).toStrictEqual([{ t: 'token-fail', ask: 'q1', message: 'inactive user', code: 'forbidden' }]);
    expect(of('close')).toEqual([{ t: 'close', to: ['A'], code: 4403, reason: 'inactive user' }]);
  });

  it('refuses a follower getToken after the leader was closed or its token rejected, with the default words before any auth-error', () => {
    const { client, hub, of } = setup('closed');
    hub.heard_({ t: 'token', ask: 'q1', reason: 'connect' });
    client.state = 'unauthenticated';
    hub.heard_({ t: 'token', ask: 'q2', reason: 'rejected' });
    expect(of('token-fail')).toEqual([
      { t: 'token-fail', ask: 'q1', message: 'signed out in another tab', code: 'unauthenticated' },
      { t: 'token-fail', ask: 'q2', message: 'signed out in another tab', code: 'unauthenticated' },
    ]);
    expect(client.connect).not.toHaveBeenCalled();
  });

  it('connects the signed-out leader when a follower signed in again asks for a token, and answers it once signed in', () => {
    const { client, hub, of, signIn } = setup('unauthenticated');
    hub.heard_({ t: 'token', ask: 'q1', reason: 'connect' });
    expect(client.connect).toHaveBeenCalledTimes(1);
    expect(of('token-fail')).toEqual([]);
    client.state = 'authenticating';
    hub.heard_({ t: 'token', ask: 'q2', reason: 'connect' });
    expect(client.connect).toHaveBeenCalledTimes(1);
    signIn('T9');
    expect(of('token-ok').map((m) => m.ask)).toEqual(['q1', 'q2']);
  });

  it('tells the followers the leader is up again only when it becomes ready after being signed out', () => {
    const { client, of } = setup('ready');
    client.move('reconnecting');
    client.move('ready');
    expect(of('up')).toEqual([]);
    client.move('unauthenticated');
    client.move('connecting');
    expect(of('up')).toEqual([]); // not up while it only connects
    client.move('ready');
    client.move('reconnecting');
    client.move('ready');
    client.move('forbidden');
    client.move('ready');
    expect(of('up')).toHaveLength(2);
  });

  it('ignores the frames of a real socket it no longer taps, and binary frames of the one it does', () => {
    const { follower, say, framesTo, hub, real, signIn } = setup();
    signIn();
    follower('A');
    say('A', { type: 'auth', token: 'T1' });
    say('A', { type: 'req', id: 'r1', action: 'chat.send', payload: {} });
    const event = { type: 'event', name: 'chat.message', data: { text: 'hi' } };
    real.dispatchEvent(new MessageEvent('message', { data: Buffer.from(JSON.stringify(event)) }));
    const next = new FakeReal();
    hub.tap_(next); // the leader's client reconnected on a new socket
    real.message(event);
    real.message({ type: 'res', id: 'r1', ok: true, data: 1 });
    expect(framesTo('A').map((f) => f.type)).toEqual(['auth.ok']);
  });

  it('signs a follower held while the leader reconnects in with the new session, and then serves it', () => {
    const { follower, say, framesTo, hub, signIn } = setup();
    signIn('T1');
    const again = new FakeReal();
    hub.tap_(again); // a new socket, not signed in yet
    follower('B');
    say('B', { type: 'auth', token: 'T1' });
    expect(framesTo('B')).toEqual([{ type: 'pong' }]);
    again.send(JSON.stringify({ type: 'auth', token: 'T2' }));
    again.message(authOk({ perms: { version: 1, grants: ['*'] } }));
    expect(framesTo('B').at(-1)).toEqual(authOk());
    say('B', { type: 'req', id: 'rb', action: 'chat.send', payload: {} });
    expect(again.sent.at(-1)).toContain('"rb"');
    again.message({ type: 'event', name: 'chat.message', data: {} });
    expect(framesTo('B').at(-1)).toEqual({ type: 'event', name: 'chat.message', data: {} });
  });

  it('answers only token questions: other messages on the channel get no answer from the hub', () => {
    const { hub, posted, signIn } = setup();
    signIn();
    for (const message of [{ t: 'leader', leader: 'X' }, { t: 'up' }, { t: 'token-ok', ask: 'q', token: 'T' }, { t: 'opened', socket: 'Z', leader: 'X' }] as TabMessage[]) hub.heard_(message);
    expect(posted).toEqual([]);
  });

  it('starts out signed out when its client is', () => {
    for (const state of ['unauthenticated', 'forbidden']) {
      const { client, of } = setup(state);
      client.move('ready');
      expect(of('up')).toHaveLength(1);
    }
  });

  it('stops: no more up, keep-alive or answers to the asks it held', () => {
    const { client, hub, follower, say, posted, signIn } = setup('unauthenticated');
    follower('A');
    say('A', { type: 'auth', token: 'x' });
    client.state = 'connecting';
    hub.heard_({ t: 'token', ask: 'q1', reason: 'refresh' });
    hub.stop_();
    const count = posted.length;
    vi.advanceTimersByTime(5_000);
    client.move('ready');
    client.emit('auth-error', new AuthError('late'));
    expect(posted).toHaveLength(count);
    signIn('T1');
    expect(posted.filter((m) => m.t === 'token-ok')).toEqual([]);
  });
});
