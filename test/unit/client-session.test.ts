/**
 * The session across refreshes: which refreshed token counts as another user, a refresh answer
 * that a reconnect overtook, an auth.ok nobody asked for, a user renamed on refresh, and the words
 * of a failed refresh.
 */
import { describe, expect, it, vi } from 'vitest';
import { AuthError, type PermsocketError } from 'permsocket';
import { authOk, grantsOf, jwt, nowSeconds, tick } from './fake-server';
import { useFakeServer } from './harness';

const { server, start } = useFakeServer();

let serial = 0;
/** A JWT that expires `seconds` from now (distinct each call), for `sub` (none when null). */
const tokenFor = (seconds: number, sub: string | null = '1') => jwt({ ...(sub === null ? {} : { sub }), exp: nowSeconds() + seconds, name: `t${++serial}` });

describe('which refreshed token counts as another user', () => {
  /** Signs in with `first`, lets the refresh fetch `refreshed`, and checks that nothing moved. */
  async function expectRefreshIgnored(first: () => string, refreshed: () => string) {
    const getToken = vi.fn(async ({ reason }: { reason: string }) => (reason === 'refresh' ? refreshed() : first()));
    const { client } = start({ getToken });
    await tick(10);
    await tick(241_000);
    expect(getToken).toHaveBeenCalledWith({ reason: 'refresh' });
    expect(server.connections).toHaveLength(1);
    expect(server.last.frames.some((f) => f.type === 'auth.refresh')).toBe(false);
    expect(client.state).toBe('ready');
  }

  it('keeps the socket when the refreshed token has no subject, and sends it nowhere', async () => {
    await expectRefreshIgnored(() => tokenFor(300), () => `opaque-${++serial}`);
  });

  it('keeps the socket when the session had no subject and the refreshed token has one', async () => {
    await expectRefreshIgnored(() => tokenFor(300, null), () => tokenFor(300, '2'));
  });
});

describe('a refresh answer that a reconnect overtook', () => {
  /** A client whose refresh getToken call hangs until released, while reconnects get tokens at once. */
  function withHangingRefresh() {
    let settle: { resolve: (token: string) => void; reject: (error: unknown) => void } | undefined;
    const getToken = vi.fn(({ reason }: { reason: string }) =>
      reason === 'refresh' ? new Promise<string>((resolve, reject) => (settle = { resolve, reject })) : Promise.resolve(tokenFor(300)),
    );
    const errors: PermsocketError[] = [];
    const authErrors: AuthError[] = [];
    const started = start({ getToken, on: { error: (e) => errors.push(e), 'auth-error': (e) => authErrors.push(e) } });
    return { ...started, errors, authErrors, settle: () => settle! };
  }

  /** Lets the refresh start, then the server rejects the old token (4401) and the client signs in again. */
  async function overtake() {
    await tick(10);
    await tick(241_000);
    server.last.close(4401, 'token revoked');
    await tick(10);
    expect(server.connections).toHaveLength(2);
  }

  it('drops a token that arrives after the new socket signed in', async () => {
    const { client, settle, errors } = withHangingRefresh();
    await overtake();
    expect(client.state).toBe('ready');
    settle().resolve(tokenFor(600));
    await tick(10);
    expect(server.connections[1]!.frames.some((f) => f.type === 'auth.refresh')).toBe(false);
    expect(server.connections).toHaveLength(2);
    expect(errors).toEqual([]);
  });

  it('ignores a sign-out that arrives after the new socket signed in', async () => {
    const { client, settle, errors, authErrors } = withHangingRefresh();
    await overtake();
    settle().reject(new AuthError('signed out'));
    await tick(10);
    expect(client.state).toBe('ready');
    expect(authErrors).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe('auth.ok frames', () => {
  it('ignores an auth.ok nobody asked for, and refreshes on time afterwards', async () => {
    const errors: PermsocketError[] = [];
    const getToken = vi.fn(async () => tokenFor(300));
    const { client } = start({ getToken, on: { error: (e) => errors.push(e) } });
    await tick(10);
    const permissions = client.permissions;
    server.last.send(authOk(tokenFor(300), grantsOf(9, ['chat.view_message'])));
    await tick(10);
    expect(client.permissions).toBe(permissions);
    expect(errors).toEqual([]);
    await tick(241_000);
    expect(server.last.frames.some((f) => f.type === 'auth.refresh')).toBe(true);
    expect(server.connections).toHaveLength(1);
  });

  it('takes the new name of a user the refresh answer renamed', async () => {
    server.script({ onRefresh: (token) => authOk(token, grantsOf(2, ['*']), { id: '1', name: 'alice smith' }) });
    const getToken = vi.fn(async () => tokenFor(300));
    const { client } = start({ getToken });
    await tick(10);
    expect(client.user).toEqual({ id: '1', name: 'alice' });
    await tick(241_000);
    expect(client.user).toEqual({ id: '1', name: 'alice smith' });
  });
});

describe('a failed refresh', () => {
  it('says it could not refresh the token, and why', async () => {
    const errors: PermsocketError[] = [];
    const getToken = vi.fn(async ({ reason }: { reason: string }) => {
      if (reason === 'refresh') throw new Error('network down');
      return tokenFor(300);
    });
    start({ getToken, on: { error: (e) => errors.push(e) } });
    await tick(10);
    await tick(240_500);
    expect(errors.map((e) => [e.code, e.message])).toEqual([['error', 'could not refresh the token: network down']]);
  });
});
