import { describe, expect, it } from 'vitest';
import { rawSocket, tick, useFake } from './harness';

const { fake } = useFake({ grants: ['chat.view_message'], handlers: { 'chat.history': () => ({ messages: [] }) } });

/** A raw socket, signed in. */
async function signedIn() {
  const raw = rawSocket();
  await tick(0);
  raw.send({ type: 'auth', token: fake.token() });
  await tick(0);
  expect(raw.received.map((frame) => frame.type)).toEqual(['auth.ok']);
  raw.received.length = 0;
  return raw;
}

const errorFrame = (code: string) => ({ type: 'error', error: { code, message: expect.any(String) } });

describe('the fake, frame for frame', () => {
  it('accepts a client that does not offer permsocket.v1, then closes with error + 4406', async () => {
    const raw = rawSocket([]);
    await tick(0);
    expect(raw.received).toEqual([errorFrame('unsupported_protocol')]);
    expect(raw.closed?.code).toBe(4406);
  });

  it.each([
    ['a req', { type: 'req', id: '1', action: 'chat.history', payload: { room: 'general' } }],
    ['a ping', { type: 'ping' }],
    ['an auth.refresh', { type: 'auth.refresh', token: 'x' }],
  ])('closes with error + 4401 on %s before auth', async (_name, frame) => {
    const raw = rawSocket();
    await tick(0);
    raw.send(frame);
    await tick(0);
    expect(raw.received).toEqual([errorFrame('unauthenticated')]);
    expect(raw.closed?.code).toBe(4401);
  });

  it.each([
    ['an unknown frame type', { type: 'subscribe' }],
    ['a second auth', { type: 'auth', token: 'again' }],
    ['a req without an id', { type: 'req', action: 'chat.history', payload: {} }],
    ['invalid JSON', '{not json'],
  ])('closes with error + 4400 on %s', async (_name, frame) => {
    const raw = await signedIn();
    raw.send(frame);
    await tick(0);
    expect(raw.received).toEqual([errorFrame('bad_request')]);
    expect(raw.closed?.code).toBe(4400);
  });

  it('closes with 4400 on a request id that is still in flight', async () => {
    fake.use({ 'chat.history': () => new Promise(() => undefined) });
    const raw = await signedIn();
    raw.send({ type: 'req', id: 'same', action: 'chat.history', payload: { room: 'general' } });
    raw.send({ type: 'req', id: 'same', action: 'chat.history', payload: { room: 'general' } });
    await tick(0);
    expect(raw.received).toEqual([{ type: 'error', error: { code: 'bad_request', message: 'request id "same" is already in flight' } }]);
    expect(raw.closed?.code).toBe(4400);
  });

  it('answers a req without an action with a bad_request res and stays open', async () => {
    const raw = await signedIn();
    raw.send({ type: 'req', id: 'a', payload: {} });
    await tick(0);
    expect(raw.received).toEqual([{ type: 'res', id: 'a', ok: false, error: { code: 'bad_request', message: expect.any(String) } }]);
    expect(raw.closed).toBeNull();
  });

  it('answers ping with pong', async () => {
    const raw = await signedIn();
    raw.send({ type: 'ping' });
    await tick(0);
    expect(raw.received).toEqual([{ type: 'pong' }]);
  });

  it('closes with 1009 on a frame over 64 KiB', async () => {
    const raw = await signedIn();
    raw.send({ type: 'req', id: 'a', action: 'chat.history', payload: { room: 'x'.repeat(70_000) } });
    await tick(0);
    expect(raw.closed?.code).toBe(1009);
  });

  it('closes with 1003 on a binary frame, says why, and reads nothing after it', async () => {
    const raw = await signedIn();
    raw.socket.send(new Uint8Array([1, 2, 3]));
    raw.send({ type: 'ping' });
    await tick(0);
    const reason = 'binary frames are not part of the protocol';
    expect(raw.closed).toEqual({ code: 1003, reason });
    expect(fake.connections[0]!.closed).toEqual({ code: 1003, reason, by: 'server' });
    expect(fake.connections[0]!.frames.map((frame) => frame.type)).toEqual(['auth']);
  });

  it('says why it closes on a second auth', async () => {
    const raw = await signedIn();
    raw.send({ type: 'auth', token: fake.token() });
    await tick(0);
    expect(raw.received).toEqual([{ type: 'error', error: { code: 'bad_request', message: 'already authenticated' } }]);
  });

  it('names a bad req before auth.ok a req', async () => {
    const raw = rawSocket();
    await tick(0);
    raw.send({ type: 'req', id: 'a', payload: {} });
    await tick(0);
    expect(raw.received).toEqual([{ type: 'error', error: { code: 'unauthenticated', message: '"req" before auth.ok' } }]);
  });

  it('records every valid frame of a connection, and no other', async () => {
    const raw = await signedIn();
    raw.send({ type: 'req', id: 'a', payload: {} });
    raw.send({ type: 'ping' });
    await tick(0);
    expect(fake.connections[0]!.frames).toEqual([{ type: 'auth', token: expect.any(String) }, { type: 'ping' }]);
    expect(fake.connections[0]!.protocols).toEqual(['permsocket.v1']);
    expect(fake.connections[0]!.url).toBe('wss://app.test/ws');
  });
});
