/**
 * close() then connect() while an attempt is still preparing (the URL function or getToken is
 * slow): what that attempt fetched belongs to the run that was closed, and the new run signs in
 * with its own URL and token.
 */
import { describe, expect, it, vi } from 'vitest';
import { WS_URL, jwt, nowSeconds, tick } from './fake-server';
import { useFakeServer } from './harness';

const { server, start } = useFakeServer();

describe('connect() again while the closed run was still preparing', () => {
  it('signs in on the new run when close() and connect() come while the URL function is pending', async () => {
    const url = vi.fn(() => new Promise<string>((resolve) => setTimeout(() => resolve(WS_URL), 1_000)));
    let user = 'alice';
    const getToken = vi.fn(async () => jwt({ sub: user, exp: nowSeconds() + 300 }));
    const { client } = start({ url, getToken });
    await tick(100);
    expect(url).toHaveBeenCalledTimes(1);
    client.close();
    user = 'bob';
    client.connect();
    await tick(2_100);
    expect(client.state).toBe('ready');
    expect(server.connections).toHaveLength(1);
    const auth = server.last.frames[0];
    expect(auth?.type).toBe('auth');
    // The token of the new run, fetched after connect(), not the one fetched before close().
    expect(auth?.type === 'auth' && JSON.parse(Buffer.from(auth.token.split('.')[1]!, 'base64url').toString()).sub).toBe('bob');
  });
});
