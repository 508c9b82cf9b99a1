/**
 * What a client sees, and what the engine logs, for each answer of the two sign-in hooks: an
 * `authenticate` result of the wrong shape, a token that has expired or expires during the
 * session (to the millisecond, on fake time), each kind of thrown error, a verification that
 * outlasts the auth timeout, a failing `loadPermissions`, and a client that leaves while either
 * hook is still working. Over the stand-in socket, so the exact millisecond and every log line show.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthenticationError, ForbiddenError } from 'permsocket/server';
import type { PermissionSnapshot } from '../../src/protocol';
import type { Authenticated } from '../../src/server/types';
import { accept, nextTurn, type Accepted, type AcceptOptions } from './connection-socket-double';

// A whole second, so an exp in seconds can fall on this very millisecond.
const NOW = 1_800_000_000_000;
const alice = { id: '1', name: 'alice' };
const expiresIn = (seconds: number) => NOW / 1000 + seconds;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  vi.setSystemTime(NOW);
});
afterEach(() => {
  vi.useRealTimers();
});

/** A hook's answer that the test settles later. */
interface Later<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}
function later<T>(): Later<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** Accepts a connection and sends its `auth`; resolves once the hooks' answers were handled. */
async function signIn(options: AcceptOptions): Promise<Accepted> {
  const accepted = accept(options);
  accepted.ws.receive({ type: 'auth', token: 't' });
  await nextTurn();
  return accepted;
}

const events = ({ logs }: Accepted) => logs.map((log) => log.event);
const logged = ({ logs }: Accepted, event: string) => logs.filter((log) => log.event === event).map((log) => log.fields);
/** The `error` frame and the close code a refused client got. */
const refusal = ({ ws }: Accepted) => ({ errors: ws.frames('error').map((frame) => frame.error), closes: ws.closes.map((close) => close.code) });

