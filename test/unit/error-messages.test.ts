/**
 * Every error the client produces says what happened in words a developer can act on: which
 * action, which permission and resource, how long it waited, why it was not re-sent.
 */
import { describe, expect, it } from 'vitest';
import { authOk, grantsOf, tick } from './fake-server';
import { useFakeServer } from './harness';

const { server, start } = useFakeServer();
const messageOf = (error: unknown) => (error as Error).message;

describe('error messages', () => {
  it('name the action, the permission, the resource and that the refusal was local', async () => {
    server.script({ onAuth: (token) => authOk(token, grantsOf(1, ['chat.view_message'])) });
    const { client } = start();
    await tick(10);
    const scoped = messageOf(await client.request('chat.send', { room: 'general', text: 'x' }).catch((e: unknown) => e));
    expect(scoped).toContain('"chat.send"');
    expect(scoped).toContain('chat.send_message');
    expect(scoped).toContain('room:general');
    expect(scoped).toContain('locally');
    expect(scoped).not.toContain('by the server');
  });

  it('give the action and the timeout of a request that got no answer', async () => {
    server.script({ onRequest: () => null });
    const { client } = start();
    await tick(10);
    const outcome = client.request('chat.history', { room: 'general' }, { timeout: 1_500 }).catch((e: unknown) => e);
    await tick(1_501);
    const message = messageOf(await outcome);
    expect(message).toContain('chat.history');
    expect(message).toContain('1500 ms');
  });

  it('give the limit of a full offline queue', async () => {
    const { client } = start({ maxQueued: 3 });
    for (let i = 0; i < 3; i++) void client.request('chat.history', { room: 'general' }).catch(() => {});
    const error = await client.request('chat.history', { room: 'general' }).catch((e: unknown) => e);
    const message = messageOf(error);
    expect(message).toContain('3');
    expect(message).toMatch(/queue/);
    expect(error).toMatchObject({ name: 'QueueFullError', code: 'queue_full', limit: 3 });
  });

  it('say why a request lost in a drop was not re-sent: not idempotent', async () => {
    server.script({ onRequest: () => null });
    const { client } = start({ retry: { minDelay: 100, maxDelay: 100 } });
    await tick(10);
    const outcome = client.request('chat.send', { room: 'general', text: 'x' }).catch((e: unknown) => e);
    await tick(10);
    server.last.close(1006);
    const message = messageOf(await outcome);
    expect(message).toContain('chat.send');
    expect(message).toContain('not idempotent');
  });

  it('say why a request lost in a drop was not re-sent: it had been re-sent once already', async () => {
    server.script({ onRequest: () => null });
    const { client } = start({ retry: { minDelay: 100, maxDelay: 100 } });
    await tick(10);
    const outcome = client.request('chat.history', { room: 'general' }, { timeout: 60_000 }).catch((e: unknown) => e);
    await tick(10);
    server.last.close(1006);
    await tick(300);
    server.last.close(1006);
    const message = messageOf(await outcome);
    expect(message).toContain('chat.history');
    expect(message).toContain('re-sent once');
  });
});
