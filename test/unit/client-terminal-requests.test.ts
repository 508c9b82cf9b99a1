/**
 * A request made once the client has stopped says why: AuthError with the state's code after
 * `unauthenticated` or `forbidden` (the app must sign in again), ConnectionLostError after close().
 */
import { describe, expect, it } from 'vitest';
import { AuthError, ConnectionLostError, isPermsocketError } from 'permsocket';
import { tick } from './fake-server';
import { useFakeServer } from './harness';

const { server, start } = useFakeServer();

describe('request() after the client stopped', () => {
  it('rejects with AuthError code unauthenticated after the server refused a fresh token too', async () => {
    server.script({ onAuth: (_token, connection) => connection.close(4401) });
    const { client } = start();
    await tick(10);
    expect(client.state).toBe('unauthenticated');
    const error = await client.request('chat.history', { room: 'general' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect(error).not.toBeInstanceOf(ConnectionLostError);
    expect(error).toMatchObject({ name: 'AuthError', code: 'unauthenticated' });
    expect(isPermsocketError(error, 'AuthError')).toBe(true);
  });

  it('rejects with AuthError code unauthenticated after getToken said the user signed out', async () => {
    const { client } = start({ getToken: async () => Promise.reject(new AuthError('signed out')) });
    await tick(10);
    expect(client.state).toBe('unauthenticated');
    await expect(client.request('chat.history', { room: 'general' })).rejects.toMatchObject({ name: 'AuthError', code: 'unauthenticated' });
  });

  it('rejects with AuthError code forbidden after a 4403', async () => {
    const { client } = start();
    await tick(10);
    server.last.close(4403);
    await tick(10);
    expect(client.state).toBe('forbidden');
    const error = await client.request('chat.history', { room: 'general' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ name: 'AuthError', code: 'forbidden' });
  });

  it('rejects with ConnectionLostError after close(), and sends nothing', async () => {
    const { client } = start();
    await tick(10);
    client.close();
    const error = await client.request('chat.history', { room: 'general' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionLostError);
    expect(error).toMatchObject({ code: 'connection_lost' });
    expect(server.last.frames.filter((f) => f.type === 'req')).toEqual([]);
  });
});
