/**
 * A request that already settled (aborted or timed out) is gone for good: it is never sent on a
 * later connection, whether it was waiting in the queue or was in flight when the socket dropped.
 */
import { describe, expect, it } from 'vitest';
import { tick } from './fake-server';
import { useFakeServer } from './harness';

const { server, start } = useFakeServer();

const requestFrames = () => server.connections.flatMap((c) => c.frames.filter((f) => f.type === 'req'));

describe('a queued request that already settled', () => {
  it('is never sent after the next sign-in once it was aborted', async () => {
    server.script({ onAuth: () => null });
    const { client } = start({ ping: { timeout: 1_000 }, retry: { minDelay: 100, maxDelay: 100 } });
    await tick(10);
    const controller = new AbortController();
    const aborted = client.request('chat.history', { room: 'aborted' }, { signal: controller.signal, timeout: 60_000 }).catch((e: unknown) => e);
    const kept = client.request('chat.history', { room: 'kept' }, { timeout: 60_000 });
    controller.abort(new Error('the user left the page'));
    expect(await aborted).toMatchObject({ message: 'the user left the page' });
    // The server never answered auth: the client gives up on it and signs in on a new socket.
    server.script({});
    await tick(1_200);
    expect(client.state).toBe('ready');
    await expect(kept).resolves.toEqual({ echo: { room: 'kept' } });
    expect(requestFrames().map((f) => (f.payload as { room: string }).room)).toEqual(['kept']);
  });

  it('is never sent after the next sign-in once it timed out', async () => {
    server.script({ onAuth: () => null });
    const { client } = start({ ping: { timeout: 5_000 }, retry: { minDelay: 100, maxDelay: 100 } });
    await tick(10);
    const timedOut = client.request('chat.history', { room: 'late' }, { timeout: 1_000 }).catch((e: unknown) => e);
    const kept = client.request('chat.history', { room: 'kept' }, { timeout: 60_000 });
    await tick(1_001);
    expect(await timedOut).toMatchObject({ name: 'TimeoutError', code: 'timeout' });
    server.script({});
    await tick(5_200);
    expect(client.state).toBe('ready');
    await expect(kept).resolves.toEqual({ echo: { room: 'kept' } });
    expect(requestFrames().map((f) => (f.payload as { room: string }).room)).toEqual(['kept']);
  });
});

describe('an idempotent request in flight that already settled', () => {
  it('is not re-sent after a reconnect once it was aborted', async () => {
    server.script({ onRequest: () => null });
    const { client } = start({ retry: { minDelay: 100, maxDelay: 100 } });
    await tick(10);
    const controller = new AbortController();
    const outcome = client.request('chat.history', { room: 'general' }, { signal: controller.signal, timeout: 60_000 }).catch((e: unknown) => e);
    await tick(10);
    expect(requestFrames()).toHaveLength(1);
    controller.abort(new Error('gave up'));
    expect(await outcome).toMatchObject({ message: 'gave up' });
    server.script({});
    server.last.close(1006);
    await tick(300);
    expect(client.state).toBe('ready');
    expect(server.connections).toHaveLength(2);
    expect(server.last.frames.filter((f) => f.type === 'req')).toEqual([]);
  });

  it('is not re-sent after a reconnect once it timed out', async () => {
    server.script({ onRequest: () => null });
    const { client } = start({ retry: { minDelay: 100, maxDelay: 100 } });
    await tick(10);
    const outcome = client.request('chat.history', { room: 'general' }, { timeout: 1_000 }).catch((e: unknown) => e);
    await tick(1_001);
    expect(await outcome).toMatchObject({ name: 'TimeoutError' });
    server.script({});
    server.last.close(1006);
    await tick(300);
    expect(client.state).toBe('ready');
    expect(server.connections).toHaveLength(2);
    expect(server.last.frames.filter((f) => f.type === 'req')).toEqual([]);
  });
});
