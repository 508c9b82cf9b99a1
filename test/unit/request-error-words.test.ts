/**
 * The message of a request's error tells the developer what became of it: whether it ever left
 * the client, and why a request lost in a drop was not sent again.
 */
import { describe, expect, it } from 'vitest';
import { authOk, tick } from './fake-server';
import { useFakeServer } from './harness';

const { server, start } = useFakeServer();

describe('the words of a request error', () => {
  it('says a request that timed out while queued was never sent', async () => {
    server.script({ onAuth: () => null });
    const { client } = start();
    const outcome = client.request('chat.send', { room: 'general', text: 'x' }, { timeout: 1_000 }).catch((e: Error) => e.message);
    await tick(1_001);
    expect(await outcome).toBe('"chat.send" got no answer within 1000 ms (it was never sent)');
  });

  it('says a request kept for its key was not sent again because its action is not idempotent, when the next server has no keys', async () => {
    server.script({ onAuth: (token) => ({ ...authOk(token), features: ['keys'] }), onRequest: () => null });
    const { client } = start({ retry: { minDelay: 100, maxDelay: 100 } });
    await tick(10);
    const outcome = client.request('chat.send', { room: 'general', text: 'x' }, { timeout: 60_000 }).catch((e: Error) => e.message);
    await tick(10);
    server.script({});
    server.last.close(1006);
    await tick(200);
    expect(await outcome).toBe('the connection dropped before "chat.send" was answered; it was not re-sent because the action is not idempotent');
  });
});
