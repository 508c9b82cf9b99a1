import { describe, expect, it, vi } from 'vitest';
import { permsocketServer } from 'permsocket/testing';
import { chatContract } from '../../demo/contract';
import { URL, rawSocket, signedInSocket, tick, useFake } from './harness';

let runs = 0;
const { fake, connect } = useFake({
  grants: ['chat.view_message'],
  handlers: { 'chat.history': () => (runs++, { messages: [] }) },
});
const NOON = Date.UTC(2026, 0, 1, 12);

const signedIn = (token?: string) => signedInSocket(fake, token);

describe('the fake at its edges', () => {
  it('refuses options without a URL, and a user whose name is not a string', () => {
    expect(() => permsocketServer(chatContract, undefined as never)).toThrow(/options.url must be/);
    expect(() => permsocketServer(chatContract, { url: 'wss://x.test/ws', user: { id: '1', name: 2 } as never })).toThrow(/options.user must be/);
  });

  it('says the subprotocol is missing, and records no protocols for a client that offers none', async () => {
    const raw = rawSocket([]);
    await tick(0);
    expect(raw.received).toEqual([{ type: 'error', error: { code: 'unsupported_protocol', message: 'the client must offer the subprotocol permsocket.v1' } }]);
    expect(fake.connections[0]!.protocols).toEqual([]);
  });

  it.each([
    ['no subprotocol at all', undefined, [], 4406],
    ['permsocket.v1 as a single string', 'permsocket.v1', ['permsocket.v1'], 4408],
  ])('records the protocols of a client that offers %s', async (_name, offered, protocols, code) => {
    const socket = new WebSocket(URL, offered);
    await tick(5_000);
    expect(fake.connections[0]!.protocols).toEqual(protocols);
    // Offered, permsocket.v1 is taken: the connection waits for an auth frame until its timeout.
    expect(fake.connections[0]!.closed?.code).toBe(code);
    socket.close();
  });

  it('tells a frame before auth.ok by its type', async () => {
    const raw = rawSocket();
    await tick(0);
    raw.send({ type: 'ping' });
    await tick(0);
    expect(raw.received).toEqual([{ type: 'error', error: { code: 'unauthenticated', message: '"ping" before auth.ok' } }]);
  });

  it('says whether a connection is signed in, and who closed it', async () => {
    const raw = rawSocket();
    await tick(0);
    expect(fake.connections[0]!.ready).toBe(false);
    raw.send({ type: 'auth', token: fake.token() });
    await tick(0);
    expect(fake.connections[0]!.ready).toBe(true);
    raw.socket.close(1000, 'bye');
    await tick(0);
    expect(fake.connections[0]!.ready).toBe(false);
    expect(fake.connections[0]!.closed).toEqual({ code: 1000, reason: 'bye', by: 'client' });
  });

  it('sends no perms with an event when the client has the current grants', async () => {
    const raw = await signedIn();
    fake.emit('chat.deleted', { room: 'general', id: 'm1' });
    await tick(0);
    expect(raw.received.map((frame) => frame.type)).toEqual(['auth.ok', 'event']);
  });

  it('closes a 1001 without an error frame, and cuts a long reason to 120 characters', async () => {
    const first = await signedIn();
    fake.close();
    await tick(0);
    expect(first.received.map((frame) => frame.type)).toEqual(['auth.ok']);
    const second = await signedIn();
    fake.close(4429, 'x'.repeat(200));
    fake.close(4429, 'again');
    await tick(0);
    expect(second.received.slice(1)).toEqual([{ type: 'error', error: { code: 'rate_limited', message: 'x'.repeat(200) } }]);
    expect(second.closed).toEqual({ code: 4429, reason: 'x'.repeat(120) });
  });

  it('names the deactivated user at the close and at a later auth', async () => {
    const raw = await signedIn();
    fake.forbid();
    await tick(0);
    expect(raw.received.at(-1)).toEqual({ type: 'error', error: { code: 'forbidden', message: 'user deactivated' } });
    const later = rawSocket();
    await tick(0);
    later.send({ type: 'auth', token: fake.token() });
    await tick(0);
    expect(later.received).toEqual([{ type: 'error', error: { code: 'forbidden', message: 'user inactive' } }]);
  });

  it('closes open connections with 1001 at reset()', async () => {
    const raw = await signedIn();
    fake.reset();
    await tick(0);
    expect(raw.closed).toEqual({ code: 1001, reason: 'server reset' });
  });

  it('with nobody signed in, refuses only as many tokens as asked, even after a connection closed', async () => {
    const gone = await signedIn();
    gone.socket.close();
    await tick(0);
    fake.reject();
    const refused = rawSocket();
    await tick(0);
    refused.send({ type: 'auth', token: fake.token() });
    await tick(0);
    expect(refused.closed?.code).toBe(4401);
    await signedIn();
  });

  it('keeps connections open when setOnline(true) is called online', async () => {
    const raw = await signedIn();
    fake.setOnline(true);
    await tick(0);
    expect(raw.closed).toBeNull();
  });

  it('refuses an empty token as no token', async () => {
    const raw = rawSocket();
    await tick(0);
    raw.send({ type: 'auth', token: '' });
    await tick(0);
    expect(raw.received).toEqual([{ type: 'error', error: { code: 'unauthenticated', message: 'no token' } }]);
  });

  it('counts an opaque token’s lifetime from the whole second', async () => {
    vi.setSystemTime(NOON + 500);
    const raw = rawSocket();
    await tick(0);
    raw.send({ type: 'auth', token: 'opaque' });
    await tick(0);
    expect(raw.received[0]).toMatchObject({ type: 'auth.ok', exp: NOON / 1000 + 300 });
  });

  it('never shortens the session at a refresh, and takes refreshes where one token has no subject', async () => {
    vi.setSystemTime(NOON);
    const raw = await signedIn(fake.token({ ttl: 600 }));
    raw.send({ type: 'auth.refresh', token: fake.token({ ttl: 60 }) });
    raw.send({ type: 'auth.refresh', token: 'opaque' });
    await tick(0);
    expect(raw.received.slice(1)).toEqual([
      expect.objectContaining({ type: 'auth.ok', exp: NOON / 1000 + 600 }),
      expect.objectContaining({ type: 'auth.ok', exp: NOON / 1000 + 600 }),
    ]);
    const opaque = await signedIn('opaque');
    opaque.send({ type: 'auth.refresh', token: fake.token() });
    await tick(0);
    expect(opaque.received.map((frame) => frame.type)).toEqual(['auth.ok', 'auth.ok']);
  });

  it('keeps a token that outlives setTimeout open until its exp', async () => {
    vi.setSystemTime(NOON);
    const raw = await signedIn(fake.token({ ttl: 30 * 86_400 }));
    await tick(30 * 86_400_000 - 1);
    expect(raw.closed).toBeNull();
    await tick(1);
    expect(raw.closed?.code).toBe(4401);
  });

  it('tells the handler why its signal aborted', async () => {
    let signal: AbortSignal | undefined;
    fake.use({ 'chat.history': (_payload, context) => ((signal = context.signal), new Promise(() => undefined)) });
    const raw = await signedIn();
    raw.send({ type: 'req', id: 'a', action: 'chat.history', payload: { room: 'general' } });
    await tick(0);
    fake.drop();
    expect((signal?.reason as Error).message).toBe('the connection closed (1006)');
  });

  it('sends nothing more once it announced a close, nor a second close, and reads nothing more', async () => {
    let finish: (value: { messages: [] }) => void = () => undefined;
    fake.use({ 'chat.history': () => new Promise((resolve) => (finish = resolve)) });
    const raw = await signedIn();
    raw.send({ type: 'req', id: 'a', action: 'chat.history', payload: { room: 'general' } });
    await tick(0);
    fake.setLatency(50);
    fake.close(4429, 'slow down');
    // Without the latency now, anything sent after the close was announced would overtake it.
    fake.setLatency(0);
    finish({ messages: [] });
    fake.close(4403, 'and again');
    raw.send({ type: 'ping' });
    await tick(50);
    expect(raw.received.slice(1)).toEqual([{ type: 'error', error: { code: 'rate_limited', message: 'slow down' } }]);
    expect(raw.closed).toEqual({ code: 4429, reason: 'slow down' });
    expect(fake.connections[0]!.frames.map((frame) => frame.type)).toEqual(['auth', 'req']);
  });

  it('records a drop as a 1006 from the server, without a reason', async () => {
    await signedIn();
    fake.drop();
    await tick(0);
    expect(fake.connections[0]!.closed).toEqual({ code: 1006, reason: '', by: 'server' });
  });

  it('truncates a long unknown action name in its answer', async () => {
    const raw = await signedIn();
    raw.send({ type: 'req', id: 'a', action: `x.${'y'.repeat(100)}`, payload: {} });
    await tick(0);
    expect(raw.received.at(-1)).toMatchObject({ error: { code: 'unknown_action', message: `unknown action "x.${'y'.repeat(62)}"` } });
  });

  it('treats a bad frame reusing an id in flight as a bad id', async () => {
    fake.use({ 'chat.history': () => new Promise(() => undefined) });
    const raw = await signedIn();
    raw.send({ type: 'req', id: 'a', action: 'chat.history', payload: { room: 'general' } });
    raw.send({ type: 'req', id: 'a', payload: {} });
    await tick(0);
    expect(raw.received.at(-1)).toEqual({ type: 'error', error: { code: 'bad_request', message: 'request id "a" is already in flight' } });
    expect(raw.closed?.code).toBe(4400);
  });

  it('without keys, runs a request every time it comes, key or not, and gives the handler no key', async () => {
    runs = 0;
    const contexts: object[] = [];
    fake.use({ 'chat.history': (_payload, context) => (runs++, contexts.push(context), { messages: [] }) });
    const raw = await signedIn();
    raw.send({ type: 'req', id: 'a', action: 'chat.history', payload: { room: 'general' }, key: 'k' });
    await tick(0);
    raw.send({ type: 'req', id: 'b', action: 'chat.history', payload: { room: 'general' }, key: 'k' });
    await tick(0);
    expect(runs).toBe(2);
    expect('key' in contexts[0]!).toBe(false);
  });

  it.each([
    ['null', null, { code: 'internal', message: 'internal error' }],
    ['a RequestError without a string code', Object.assign(new Error('x'), { name: 'RequestError', code: 5 }), { code: 'internal', message: 'internal error' }],
    ['a plain RequestError-shaped object', { name: 'RequestError', code: 'not_found', retryAfterMs: '5' }, { code: 'not_found', message: 'not_found' }],
    ['an error with a string code that is no RequestError', Object.assign(new Error('no such file'), { code: 'ENOENT' }), { code: 'internal', message: 'internal error' }],
  ])('answers a handler that throws %s', async (_name, thrown, error) => {
    fake.use({
      'chat.history': () => {
        throw thrown;
      },
    });
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const raw = await signedIn();
    raw.send({ type: 'req', id: 'a', action: 'chat.history', payload: { room: 'general' } });
    await tick(0);
    expect(raw.received.at(-1)).toEqual({ type: 'res', id: 'a', ok: false, error });
    vi.mocked(console.error).mockRestore();
  });
});
