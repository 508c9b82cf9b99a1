/**
 * The engine against a real ws server on port 0: the handshake, auth, the order of checks for a
 * request, handlers, pushes, events, disconnects and shutdown, each as a client sees it.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { HandshakeRefused, expectServerClose, type Frame } from '../conformance/helpers';
import { appsPerTest, startApp, type TestApp } from './harness';

// Each test's apps are stopped after it.
const app = appsPerTest();

const req = (id: string, action: string, payload: unknown) => ({ type: 'req', id, action, payload });
const answer = (id: string) => (frame: Frame) => frame.type === 'res' && frame.id === id;

describe('the handshake', () => {
  it('answers auth with the user from the token, its expiry, the server clock and the permission snapshot', async () => {
    const { signIn, users } = await app();
    users.get('1')!.grants = ['notes.view_note', 'notes.add_note', 'notes.add_note'];
    const before = Date.now();
    const { authOk } = await signIn('1');
    expect(authOk).toMatchObject({ type: 'auth.ok', user: { id: '1', name: 'alice' }, perms: { version: 1, grants: ['notes.add_note', 'notes.view_note'] } });
    expect(authOk.exp).toBeGreaterThan(before / 1000);
    expect(authOk.now).toBeGreaterThanOrEqual(before);
  });

  it.each([
    ['no Origin', null],
    ['an Origin not on the list', 'https://evil.example'],
  ])('refuses an upgrade with %s: HTTP 403 and no WebSocket', async (_, origin) => {
    const { open, logs } = await app();
    await expect(open({ origin })).rejects.toEqual(new HandshakeRefused(403));
    expect(logs.some((log) => log.event === 'ws.refused_origin')).toBe(true);
  });

  it('accepts an Origin listed in an array and refuses the others', async () => {
    const listed = await app({ allowedOrigins: ['https://app.example'] });
    const socket = await listed.open({ origin: 'https://app.example' });
    expect(socket.ws.protocol).toBe('permsocket.v1');
    await expect(listed.open()).rejects.toEqual(new HandshakeRefused(403));
  });

  it('answers 404 on another path of an http server with no other upgrade listener', async () => {
    const { wsUrl, origin } = await app();
    const ws = new WebSocket(wsUrl.replace('/ws', '/other'), ['permsocket.v1'], { origin });
    const status = await new Promise<number>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(404);
  });

  it('leaves other paths to another upgrade listener, and serves an app that calls handleUpgrade itself', async () => {
    const { http, ps, wsUrl, origin, token } = await app();
    http.on('upgrade', (request, socket, head) => {
      if (request.url === '/custom') ps.handleUpgrade(request, socket, head);
    });
    const custom = new WebSocket(wsUrl.replace('/ws', '/custom'), ['permsocket.v1'], { origin });
    await new Promise((resolve) => custom.once('open', resolve));
    custom.send(JSON.stringify({ type: 'auth', token: await token('1') }));
    const frame = await new Promise<string>((resolve) => custom.once('message', (data) => resolve(String(data))));
    expect(JSON.parse(frame)).toMatchObject({ type: 'auth.ok', user: { id: '1' } });
    expect(ps.connectionCount).toBe(1);
    custom.close();
  });

  it('closes with 4406 a client that does not offer permsocket.v1, after an error frame', async () => {
    const { open } = await app();
    const client = await open({ protocols: [] });
    await expectServerClose(client, 4406);
  });

  it('closes with 4408 when no auth comes within authTimeout', async () => {
    const { open } = await app({ authTimeout: 100 });
    const client = await open();
    const error = await expectServerClose(client, 4408);
    expect(error?.error.message).toBe('no auth within 0.1 s');
  });

  it('closes with 4401 for a token it cannot verify, sending the reason but never the token', async () => {
    const { open, token, logs } = await app();
    const client = await open();
    const bad = await token('1', { aud: 'elsewhere' });
    client.send({ type: 'auth', token: bad });
    const error = await expectServerClose(client, 4401);
    expect(error?.error.message).toBe('token claim aud check_failed');
    for (const part of bad.split('.')) expect(JSON.stringify(logs)).not.toContain(part);
  });

  it('never logs a token, even one a client puts where the server echoes text in a reason', async () => {
    const { signIn, token, logs } = await app();
    const { client } = await signIn('1');
    const secret = await token('2');
    client.send({ type: secret });
    await expectServerClose(client, 4400);
    const text = JSON.stringify(logs);
    expect(text).toContain('[redacted]');
    for (const part of secret.split('.')) expect(text).not.toContain(part);
  });

  it('closes with 4401 and a generic reason when authenticate throws something else, and logs what it threw', async () => {
    const { open, logs } = await app({
      authenticate: () => {
        throw new Error('identity provider unreachable');
      },
    });
    const client = await open();
    client.send({ type: 'auth', token: 'x' });
    expect((await expectServerClose(client, 4401))?.error.message).toBe('invalid token');
    expect(logs).toContainEqual(expect.objectContaining({ event: 'ws.auth_error', fields: expect.objectContaining({ message: 'identity provider unreachable' }) }));
  });

  it('closes with 4403 when authenticate throws ForbiddenError', async () => {
    const { open, users, token } = await app();
    users.get('2')!.active = false;
    const client = await open();
    client.send({ type: 'auth', token: await token('2') });
    expect((await expectServerClose(client, 4403))?.error.message).toBe('user inactive');
  });

  it('closes with 4401 a req or a ping before auth.ok, and with 4400 a second auth', async () => {
    const { open, signIn, token } = await app();
    const early = await open();
    early.send(req('r1', 'note.nothing', null));
    await expectServerClose(early, 4401);
    const { client } = await signIn('1');
    client.send({ type: 'auth', token: await token('1') });
    await expectServerClose(client, 4400);
  });

  it('closes with 1003 for a binary frame and 1009 for a frame over maxPayload', async () => {
    const { signIn } = await app({ maxPayload: 1024 });
    const { client: binary } = await signIn('1');
    binary.ws.send(Buffer.from([1, 2, 3]));
    expect((await binary.waitClosed()).code).toBe(1003);
    const { client: large } = await signIn('1');
    large.send(req('big', 'note.nothing', 'x'.repeat(2000)));
    expect((await large.waitClosed()).code).toBe(1009);
  });

  it('closes with 4429 past the rate limit, saying when to retry', async () => {
    const { signIn } = await app({ rateLimit: { burst: 3, perSecond: 1 } });
    const { client } = await signIn('1');
    client.sendTogether([{ type: 'ping' }, { type: 'ping' }, { type: 'ping' }]);
    const error = await expectServerClose(client, 4429);
    expect(error?.error.retryAfterMs).toBeGreaterThan(0);
  });

  it('closes with 4401 when the token expires and no auth.refresh came', async () => {
    const { open, token } = await app();
    const client = await open();
    // exp is in whole seconds: at least one full second left, so auth.ok comes first even under load.
    client.send({ type: 'auth', token: await token('1', { exp: Math.ceil(Date.now() / 1000) + 1 }) });
    await client.next('auth.ok');
    expect((await expectServerClose(client, 4401))?.error.message).toBe('token expired');
  });

  it('extends the session on auth.refresh of the same user, never shortening it, and answers auth.ok', async () => {
    const { signIn, token } = await app();
    const { client, authOk } = await signIn('1');
    client.send({ type: 'auth.refresh', token: await token('1', { exp: authOk.exp + 600 }) });
    expect((await client.next('auth.ok')).exp).toBe(authOk.exp + 600);
    client.send({ type: 'auth.refresh', token: await token('1', { exp: authOk.exp + 60 }) });
    expect((await client.next('auth.ok')).exp).toBe(authOk.exp + 600);
  });

  it('closes with 4403 an auth.refresh carrying another user', async () => {
    const { signIn, token } = await app();
    const { client } = await signIn('1');
    client.send({ type: 'auth.refresh', token: await token('2') });
    await expectServerClose(client, 4403);
  });
});

describe('a request', () => {
  it('answers unknown_action and keeps the connection open', async () => {
    const { signIn } = await app();
    const { client } = await signIn('1');
    client.send(req('r1', 'note.edit', {}));
    expect(await client.next(answer('r1'))).toMatchObject({ ok: false, error: { code: 'unknown_action', message: 'unknown action "note.edit"' } });
    client.send({ type: 'ping' });
    await client.next('pong');
  });

  it('validates the payload before the permission: bob, who may not add, gets bad_request for a bad payload', async () => {
    const { signIn, calls } = await app();
    const { client } = await signIn('2');
    const loads = calls.loadPermissions;
    client.send(req('r1', 'note.add', { board: '', text: 'x' }));
    expect(await client.next(answer('r1'))).toMatchObject({ ok: false, error: { code: 'bad_request', message: expect.stringMatching(/^"note\.add": .*\(at board\)$/) } });
    expect(calls.loadPermissions).toBe(loads);
    client.send(req('r2', 'note.add', { board: 'general', text: 'x' }));
    expect(await client.next(answer('r2'))).toMatchObject({
      ok: false,
      error: { code: 'permission_denied', permission: 'notes.add_note', resource: 'board:general', message: '"note.add" needs notes.add_note on board:general' },
    });
  });

  it('hands the handler the schema output and the signed-in user, and answers its result', async () => {
    const { signIn } = await app();
    const { client } = await signIn('1');
    client.send(req('r1', 'note.add', { board: 'general', text: 'hi', extra: 'dropped' }));
    expect(await client.next(answer('r1'))).toEqual({ type: 'res', id: 'r1', ok: true, data: { board: 'general', text: 'hi', pinned: false, by: 'alice' } });
  });

  it('checks a scoped grant against the resource template: dave may add to general only', async () => {
    const { signIn } = await app();
    const { client } = await signIn('3');
    client.send(req('g', 'note.add', { board: 'general', text: 'x' }));
    expect((await client.next(answer('g'))).ok).toBe(true);
    client.send(req('r', 'note.add', { board: 'random', text: 'x' }));
    expect(await client.next(answer('r'))).toMatchObject({ ok: false, error: { code: 'permission_denied', resource: 'board:random' } });
  });

  it("answers a handler's RequestError with its code, message and retryAfterMs", async () => {
    const { signIn } = await app();
    const { client } = await signIn('1');
    client.send(req('r1', 'note.fail', { code: 'not_found' }));
    expect(await client.next(answer('r1'))).toMatchObject({ ok: false, error: { code: 'not_found', message: 'failed with not_found' } });
    client.send(req('r2', 'note.fail', { code: 'rate_limited' }));
    expect(await client.next(answer('r2'))).toMatchObject({ ok: false, error: { code: 'rate_limited', retryAfterMs: 1500 } });
  });

  it('answers internal without the message for any other throw, logs it, and keeps the socket open', async () => {
    const { signIn, logs } = await app();
    const { client } = await signIn('1');
    client.send(req('r1', 'note.fail', { code: null }));
    expect(await client.next(answer('r1'))).toEqual({ type: 'res', id: 'r1', ok: false, error: { code: 'internal', message: 'internal error' } });
    expect(logs).toContainEqual(
      expect.objectContaining({ event: 'ws.internal_error', fields: expect.objectContaining({ user: 'alice', action: 'note.fail', message: 'database password is hunter2' }) }),
    );
    client.send(req('r2', 'note.nothing', null));
    expect(await client.next(answer('r2'))).toEqual({ type: 'res', id: 'r2', ok: true, data: null });
  });

  it('answers internal, and logs why, when the result cannot be sent as JSON', async () => {
    const { signIn, logs } = await app();
    const { client } = await signIn('1');
    client.send(req('b', 'note.bigint', null));
    expect(await client.next(answer('b'))).toEqual({ type: 'res', id: 'b', ok: false, error: { code: 'internal', message: 'internal error' } });
    expect(logs.some((log) => log.event === 'ws.internal_error' && String(log.fields.message).startsWith('unserializable res'))).toBe(true);
  });

  it('closes with 4400 a request whose id is still in flight', async () => {
    const { signIn } = await app();
    const { client } = await signIn('1');
    client.sendTogether([req('same', 'note.slow', { ms: 200 }), req('same', 'note.slow', { ms: 200 })]);
    await expectServerClose(client, 4400);
  });

  it('reloads permissions for every request when the app gives no permissionsVersion, pushing perms before the res', async () => {
    const { signIn, users, calls } = await app();
    const { client } = await signIn('1');
    const loads = calls.loadPermissions;
    const alice = users.get('1')!;
    alice.grants = [];
    alice.version = 2;
    client.send(req('r1', 'note.add', { board: 'general', text: 'x' }));
    const res = await client.next(answer('r1'));
    expect(res).toMatchObject({ ok: false, error: { code: 'permission_denied' } });
    const perms = client.frames.findIndex((frame) => frame.type === 'perms');
    expect(client.frames[perms]).toEqual({ type: 'perms', version: 2, grants: [] });
    expect(perms).toBeLessThan(client.frames.indexOf(res));
    expect(calls.loadPermissions).toBe(loads + 1);
  });

  it('calls loadPermissions only when permissionsVersion moved, and refuses at once when it does', async () => {
    const started = await app({
      permissionsVersion: (user) => {
        started.calls.permissionsVersion++;
        return started.users.get(user.id)?.version;
      },
    });
    const { client } = await started.signIn('1');
    const loads = started.calls.loadPermissions;
    for (const id of ['a', 'b', 'c']) {
      client.send(req(id, 'note.add', { board: 'general', text: id }));
      expect((await client.next(answer(id))).ok).toBe(true);
    }
    expect(started.calls.loadPermissions).toBe(loads);
    expect(started.calls.permissionsVersion).toBe(3);
    Object.assign(started.users.get('1')!, { grants: [], version: 2 });
    client.send(req('d', 'note.add', { board: 'general', text: 'd' }));
    expect(await client.next(answer('d'))).toMatchObject({ ok: false, error: { code: 'permission_denied' } });
    expect(started.calls.loadPermissions).toBe(loads + 1);
  });

  it('closes with 4403 when loadPermissions throws ForbiddenError on a request (the user was deactivated)', async () => {
    const { signIn, users } = await app();
    const { client } = await signIn('1');
    users.get('1')!.active = false;
    client.send(req('r1', 'note.nothing', null));
    expect((await expectServerClose(client, 4403))?.error.message).toBe('user inactive');
  });

  it('aborts the ctx.signal of every handler still running, not only the last one, when its connection closes', async () => {
    const { signIn, aborted, started } = await app();
    const { client } = await signIn('1');
    client.send(req('w1', 'note.wait', null));
    client.send(req('w2', 'note.wait', null));
    await vi.waitFor(() => expect(started).toEqual(['w1', 'w2']));
    client.close();
    await client.waitClosed();
    await vi.waitFor(() => expect(aborted.sort()).toEqual(['w1', 'w2']));
  });
});

describe('pushes, events and disconnects', () => {
  it('pushes perms to every connection of the user on pushPermissions, and nothing when nothing changed', async () => {
    const { signIn, users, ps } = await app();
    const first = (await signIn('1')).client;
    const second = (await signIn('1')).client;
    const other = (await signIn('2')).client;
    Object.assign(users.get('1')!, { grants: ['notes.add_note', 'notes.view_note'], version: 2 });
    await ps.pushPermissions('1');
    for (const client of [first, second]) expect(await client.next('perms')).toEqual({ type: 'perms', version: 2, grants: ['notes.add_note', 'notes.view_note'] });
    await ps.pushPermissions('1');
    other.send({ type: 'ping' });
    await other.next('pong');
    first.send({ type: 'ping' });
    await first.next('pong');
    expect(first.received('perms')).toHaveLength(1);
    expect(other.received('perms')).toHaveLength(0);
  });

  it('closes with 4403 on pushPermissions when the user became inactive', async () => {
    const { signIn, users, ps } = await app();
    const { client } = await signIn('1');
    users.get('1')!.active = false;
    await ps.pushPermissions('1');
    await expectServerClose(client, 4403);
  });

  it('publishes an event only to connections whose user holds the permission on the resource', async () => {
    const { signIn, users, ps } = await app();
    users.get('1')!.grants = ['notes.view_note'];
    const alice = (await signIn('1')).client;
    const bob = (await signIn('2')).client;
    const dave = (await signIn('3')).client;
    await ps.publish('note.added', { board: 'random', text: 'r' }, { permission: 'notes.view_note', resource: 'board:random' });
    await ps.publish('note.added', { board: 'general', text: 'g' }, { permission: 'notes.view_note', resource: 'board:general' });
    for (const client of [alice, bob, dave]) await client.next((frame) => frame.type === 'event' && frame.data.text === 'g');
    expect(dave.received('event').map((frame) => frame.data.text)).toEqual(['g']);
    expect(alice.received('event').map((frame) => frame.data.text)).toEqual(['r', 'g']);
    expect(bob.received('event')[0]).toEqual({ type: 'event', name: 'note.added', data: { board: 'random', text: 'r' } });
  });

  it('re-checks the audience with current grants: a revoked viewer stops hearing events', async () => {
    const { signIn, users, ps } = await app();
    const bob = (await signIn('2')).client;
    Object.assign(users.get('2')!, { grants: [], version: 2 });
    await ps.publish('note.added', { board: 'x', text: 'hidden' }, { permission: 'notes.view_note' });
    await ps.publish('system.notice', { text: 'for everyone' }, { permission: null });
    expect((await bob.next('event')).data).toEqual({ text: 'for everyone' });
    expect(bob.received('event')).toHaveLength(1);
  });

  it('refuses to publish data that is not JSON', async () => {
    const { ps } = await app();
    const cyclic: { text: string; self?: unknown } = { text: 'x' };
    cyclic.self = cyclic;
    await expect(ps.publish('system.notice', cyclic, { permission: null })).rejects.toThrow('publish: the data of "system.notice" is not JSON');
  });

  it('refuses to publish an event the contract does not declare', async () => {
    const { ps } = await app();
    await expect(ps.publish('note.gone' as 'note.added', { board: '', text: '' }, { permission: null })).rejects.toThrow('publish: the contract has no event "note.gone"');
  });

  it('closes every connection of a user on disconnectUser, with the error frame carrying the reason', async () => {
    const { signIn, ps } = await app();
    const first = (await signIn('1')).client;
    const second = (await signIn('1')).client;
    const bob = (await signIn('2')).client;
    await ps.disconnectUser('1', 4403, 'deactivated');
    for (const client of [first, second]) expect((await expectServerClose(client, 4403))?.error.message).toBe('deactivated');
    bob.send({ type: 'ping' });
    await bob.next('pong');
    await expect(ps.disconnectUser('1', 4999 as 4403, 'x')).rejects.toThrow(RangeError);
  });

  it('closes with 1013 a connection that stops reading past maxBufferedBytes, and keeps the others', async () => {
    const { signIn, ps } = await app({ maxBufferedBytes: 64 * 1024, rateLimit: false });
    const stalled = (await signIn('1')).client;
    const lively = (await signIn('2')).client;
    stalled.ws.pause();
    const big = 'x'.repeat(32 * 1024);
    for (let i = 0; i < 200 && stalled.ws.readyState === WebSocket.OPEN; i++) {
      await ps.publish('system.notice', { text: big }, { permission: null });
      // Let the sockets write (and the lively one read) between events.
      await new Promise((resolve) => setImmediate(resolve));
    }
    stalled.ws.resume();
    expect((await stalled.waitClosed()).code).toBe(1013);
    lively.send({ type: 'ping' });
    await lively.next('pong');
  });
});

describe('close()', () => {
  it('lets an in-flight handler finish and answer, then closes every socket with 1001 and refuses new upgrades', async () => {
    const started = await startApp();
    const { client } = await started.signIn('1');
    const idle = (await started.signIn('2')).client;
    client.send(req('slow', 'note.slow', { ms: 150 }));
    await vi.waitFor(() => expect(started.started).toEqual(['slow']));
    const closing = started.ps.close();
    await expect(started.open()).rejects.toEqual(new HandshakeRefused(503));
    expect((await client.waitClosed()).code).toBe(1001);
    expect(client.received('res')).toMatchObject([{ id: 'slow', ok: true, data: { done: true } }]);
    expect((await idle.waitClosed()).code).toBe(1001);
    await closing;
    await started.stop();
  });

  it('aborts handlers still running after closeTimeout, then closes with 1001', async () => {
    const started = await startApp({ closeTimeout: 50 });
    const { client } = await started.signIn('1');
    client.send(req('w', 'note.wait', null));
    await vi.waitFor(() => expect(started.started).toEqual(['w']));
    await started.ps.close();
    expect((await client.waitClosed()).code).toBe(1001);
    expect(started.aborted).toEqual(['w']);
    await started.stop();
  });
});

describe('liveness', () => {
  it('terminates a socket that stops answering pings and keeps the ones that answer', async () => {
    const { wsUrl, origin, token, signIn, logs } = await app({ ping: { interval: 50 } });
    const lively = (await signIn('1')).client;
    const silent = new WebSocket(wsUrl, ['permsocket.v1'], { origin, autoPong: false });
    const auth = await token('1');
    silent.on('open', () => silent.send(JSON.stringify({ type: 'auth', token: auth })));
    expect(await new Promise<number>((resolve) => silent.on('close', (code) => resolve(code)))).toBe(1006);
    expect(logs.some((log) => log.event === 'ws.idle')).toBe(true);
    expect(lively.ws.readyState).toBe(WebSocket.OPEN);
  });
});

describe('liveness with a ping timeout', () => {
  it('terminates a silent socket once the timeout after a ping has passed', async () => {
    const { wsUrl, origin, token, logs } = await app({ ping: { interval: 400, timeout: 30 } });
    const silent = new WebSocket(wsUrl, ['permsocket.v1'], { origin, autoPong: false });
    const auth = await token('1');
    silent.on('open', () => silent.send(JSON.stringify({ type: 'auth', token: auth })));
    const began = Date.now();
    expect(await new Promise<number>((resolve) => silent.on('close', (code) => resolve(code)))).toBe(1006);
    // Dropped after the first ping's timeout (about 430 ms), not at the second ping (800 ms).
    expect(Date.now() - began).toBeLessThan(700);
    expect(logs.some((log) => log.event === 'ws.idle')).toBe(true);
  });
});

describe('options', () => {
  it.each([
    ['a missing handler', { handlers: {} }, 'createServer: no handler for the contract action "note.add"'],
    ['no authenticate', { authenticate: undefined }, 'createServer: authenticate expects a function'],
    ['a zero authTimeout', { authTimeout: 0 }, 'createServer: authTimeout expects a positive number, got 0'],
    ['a bad rate limit', { rateLimit: { burst: 0, perSecond: 1 } }, 'createServer: rateLimit expects'],
    ['no allowedOrigins', { allowedOrigins: undefined }, 'createServer: allowedOrigins expects'],
  ])('refuses %s with a clear error', async (_, overrides, message) => {
    await expect(startApp(overrides as never)).rejects.toThrow(message);
  });
});
