import { describe, expect, it } from 'vitest';
import type { Message } from '../../demo/contract';
import { rawSocket, tick, useFake } from './harness';

const message: Message = { id: 'm1', room: 'general', text: 'hi', user: 'bob', at: 0 };
const { fake, connect } = useFake({ grants: ['chat.view_message@room:general'] });

async function ready(options: Parameters<typeof connect>[0] = {}) {
  const client = connect(options);
  await tick(0);
  expect(client.state).toBe('ready');
  return client;
}

describe('setGrants()', () => {
  it('pushes perms to the client, and client.can() follows', async () => {
    const client = await ready();
    expect(client.can('chat.send', { room: 'general', text: 'x' })).toBe(false);
    fake.setGrants(['chat.view_message', 'chat.send_message']);
    await tick(0);
    expect(client.permissions.version).toBe(2);
    expect(client.can('chat.send', { room: 'general', text: 'x' })).toBe(true);
    expect(fake.permissions.version).toBe(2);
  });

  it('pushes to every signed-in connection of the user, as to two open tabs', async () => {
    const first = await ready();
    const second = await ready();
    fake.setGrants(['chat.view_message']);
    await tick(0);
    expect([first.permissions.version, second.permissions.version]).toEqual([2, 2]);
    expect(second.can('chat.history', { room: 'random' })).toBe(true);
  });

  it('says which grant is malformed', () => {
    expect(() => fake.setGrants(['chat.send_message', 'send messages'])).toThrow(/"send messages" is not a grant/);
  });
});

describe('emit()', () => {
  it('delivers a contract event to the client', async () => {
    const seen: unknown[] = [];
    await ready({ onEvent: { 'chat.message': (data) => seen.push(data) } });
    fake.emit('chat.message', { message });
    await tick(0);
    expect(seen).toEqual([{ message }]);
  });

  it('delivers only to users allowed the audience, as the real servers filter room events', async () => {
    const seen: string[] = [];
    await ready({ onEvent: { 'chat.message': ({ message }) => seen.push(message.room) } });
    fake.emit('chat.message', { message: { ...message, room: 'random' } }, { permission: 'chat.view_message', resource: 'room:random' });
    fake.emit('chat.message', { message }, { permission: 'chat.view_message', resource: 'room:general' });
    await tick(0);
    expect(seen).toEqual(['general']);
  });

  it('brings a client that is behind on grants up to date before the event', async () => {
    const raw = rawSocket();
    await tick(0);
    raw.send({ type: 'auth', token: fake.token() });
    await tick(0);
    fake.setGrants(['chat.view_message'], { push: false });
    await tick(0);
    expect(raw.received.map((frame) => frame.type)).toEqual(['auth.ok']);
    fake.emit('chat.deleted', { room: 'random', id: 'm1' }, { permission: 'chat.view_message', resource: 'room:random' });
    await tick(0);
    expect(raw.received.map((frame) => frame.type)).toEqual(['auth.ok', 'perms', 'event']);
  });

  it('refuses a name the contract does not declare', () => {
    // @ts-expect-error: not an event of the contract
    expect(() => fake.emit('chat.typing', {})).toThrow(/"chat.typing" is not an event of the contract/);
  });
});

describe('drop() and setOnline()', () => {
  it('drops the connection with 1006, and the client comes back on a new one', async () => {
    const closes: number[] = [];
    const client = await ready({ on: { close: ({ code }) => closes.push(code) } });
    fake.drop();
    await tick(0);
    expect(closes).toEqual([1006]);
    expect(client.state).toBe('reconnecting');
    await tick(2_000);
    expect(client.state).toBe('ready');
    expect(fake.connections.map((connection) => connection.closed?.code ?? 'open')).toEqual([1006, 'open']);
  });

  it('keeps the network down until setOnline(true)', async () => {
    const client = await ready();
    fake.setOnline(false);
    await tick(60_000);
    expect(client.state).toBe('reconnecting');
    expect(fake.connections.length).toBeGreaterThan(2);
    expect(fake.connections.every((connection) => connection.closed?.code === 1006)).toBe(true);
    fake.setOnline(true);
    await tick(30_000);
    expect(client.state).toBe('ready');
  });
});

describe('close()', () => {
  it('announces a 4xxx close with the error frame: close(4429) is a rate limit', async () => {
    const raw = rawSocket();
    await tick(0);
    raw.send({ type: 'auth', token: fake.token() });
    await tick(0);
    fake.close(4429, 'slow down');
    await tick(0);
    expect(raw.received.at(-1)).toEqual({ type: 'error', error: { code: 'rate_limited', message: 'slow down' } });
    expect(raw.closed).toEqual({ code: 4429, reason: 'slow down' });
  });

  it('closes with 1001 by default, and the client reconnects', async () => {
    const client = await ready();
    fake.close();
    await tick(0);
    expect(fake.connections[0]!.closed).toEqual({ code: 1001, reason: 'server closing', by: 'server' });
    await tick(2_000);
    expect(client.state).toBe('ready');
  });
});

describe('reset()', () => {
  it('restores the grants and forgets connections and requests', async () => {
    const client = await ready();
    fake.setGrants(['*']);
    await tick(0);
    void client.request('chat.history', { room: 'general' }).catch(() => undefined);
    await tick(0);
    client.close();
    expect(fake.requests).toHaveLength(1);
    fake.reset();
    expect(fake.requests).toEqual([]);
    expect(fake.connections).toEqual([]);
    expect(fake.permissions.version).toBe(1);
    expect(fake.permissions.grants).toEqual(['chat.view_message@room:general']);
  });
});
