/** close() is the app's own decision: it is no error, so nothing reaches `error` or `auth-error`. */
import { describe, expect, it } from 'vitest';
import { tick } from './fake-server';
import { useFakeServer } from './harness';

const { server, start } = useFakeServer();

describe('close()', () => {
  it('emits no error and no auth-error, even with requests pending', async () => {
    server.script({ onRequest: () => null });
    const errors: unknown[] = [];
    const { client } = start({ on: { error: (e) => errors.push(e), 'auth-error': (e) => errors.push(e) } });
    await tick(10);
    const pending = client.request('chat.history', { room: 'general' }).catch((e: unknown) => e);
    client.close();
    expect(await pending).toMatchObject({ name: 'ConnectionLostError', code: 'connection_lost' });
    await tick(60_000);
    expect(errors).toEqual([]);
    expect(client.state).toBe('closed');
  });

  it('emits no error when it closes a client that is still connecting', async () => {
    const errors: unknown[] = [];
    const { client } = start({ on: { error: (e) => errors.push(e) } });
    client.close();
    await tick(60_000);
    expect(errors).toEqual([]);
  });
});
