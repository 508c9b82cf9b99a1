import { describe, expect, it } from 'vitest';
import { ConnectionLostError, TimeoutError } from 'permsocket';
import type { ClientFrame, RequestFrame } from 'permsocket/protocol';
import { authOk, tick, type FakeConnection } from './fake-server';
import { useFakeServer } from './harness';

const { server, start } = useFakeServer();

const requestsOn = (connection: FakeConnection) => connection.frames.filter((f: ClientFrame): f is RequestFrame => f.type === 'req');
/** A server that lists the keys feature, and sits on requests unless told otherwise. */
const withKeys = { onAuth: (token: string) => ({ ...authOk(token), features: ['keys'] }), onRequest: () => null };

/**
 * A ready client of a keys server, retrying after `delay` ms, with one chat.send of `text` in
 * flight; `outcome` is its value or its error.
 */
async function sendInFlight(text: string, { delay = 100, ...options }: { delay?: number; timeout?: number; signal?: AbortSignal } = {}) {
  server.script(withKeys);
  const { client } = start({ retry: { minDelay: delay, maxDelay: delay } });
  await tick(10);
  const outcome = client.request('chat.send', { room: 'general', text }, { timeout: 60_000, ...options }).catch((e: unknown) => e);
  await tick(10);
  return { client, outcome };
}

describe('request keys against a server that offers them', () => {
  it('sends every request with a key of its own', async () => {
    server.script({ onAuth: withKeys.onAuth });
    const { client } = start();
    await tick(10);
    await client.request('chat.history', { room: 'general' });
    await client.request('chat.send', { room: 'general', text: 'hi' });
    const keys = requestsOn(server.last).map((frame) => frame.key);
    expect(keys).toHaveLength(2);
    for (const key of keys) expect(key).toMatch(/^.{1,64}$/);
    expect(keys[0]).not.toBe(keys[1]);
  });

  it('re-sends a non-idempotent request in flight at a drop once after the next auth.ok, with the same key and a new id', async () => {
    server.script(withKeys);
    const { client } = start({ retry: { minDelay: 100, maxDelay: 100 } });
    await tick(10);
    const outcome = client.request('chat.send', { room: 'general', text: 'once' }, { timeout: 60_000 });
    await tick(10);
    const [first] = requestsOn(server.last);
    server.last.close(1006);
    await tick(50);
    // Not before the next auth.ok: the backoff is still running.
    expect(server.connections).toHaveLength(1);
    server.script({ onAuth: withKeys.onAuth });
    await tick(200);
    const resent = requestsOn(server.last);
    expect(resent).toHaveLength(1);
    expect(resent[0]).toMatchObject({ action: 'chat.send', payload: { room: 'general', text: 'once' }, key: first!.key });
    expect(resent[0]!.id).not.toBe(first!.id);
    await expect(outcome).resolves.toEqual({ echo: { room: 'general', text: 'once' } });
  });

  it('re-sends it only once: a second drop rejects it with ConnectionLostError', async () => {
    const { outcome } = await sendInFlight('twice');
    server.last.close(1006);
    await tick(200);
    expect(requestsOn(server.last)).toHaveLength(1);
    server.last.close(1006);
    expect(await outcome).toMatchObject({ name: 'ConnectionLostError', message: expect.stringContaining('re-sent once already') });
    await tick(200);
    expect(requestsOn(server.last)).toEqual([]);
  });

  it('does not re-send past its timeout, which keeps running from the call', async () => {
    const { client, outcome } = await sendInFlight('late', { delay: 1_000, timeout: 800 });
    server.last.close(1006);
    await tick(800);
    expect(await outcome).toBeInstanceOf(TimeoutError);
    expect(await outcome).toMatchObject({ sent: true });
    await tick(1_100);
    expect(client.state).toBe('ready');
    expect(server.connections).toHaveLength(2);
    expect(requestsOn(server.last)).toEqual([]);
  });

  it('never re-sends a request that was aborted', async () => {
    const controller = new AbortController();
    const { client, outcome } = await sendInFlight('x', { signal: controller.signal });
    server.last.close(1006);
    await tick(10);
    controller.abort(new Error('gave up'));
    expect(await outcome).toMatchObject({ message: 'gave up' });
    await tick(200);
    expect(client.state).toBe('ready');
    expect(requestsOn(server.last)).toEqual([]);
  });

  it('rejects a non-idempotent request with ConnectionLostError, unsent, when the next server offers no keys', async () => {
    server.script(withKeys);
    const { client } = start({ retry: { minDelay: 100, maxDelay: 100 } });
    await tick(10);
    const send = client.request('chat.send', { room: 'general', text: 'x' }, { timeout: 60_000 }).catch((e: unknown) => e);
    const history = client.request('chat.history', { room: 'general' }, { timeout: 60_000 });
    await tick(10);
    server.script({});
    server.last.close(1006);
    await tick(200);
    expect(await send).toBeInstanceOf(ConnectionLostError);
    // The idempotent one is re-sent as always, now without a key.
    expect(requestsOn(server.last)).toEqual([expect.objectContaining({ action: 'chat.history' })]);
    expect(requestsOn(server.last)[0]).not.toHaveProperty('key');
    await expect(history).resolves.toEqual({ echo: { room: 'general' } });
  });
});

describe('against a server without keys', () => {
  it('sends no key and re-sends only idempotent requests, as before', async () => {
    server.script({ onRequest: () => null });
    const { client } = start({ retry: { minDelay: 100, maxDelay: 100 } });
    await tick(10);
    const send = client.request('chat.send', { room: 'general', text: 'x' }, { timeout: 60_000 }).catch((e: unknown) => e);
    await tick(10);
    expect(requestsOn(server.last)[0]).not.toHaveProperty('key');
    server.script({});
    server.last.close(1006);
    expect(await send).toBeInstanceOf(ConnectionLostError);
    await tick(200);
    expect(requestsOn(server.last)).toEqual([]);
  });
});
