import { describe, expect, it } from 'vitest';
import { ConnectionLostError, PermissionDeniedError, QueueFullError, RequestError, TimeoutError, type PermissionDenial } from 'permsocket';
import { authOk, grantsOf, tick } from './fake-server';
import { useFakeServer } from './harness';

const { server, start } = useFakeServer();

const requestsOn = (connection: { frames: { type: string }[] }) =>
  connection.frames.filter((f): f is { type: 'req'; id: string; action: string; payload: unknown } => f.type === 'req');

describe('requests', () => {
  it('resolves with the result the server answered', async () => {
    const message = { id: 'm1', room: 'general', text: 'hi', user: 'alice', at: 1 };
    server.script({ onRequest: (f) => ({ type: 'res', id: f.id, ok: true, data: { message } }) });
    const { client } = start();
    await tick(10);
    await expect(client.request('chat.send', { room: 'general', text: 'hi' })).resolves.toEqual({ message });
    expect(requestsOn(server.last)[0]).toMatchObject({ action: 'chat.send', payload: { room: 'general', text: 'hi' } });
  });

  it('gives every request in flight on a connection its own id', async () => {
    server.script({ onRequest: () => null });
    const { client } = start();
    await tick(10);
    for (let i = 0; i < 20; i++) void client.request('chat.history', { room: 'general' }).catch(() => {});
    await tick(10);
    const ids = requestsOn(server.last).map((f) => f.id);
    expect(new Set(ids).size).toBe(20);
    for (const id of ids) expect(id.length).toBeLessThanOrEqual(64);
  });

  it('settles a request once: a duplicate answer is ignored', async () => {
    server.script({
      onRequest: (f, connection) => {
        connection.send({ type: 'res', id: f.id, ok: true, data: { n: 1 } });
        connection.send({ type: 'res', id: f.id, ok: false, error: { code: 'internal', message: 'late' } });
      },
    });
    const errors: unknown[] = [];
    const { client } = start({ on: { error: (e) => errors.push(e) } });
    await tick(10);
    await expect(client.request('chat.history', { room: 'general' })).resolves.toEqual({ n: 1 });
    await tick(10);
    expect(errors).toEqual([]);
  });

  it('rejects with TimeoutError when no answer comes in time, and ignores a late answer', async () => {
    let late: (() => void) | undefined;
    server.script({ onRequest: (f, c) => void (late = () => c.send({ type: 'res', id: f.id, ok: true, data: {} })) });
    const { client } = start();
    await tick(10);
    const outcome = client.request('chat.history', { room: 'general' }, { timeout: 1_000 }).catch((e: unknown) => e);
    await tick(1_001);
    expect(await outcome).toBeInstanceOf(TimeoutError);
    late?.();
    await tick(10);
  });

  it('rejects with the abort reason when the signal aborts', async () => {
    server.script({ onRequest: () => null });
    const { client } = start();
    await tick(10);
    const controller = new AbortController();
    const outcome = client.request('chat.history', { room: 'general' }, { signal: controller.signal }).catch((e: unknown) => e);
    controller.abort(new Error('user navigated away'));
    expect(await outcome).toMatchObject({ message: 'user navigated away' });
    const aborted = AbortSignal.abort(new Error('already'));
    await expect(client.request('chat.history', { room: 'general' }, { signal: aborted })).rejects.toThrow('already');
  });

  it('maps server error codes to error classes', async () => {
    server.script({
      onRequest: (f) => ({ type: 'res', id: f.id, ok: false, error: { code: 'not_found', message: 'no room "lobby"' } }),
    });
    const { client } = start();
    await tick(10);
    const error = await client.request('chat.history', { room: 'lobby' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestError);
    expect(error).toMatchObject({ code: 'not_found', message: 'no room "lobby"', action: 'chat.history' });
  });

  it('turns a server permission_denied into PermissionDeniedError and a permission-denied event from the server', async () => {
    server.script({
      onRequest: (f) => ({
        type: 'res',
        id: f.id,
        ok: false,
        error: { code: 'permission_denied', message: 'no', permission: 'chat.send_message', resource: 'room:general' },
      }),
    });
    const denials: PermissionDenial[] = [];
    const { client } = start({ on: { 'permission-denied': (d) => denials.push(d) } });
    await tick(10);
    const error = await client.request('chat.send', { room: 'general', text: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect(error).toMatchObject({ source: 'server', permission: 'chat.send_message', resource: 'room:general' });
    expect(denials).toEqual([
      { action: 'chat.send', permission: 'chat.send_message', resource: 'room:general', source: 'server', requestId: requestsOn(server.last)[0]!.id },
    ]);
  });
});

describe('the local permission check', () => {
  it('refuses a request the permissions do not allow before any frame leaves', async () => {
    server.script({ onAuth: (token) => authOk(token, grantsOf(1, ['chat.view_message'])) });
    const denials: PermissionDenial[] = [];
    const { client } = start({ on: { 'permission-denied': (d) => denials.push(d) } });
    await tick(10);
    const error = await client.request('chat.send', { room: 'general', text: 'x' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'PermissionDeniedError', source: 'local', permission: 'chat.send_message', resource: 'room:general' });
    expect(denials).toEqual([{ action: 'chat.send', permission: 'chat.send_message', resource: 'room:general', source: 'local' }]);
    await tick(10);
    expect(requestsOn(server.last)).toEqual([]);
  });

  it('applies scoped grants: dave may send in general but not in random', async () => {
    server.script({ onAuth: (token) => authOk(token, grantsOf(1, ['chat.view_message', 'chat.send_message@room:general'])) });
    const { client } = start();
    await tick(10);
    expect(client.can('chat.send', { room: 'general', text: 'x' })).toBe(true);
    expect(client.can('chat.send', { room: 'random', text: 'x' })).toBe(false);
    expect(client.can('chat.send')).toBe(false);
    expect(client.can('chat.history')).toBe(true);
    await expect(client.request('chat.send', { room: 'random', text: 'x' })).rejects.toMatchObject({ source: 'local' });
    await expect(client.request('chat.send', { room: 'general', text: 'x' })).resolves.toBeDefined();
  });

  it('checks requests queued before the first snapshot against it when it arrives', async () => {
    server.script({ onAuth: (token) => authOk(token, grantsOf(1, ['chat.view_message'])) });
    const { client } = start();
    const send = client.request('chat.send', { room: 'general', text: 'x' }).catch((e: unknown) => e);
    const history = client.request('chat.history', { room: 'general' });
    await tick(10);
    expect(await send).toMatchObject({ name: 'PermissionDeniedError', source: 'local' });
    await expect(history).resolves.toBeDefined();
    expect(requestsOn(server.last).map((f) => f.action)).toEqual(['chat.history']);
  });
});

describe('the offline queue', () => {
  it('sends requests made while connecting after auth.ok, in order', async () => {
    const { client } = start();
    const results = [1, 2, 3, 4, 5].map((n) => client.request('chat.send', { room: 'general', text: String(n) }));
    await tick(10);
    expect(requestsOn(server.last).map((f) => (f.payload as { text: string }).text)).toEqual(['1', '2', '3', '4', '5']);
    await Promise.all(results);
  });

  it('queues a request made by a listener during the flush behind the ones already waiting', async () => {
    server.script({ onAuth: (token) => authOk(token, grantsOf(1, ['chat.view_message'])) });
    let late: Promise<unknown> | undefined;
    const { client } = start({
      on: { 'permission-denied': () => void (late = client.request('chat.history', { room: 'late' })) },
    });
    const denied = client.request('chat.send', { room: 'general', text: 'x' }).catch((e: unknown) => e);
    const waiting = client.request('chat.history', { room: 'waiting' });
    await tick(10);
    await denied;
    await Promise.all([waiting, late]);
    expect(requestsOn(server.last).map((f) => (f.payload as { room: string }).room)).toEqual(['waiting', 'late']);
  });

  it('rejects with QueueFullError past maxQueued, keeping the queued ones', async () => {
    const { client } = start({ maxQueued: 2 });
    const first = client.request('chat.history', { room: 'general' });
    const second = client.request('chat.history', { room: 'random' });
    await expect(client.request('chat.history', { room: 'general' })).rejects.toBeInstanceOf(QueueFullError);
    await tick(10);
    await expect(Promise.all([first, second])).resolves.toHaveLength(2);
  });

  it('counts the time spent queued toward the timeout', async () => {
    server.script({ onAuth: () => null });
    const { client } = start();
    const outcome = client.request('chat.history', { room: 'general' }, { timeout: 2_000 }).catch((e: unknown) => e);
    await tick(2_001);
    expect(await outcome).toBeInstanceOf(TimeoutError);
  });

  it('rejects a non-idempotent request in flight with ConnectionLostError when the socket drops, never re-sending it', async () => {
    server.script({ onRequest: () => null });
    const { client } = start({ retry: { minDelay: 100, maxDelay: 100 } });
    await tick(10);
    const outcome = client.request('chat.send', { room: 'general', text: 'once' }).catch((e: unknown) => e);
    await tick(10);
    server.last.close(1006);
    expect(await outcome).toBeInstanceOf(ConnectionLostError);
    await tick(200);
    expect(server.connections).toHaveLength(2);
    expect(requestsOn(server.last)).toEqual([]);
  });

  it('re-sends an idempotent request in flight once, with a new id, after the next auth.ok', async () => {
    server.script({ onRequest: () => null });
    const { client } = start({ retry: { minDelay: 100, maxDelay: 100 } });
    await tick(10);
    const outcome = client.request('chat.history', { room: 'general' }, { timeout: 60_000 });
    await tick(10);
    const firstId = requestsOn(server.last)[0]!.id;
    server.script({});
    server.last.close(1006);
    await tick(200);
    const resent = requestsOn(server.last);
    expect(resent).toHaveLength(1);
    expect(resent[0]!.id).not.toBe(firstId);
    await expect(outcome).resolves.toEqual({ echo: { room: 'general' } });
  });

  it('gives up on an idempotent request whose second attempt is lost too', async () => {
    server.script({ onRequest: () => null });
    const { client } = start({ retry: { minDelay: 100, maxDelay: 100 } });
    await tick(10);
    const outcome = client.request('chat.history', { room: 'general' }, { timeout: 60_000 }).catch((e: unknown) => e);
    await tick(10);
    server.last.close(1006);
    await tick(200);
    server.last.close(1006);
    expect(await outcome).toBeInstanceOf(ConnectionLostError);
    await tick(200);
    expect(requestsOn(server.last)).toEqual([]);
  });

  it('rejects everything queued and in flight when the client is closed', async () => {
    server.script({ onRequest: () => null });
    const { client } = start();
    await tick(10);
    const inflight = client.request('chat.history', { room: 'general' }).catch((e: unknown) => e);
    client.close();
    expect(await inflight).toBeInstanceOf(ConnectionLostError);
    await expect(client.request('chat.history', { room: 'general' })).rejects.toBeInstanceOf(ConnectionLostError);
    expect(client.state).toBe('closed');
  });
});