describe('what authenticate answers', () => {
  it.each<[string, unknown]>([
    ['nothing', undefined],
    ['no user', { exp: expiresIn(300) }],
    ['a user id that is not a string', { user: { id: 5, name: 'alice' }, exp: expiresIn(300) }],
    ['an empty user id', { user: { id: '', name: 'alice' }, exp: expiresIn(300) }],
    ['a user name that is not a string', { user: { id: '1', name: 42 }, exp: expiresIn(300) }],
    ['an exp that is not a number', { user: alice, exp: String(expiresIn(300)) }],
    ['an exp that is not finite', { user: alice, exp: Infinity }],
  ])("closes with 4401 'invalid token', telling the developer what authenticate must return, when it returns %s", async (_, result) => {
    const accepted = await signIn({ authenticate: () => result as Authenticated });
    expect(refusal(accepted)).toEqual({ errors: [{ code: 'unauthenticated', message: 'invalid token' }], closes: [4401] });
    expect(logged(accepted, 'ws.internal_error')).toEqual([
      { message: 'authenticate must return { user: { id: string, name: string }, exp: number }', connection: accepted.live.id },
    ]);
    expect([accepted.loads, accepted.ready.length]).toEqual([0, 0]);
  });

  it("refuses with 4401 'token expired' a token that expires at this very millisecond, without loading permissions or signing in", async () => {
    const accepted = await signIn({ authenticate: () => ({ user: alice, exp: expiresIn(0) }) });
    expect(refusal(accepted)).toEqual({ errors: [{ code: 'unauthenticated', message: 'token expired' }], closes: [4401] });
    expect([accepted.loads, accepted.ready.length]).toEqual([0, 0]);
    expect(events(accepted)).toEqual(['ws.open', 'ws.refused']);
  });

  it("signs in a token with a second left and closes with 4401 'token expired' at exactly its expiry", async () => {
    const accepted = await signIn({ authenticate: () => ({ user: alice, exp: expiresIn(1) }) });
    expect(accepted.ws.frames('auth.ok')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(accepted.ws.closes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(refusal(accepted)).toEqual({ errors: [{ code: 'unauthenticated', message: 'token expired' }], closes: [4401] });
  });

  it.each([
    ['authenticate', { authenticate: () => Promise.reject(new ForbiddenError()) }],
    ['loadPermissions', { loadPermissions: (): PermissionSnapshot => { throw new ForbiddenError(); } }],
  ])("closes with 4403 'forbidden' when %s throws a ForbiddenError without a message", async (_, options) => {
    const accepted = await signIn(options);
    expect(refusal(accepted)).toEqual({ errors: [{ code: 'forbidden', message: 'forbidden' }], closes: [4403] });
    expect(accepted.ready).toEqual([]);
  });

  it("closes with 4401 in the AuthenticationError's words, logging neither an auth error nor an internal error", async () => {
    const accepted = await signIn({ authenticate: () => Promise.reject(new AuthenticationError('token revoked')) });
    expect(refusal(accepted)).toEqual({ errors: [{ code: 'unauthenticated', message: 'token revoked' }], closes: [4401] });
    expect(events(accepted)).toEqual(['ws.open', 'ws.refused']);
  });

  it("closes with 4401 'invalid token' when authenticate throws anything else, logging ws.auth_error with the address and the message", async () => {
    const accepted = await signIn({ authenticate: () => Promise.reject(new Error('token store down')) });
    expect(refusal(accepted)).toEqual({ errors: [{ code: 'unauthenticated', message: 'invalid token' }], closes: [4401] });
    expect(logged(accepted, 'ws.auth_error')).toEqual([{ ip: '127.0.0.1', message: 'token store down', connection: accepted.live.id }]);
    expect(logged(accepted, 'ws.internal_error')).toEqual([]);
  });

  it('closes with 4408 when verifying the token outlasts the auth timeout', async () => {
    const accepted = await signIn({ authenticate: () => new Promise<Authenticated>(() => {}), authTimeout: 5_000 });
    await vi.advanceTimersByTimeAsync(4_999);
    expect(accepted.ws.closes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(refusal(accepted)).toEqual({ errors: [{ code: 'auth_timeout', message: 'no auth within 5 s' }], closes: [4408] });
  });
});

describe('what loadPermissions answers at sign-in', () => {
  it('closes with 1013 when permissions cannot be loaded, logging the failure once as an internal error and never signing in', async () => {
    const accepted = await signIn({ loadPermissions: () => Promise.reject(new Error('permissions store down')) });
    expect(refusal(accepted)).toEqual({ errors: [], closes: [1013] });
    expect(logged(accepted, 'ws.internal_error')).toEqual([{ user: undefined, message: 'permissions store down', connection: accepted.live.id }]);
    expect(logged(accepted, 'ws.refused')).toEqual([
      { user: undefined, ip: '127.0.0.1', code: 1013, reason: 'permissions unavailable, try again later', connection: accepted.live.id },
    ]);
    expect(events(accepted)).toEqual(['ws.open', 'ws.internal_error', 'ws.refused']);
    expect(accepted.ready).toEqual([]);
  });
});

/** Signs in with one hook's answer pending, lets the client leave, then settles that answer. */
async function leftDuring<T>(hook: (answer: () => Promise<T>) => AcceptOptions, settle: (answer: Later<T>) => void): Promise<Accepted> {
  const answer = later<T>();
  const accepted = await signIn(hook(() => answer.promise));
  accepted.ws.leave();
  settle(answer);
  await nextTurn();
  return accepted;
}

describe('a client that leaves during sign-in', () => {
  it('costs no loadPermissions call when it left while its token was verified', async () => {
    const accepted = await leftDuring<Authenticated>((authenticate) => ({ authenticate }), (token) => token.resolve({ user: alice, exp: expiresIn(300) }));
    expect(accepted.loads).toBe(0);
    expect(events(accepted)).toEqual(['ws.open', 'ws.close']);
  });

  it('logs no auth error when the verification of its token fails after it left', async () => {
    const accepted = await leftDuring<Authenticated>((authenticate) => ({ authenticate }), (token) => token.reject(new Error('token store down')));
    expect(events(accepted)).toEqual(['ws.open', 'ws.close']);
  });

  it('is never signed in when it left while its permissions loaded', async () => {
    const accepted = await leftDuring<PermissionSnapshot>((loadPermissions) => ({ loadPermissions }), (load) => load.resolve({ version: 1, grants: [] }));
    expect(accepted.ready).toEqual([]);
    expect(events(accepted)).toEqual(['ws.open', 'ws.close']);
  });

  it('logs no internal error when its permissions fail to load after it left', async () => {
    const accepted = await leftDuring<PermissionSnapshot>((loadPermissions) => ({ loadPermissions }), (load) => load.reject(new Error('permissions store down')));
    expect(events(accepted)).toEqual(['ws.open', 'ws.close']);
  });
});
