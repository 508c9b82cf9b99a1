import { describe, expect, it, vi } from 'vitest';
import { createClient } from 'permsocket';
import { chatContract } from '../../demo/contract';
import { WS_URL, authOk, grantsOf, jwt, nowSeconds, tick } from './fake-server';
import { useFakeServer } from './harness';

const { server, start } = useFakeServer();
const message = { id: 'm1', room: 'general', text: 'hi', user: 'bob', at: 1 };

describe('events', () => {
  it('delivers contract events to onEvent listeners until they unsubscribe', async () => {
    const { client } = start();
    await tick(10);
    const received: string[] = [];
    const off = client.onEvent('chat.message', (data) => received.push(data.message.text));
    server.last.send({ type: 'event', name: 'chat.message', data: { message } });
    await tick(10);
    off();
    server.last.send({ type: 'event', name: 'chat.message', data: { message } });
    await tick(10);
    expect(received).toEqual(['hi']);
  });

  it('lets listeners passed in the options see the very first connect', async () => {
    const ready = vi.fn();
    const states: string[] = [];
    const onMessage = vi.fn();
    const client = createClient({
      url: WS_URL,
      contract: chatContract,
      getToken: () => jwt({ sub: '1', exp: nowSeconds() + 300 }),
      on: { ready, state: (s) => states.push(s) },
      onEvent: { 'chat.message': onMessage },
    });
    await tick(10);
    server.last.send({ type: 'event', name: 'chat.message', data: { message } });
    await tick(10);
    expect(states[0]).toBe('connecting');
    expect(ready).toHaveBeenCalledWith({ user: { id: '1', name: 'alice' }, permissions: client.permissions });
    expect(onMessage).toHaveBeenCalledWith({ message });
    client.close();
  });

  it('removes a client event listener with the function on() returns', async () => {
    const { client } = start();
    const seen: string[] = [];
    const off = client.on('state', (s) => seen.push(s));
    await tick(10);
    off();
    client.close();
    expect(seen).toEqual(['authenticating', 'ready']);
  });

  it('reports close events with their code and reason', async () => {
    const closes: { code: number; reason: string }[] = [];
    start({ on: { close: (c) => closes.push(c) }, retry: { minDelay: 100, maxDelay: 100 } });
    await tick(10);
    server.last.close(1012, 'restarting');
    await tick(10);
    expect(closes).toEqual([{ code: 1012, reason: 'restarting' }]);
  });
});

describe('malformed frames', () => {
  it.each([
    ['invalid JSON', '{"type":'],
    ['a JSON array', '[1,2]'],
    ['a frame without type', '{"version":1}'],
    ['an unknown frame type', '{"type":"surprise"}'],
    ['perms with bad grants', '{"type":"perms","version":2,"grants":3}'],
    ['an undeclared event', '{"type":"event","name":"chat.unknown","data":{}}'],
  ])('drops %s, reports a ProtocolError and keeps the connection', async (_name, text) => {
    const errors: { name: string; message: string }[] = [];
    const { client } = start({ on: { error: (e) => errors.push(e) } });
    await tick(10);
    server.last.sendRaw(text);
    await tick(10);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.name).toBe('ProtocolError');
    expect(client.state).toBe('ready');
    await expect(client.request('chat.history', { room: 'general' })).resolves.toBeDefined();
  });

  it('says what was expected and what came', async () => {
    const errors: string[] = [];
    start({ on: { error: (e) => errors.push(e.message) } });
    await tick(10);
    server.last.sendRaw('{"type":"perms","version":2,"grants":3}');
    await tick(10);
    expect(errors[0]).toContain(`"perms" expects 'grants' to be an array of strings, got number`);
  });

  it('names an event the contract does not declare when it drops it', async () => {
    const errors: string[] = [];
    start({ on: { error: (e) => errors.push(e.message) } });
    await tick(10);
    server.last.sendRaw('{"type":"event","name":"chat.unknown","data":{}}');
    await tick(10);
    expect(errors).toEqual(['dropped an event the contract does not declare: "chat.unknown"']);
  });

  it('drops a binary frame with a ProtocolError that says it expected text', async () => {
    const errors: string[] = [];
    const { client } = start({ on: { error: (e) => errors.push(`${e.name}: ${e.message}`) } });
    await tick(10);
    server.last.sendRaw(new ArrayBuffer(4));
    await tick(10);
    expect(errors).toEqual(['ProtocolError: expected a text frame, got binary data']);
    expect(client.state).toBe('ready');
  });

  it('keeps working when an app listener throws', async () => {
    const reported: unknown[] = [];
    const original = globalThis.reportError;
    globalThis.reportError = (e: unknown) => void reported.push(e);
    try {
      const { client } = start();
      client.onEvent('chat.message', () => {
        throw new Error('bug in the app');
      });
      await tick(10);
      server.last.send({ type: 'event', name: 'chat.message', data: { message } });
      await tick(10);
      expect(reported).toEqual([expect.objectContaining({ message: 'bug in the app' })]);
      await expect(client.request('chat.history', { room: 'general' })).resolves.toBeDefined();
    } finally {
      globalThis.reportError = original;
    }
  });
});

describe('listeners that close the client', () => {
  it('stays closed when a state listener closes it on the way to reconnecting', async () => {
    const { client } = start({ on: { state: (state) => state === 'reconnecting' && client.close() } });
    await tick(10);
    server.last.close(1001);
    await tick(60_000);
    expect(client.state).toBe('closed');
    expect(server.connections).toHaveLength(1);
  });

  it('stays closed when a state listener closes it after a 4401', async () => {
    const { client } = start({ on: { state: (state) => state === 'reconnecting' && client.close() } });
    await tick(10);
    server.last.close(4401);
    await tick(60_000);
    expect(client.state).toBe('closed');
    expect(server.connections).toHaveLength(1);
  });

  it('stays closed when a close listener closes it', async () => {
    const { client } = start({ on: { close: () => client.close() } });
    await tick(10);
    server.last.close(1006);
    await tick(60_000);
    expect(client.state).toBe('closed');
    expect(server.connections).toHaveLength(1);
  });

  it('leaves no timer running when a ready listener closes it', async () => {
    const { client } = start({ on: { ready: () => client.close() } });
    await tick(10);
    expect(client.state).toBe('closed');
    expect(vi.getTimerCount()).toBe(0);
    await tick(60_000);
    expect(server.last.frames.map((f) => f.type)).toEqual(['auth']);
  });

  it('rejects the rest of the queue with ConnectionLostError when a permission-denied listener closes it mid-flush', async () => {
    server.script({ onAuth: (token) => authOk(token, grantsOf(1, ['chat.view_message'])) });
    const { client } = start({ on: { 'permission-denied': () => client.close() } });
    const send = client.request('chat.send', { room: 'general', text: 'x' }).catch((e: unknown) => e);
    const history = client.request('chat.history', { room: 'general' }).catch((e: unknown) => e);
    await tick(10);
    expect(await send).toMatchObject({ name: 'PermissionDeniedError', source: 'local' });
    expect(await history).toMatchObject({ name: 'ConnectionLostError' });
    expect(server.last.frames.filter((f) => f.type === 'req')).toEqual([]);
  });
});
