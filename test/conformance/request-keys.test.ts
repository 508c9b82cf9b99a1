/**
 * Request keys (PROTOCOL.md, "Request keys") over raw sockets, against every reference server
 * that lists "keys" in auth.ok.features; a server that lists none skips the keyed cases (its
 * `features`, when present, must still be an array of strings).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, login, type Frame, type Session } from './helpers';
import type { TestServer } from './server';
import { servers } from './servers';

describe.each(servers)('$name server request keys', ({ start }) => {
  let server: TestServer;
  let alice: Session;
  let carol: Session;
  let features: unknown;
  const sockets: RawClient[] = [];

  beforeAll(async () => {
    server = await start({ env: { RATE_LIMIT: '1000,1000' } });
    alice = await login(server, 'alice');
    carol = await login(server, 'carol');
    const { client, authOk } = await RawClient.signedIn(server, alice.accessToken);
    features = authOk.features;
    client.close();
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await server?.stop();
  });

  const keys = () => Array.isArray(features) && features.includes('keys');
  const socket = async (session: Session) => {
    const { client } = await RawClient.signedIn(server, session.accessToken);
    sockets.push(client);
    return client;
  };
  const keyedSend = (client: RawClient, id: string, text: string, key: unknown) => {
    client.send({ type: 'req', id, action: 'chat.send', payload: { room: 'general', text }, key });
    return client.next((frame: Frame) => frame.type === 'res' && frame.id === id);
  };
  const countInHistory = async (client: RawClient, text: string) => {
    const history = await client.request('chat.history', { room: 'general' });
    return (history.data.messages as { text: string }[]).filter((message) => message.text === text).length;
  };

  it('lists its features in auth.ok as an array of strings, or not at all', () => {
    if (features !== undefined) {
      expect(Array.isArray(features)).toBe(true);
      for (const feature of features as unknown[]) expect(typeof feature).toBe('string');
    }
  });

  it('answers a chat.send repeated with its key on a new connection with the first message, stored once', async ({ skip }) => {
    if (!keys()) skip();
    const key = `conformance-${server.name}-repeat`;
    const first = await socket(alice);
    const original = await keyedSend(first, 'k1', 'keyed once', key);
    expect(original).toMatchObject({ ok: true, data: { message: { text: 'keyed once', user: 'alice' } } });
    first.close();
    const second = await socket(alice);
    const repeat = await keyedSend(second, 'k2', 'keyed once', key);
    expect(repeat).toEqual({ ...original, id: 'k2' });
    expect(await countInHistory(second, 'keyed once')).toBe(1);
  });

  it('keeps the key after a restart: the repeat gets the stored message, not a second one', async ({ skip }) => {
    if (!keys()) skip();
    const key = `conformance-${server.name}-restart`;
    const before = await socket(alice);
    const original = await keyedSend(before, 'r1', 'keyed across a restart', key);
    await server.restart();
    const after = await socket(alice);
    const repeat = await keyedSend(after, 'r2', 'keyed across a restart', key);
    expect(repeat).toMatchObject({ ok: true, data: { message: original.data.message } });
    expect(await countInHistory(after, 'keyed across a restart')).toBe(1);
  });

  it('runs the same key of another user as a send of its own', async ({ skip }) => {
    if (!keys()) skip();
    const key = `conformance-${server.name}-shared`;
    const mine = await keyedSend(await socket(alice), 's1', 'shared key', key);
    const theirs = await keyedSend(await socket(carol), 's2', 'shared key', key);
    expect(mine.data.message.user).toBe('alice');
    expect(theirs.data.message.user).toBe('carol');
    expect(theirs.data.message.id).not.toBe(mine.data.message.id);
  });

  it.for([
    ['an empty string', ''],
    ['65 characters', 'k'.repeat(65)],
    ['a number', 42],
  ] as const)('answers a req whose key is %s with bad_request, storing nothing', async ([, key], { skip }) => {
    // Validating the key is part of supporting keys; a server without them may ignore the field.
    if (!keys()) skip();
    const client = await socket(alice);
    const text = `bad key ${JSON.stringify(key).slice(0, 10)}`;
    expect(await keyedSend(client, 'b1', text, key)).toMatchObject({ type: 'res', id: 'b1', ok: false, error: { code: 'bad_request' } });
    expect(await countInHistory(client, text)).toBe(0);
  });
});
