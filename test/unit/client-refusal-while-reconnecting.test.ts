/**
 * While reconnecting the client still holds the last snapshot: a request it refuses is rejected
 * at call time, not queued until the next sign-in.
 */
import { describe, expect, it } from 'vitest';
import { authOk, grantsOf, tick } from './fake-server';
import { useFakeServer } from './harness';

const { server, start } = useFakeServer();

describe('a refused request while reconnecting', () => {
  it('is rejected at once as a local denial and never sent after the reconnect', async () => {
    server.script({ onAuth: (token) => authOk(token, grantsOf(1, ['chat.view_message'])) });
    const denials: string[] = [];
    const { client } = start({ retry: { minDelay: 5_000, maxDelay: 5_000 }, on: { 'permission-denied': (d) => void denials.push(d.source) } });
    await tick(10);
    server.last.close(1006);
    await tick(10);
    expect(client.state).toBe('reconnecting');
    let outcome: unknown;
    void client.request('chat.send', { room: 'general', text: 'x' }).catch((e: unknown) => (outcome = e));
    await tick(0);
    expect(client.state).toBe('reconnecting');
    expect(outcome).toMatchObject({ name: 'PermissionDeniedError', code: 'permission_denied', source: 'local', permission: 'chat.send_message' });
    expect(denials).toEqual(['local']);
    await tick(6_000);
    expect(client.state).toBe('ready');
    expect(server.last.frames.filter((f) => f.type === 'req')).toEqual([]);
  });

  it('still queues an allowed request until the reconnect', async () => {
    server.script({ onAuth: (token) => authOk(token, grantsOf(1, ['chat.view_message'])) });
    const { client } = start({ retry: { minDelay: 5_000, maxDelay: 5_000 } });
    await tick(10);
    server.last.close(1006);
    await tick(10);
    const history = client.request('chat.history', { room: 'general' }, { timeout: 60_000 });
    await tick(6_000);
    await expect(history).resolves.toEqual({ echo: { room: 'general' } });
    expect(server.connections).toHaveLength(2);
  });
});
