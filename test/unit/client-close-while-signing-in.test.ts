/**
 * close() while getToken is still running wins: the token that comes late opens no socket, and a
 * getToken that fails late reports nothing and schedules nothing.
 */
import { describe, expect, it, vi } from 'vitest';
import { jwt, nowSeconds, tick } from './fake-server';
import { useFakeServer } from './harness';

const { server, start } = useFakeServer();

/** A getToken whose first call waits until the test settles it. */
function slowToken() {
  let settle: { resolve(token: string): void; reject(error: Error): void } | undefined;
  const getToken = vi.fn(
    () =>
      new Promise<string>((resolve, reject) => {
        settle = { resolve, reject };
      }),
  );
  return { getToken, settle: () => settle! };
}

describe('close() while getToken is pending', () => {
  it('opens no socket with the token that arrives late', async () => {
    const { getToken, settle } = slowToken();
    const { client, states } = start({ getToken });
    await tick(10);
    expect(getToken).toHaveBeenCalledTimes(1);
    client.close();
    settle().resolve(jwt({ sub: '1', exp: nowSeconds() + 300 }));
    await tick(60_000);
    expect(server.connections).toHaveLength(0);
    expect(client.state).toBe('closed');
    expect(states).toEqual(['connecting', 'closed']);
  });

  it('ignores a getToken failure that arrives late: no error, no retry', async () => {
    const { getToken, settle } = slowToken();
    const errors: unknown[] = [];
    const { client, states } = start({ getToken, on: { error: (e) => errors.push(e) } });
    await tick(10);
    client.close();
    settle().reject(new Error('network down'));
    await tick(60_000);
    expect(errors).toEqual([]);
    expect(getToken).toHaveBeenCalledTimes(1);
    expect(server.connections).toHaveLength(0);
    expect(states).toEqual(['connecting', 'closed']);
  });

  it('ignores a late AuthError from getToken: the client stays closed, with no auth-error', async () => {
    const { getToken, settle } = slowToken();
    const authErrors: unknown[] = [];
    const { client } = start({ getToken, on: { 'auth-error': (e) => authErrors.push(e) } });
    await tick(10);
    client.close();
    const signedOut = new Error('signed out');
    signedOut.name = 'AuthError';
    settle().reject(signedOut);
    await tick(60_000);
    expect(authErrors).toEqual([]);
    expect(client.state).toBe('closed');
  });

  it('connects with a fresh token when connect() follows, not with the late one', async () => {
    const { getToken, settle } = slowToken();
    const { client } = start({ getToken });
    await tick(10);
    client.close();
    const first = settle();
    const fresh = jwt({ sub: '1', exp: nowSeconds() + 300, name: 'fresh' });
    getToken.mockImplementation(async () => fresh);
    client.connect();
    first.resolve(jwt({ sub: '1', exp: nowSeconds() + 300, name: 'stale' }));
    await tick(10);
    expect(client.state).toBe('ready');
    expect(server.connections).toHaveLength(1);
    expect(server.last.frames[0]).toEqual({ type: 'auth', token: fresh });
  });
});
