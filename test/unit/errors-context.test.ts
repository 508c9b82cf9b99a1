/**
 * What each error carries besides its class: the cause it wraps, the request context it defaults
 * to, the exact words of the errors that end a client, and what isPermsocketError will not accept.
 * A developer reads these fields and messages in logs and error UIs, so each is pinned.
 */
import { describe, expect, it } from 'vitest';
import { AuthError, ConnectionLostError, PermissionDeniedError, PermsocketError, ProtocolError, TimeoutError, isPermsocketError } from 'permsocket';
import { tick } from './fake-server';
import { useFakeServer } from './harness';

const { server, start } = useFakeServer();

/** A client whose auth-error and error events are recorded. */
function recording(overrides: Parameters<typeof start>[0] = {}) {
  const authErrors: AuthError[] = [];
  const errors: PermsocketError[] = [];
  const started = start({ ...overrides, on: { 'auth-error': (e) => authErrors.push(e), error: (e) => errors.push(e) } });
  return { ...started, authErrors, errors };
}

describe('the context an error carries', () => {
  it('keeps the cause given to a TimeoutError or ConnectionLostError', () => {
    const cause = new Error('socket reset');
    expect(new ConnectionLostError('lost', { action: 'chat.send', sent: true, cause })).toMatchObject({ action: 'chat.send', sent: true, cause });
    expect(new TimeoutError('late', { action: 'chat.send', sent: false, cause }).cause).toBe(cause);
  });

  it('says no request and nothing sent when a TimeoutError or ConnectionLostError is made without context', () => {
    for (const error of [new TimeoutError('late'), new ConnectionLostError('lost')]) {
      expect(error.action).toBeUndefined();
      expect(error.sent).toBe(false);
    }
  });

  it('words a denial without permission or resource as unknown, refused locally', () => {
    const error = new PermissionDeniedError({ action: 'chat.send', permission: undefined, resource: undefined, source: 'local' });
    expect(error.message).toBe('"chat.send" needs permission (unknown) (refused locally)');
  });
});

describe('isPermsocketError', () => {
  it('refuses a name that is not a string, even one that reads as a class name', () => {
    const sneaky = { name: { toString: () => 'AuthError' }, code: 'unauthenticated' };
    expect(isPermsocketError(sneaky)).toBe(false);
  });

  it('refuses names inherited from Object.prototype and errors without a string code', () => {
    expect(isPermsocketError({ name: 'constructor', code: 'x' })).toBe(false);
    expect(isPermsocketError({ name: 'toString', code: 'x' })).toBe(false);
    expect(isPermsocketError({ name: 'AuthError', code: 401 })).toBe(false);
    expect(isPermsocketError({ name: 'AuthError', code: 'unauthenticated' })).toBe(true);
  });
});

describe('getToken failures as the client reports them', () => {
  it('keeps the AuthError getToken threw, forbidden code and all', async () => {
    const thrown = new AuthError('banned', { code: 'forbidden' });
    const { client, authErrors } = recording({ getToken: async () => Promise.reject(thrown) });
    await tick(10);
    expect(client.state).toBe('unauthenticated');
    expect(authErrors).toEqual([thrown]);
    expect(authErrors[0]).toBe(thrown);
    expect(authErrors[0]!.code).toBe('forbidden');
  });

  it('turns an AuthError from another copy of the library into a local one that keeps its message and cause', async () => {
    const foreign = Object.assign(new Error('session ended'), { name: 'AuthError' });
    const { client, authErrors } = recording({ getToken: async () => Promise.reject(foreign) });
    await tick(10);
    expect(client.state).toBe('unauthenticated');
    expect(authErrors).toHaveLength(1);
    expect(authErrors[0]).toBeInstanceOf(AuthError);
    expect(authErrors[0]).toMatchObject({ message: 'session ended', code: 'unauthenticated', cause: foreign });
    await expect(client.ready()).rejects.toBeInstanceOf(AuthError);
  });

  it('wraps any other failure in a PermsocketError coded error, saying what failed and keeping the cause', async () => {
    const cause = new Error('network down');
    const { client, errors } = recording({ getToken: async () => Promise.reject(cause), retry: { minDelay: 60_000, maxDelay: 60_000 } });
    await tick(10);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(PermsocketError);
    expect(errors[0]).toMatchObject({ code: 'error', message: 'could not get a token or URL to connect with: network down', cause });
    expect(client.state).not.toBe('unauthenticated');
  });

  it('reports a getToken that rejects with nothing at all, and keeps trying', async () => {
    let calls = 0;
    const { client, errors } = recording({
      getToken: async () => {
        calls += 1;
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        return Promise.reject(calls === 1 ? null : undefined);
      },
      retry: { minDelay: 1_000, maxDelay: 1_000, jitter: false },
    });
    await tick(10);
    expect(errors.map((e) => e.message)).toEqual(['could not get a token or URL to connect with: null']);
    await tick(1_500);
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(errors[1]?.message).toBe('could not get a token or URL to connect with: undefined');
    expect(client.state).toBe('reconnecting');
  });
});

describe('the errors of a close that ends the client', () => {
  it('says the server refused this user, with the code and its reason, on a 4403', async () => {
    const { client, authErrors } = recording();
    await tick(10);
    server.last.close(4403, 'account disabled');
    await tick(10);
    expect(client.state).toBe('forbidden');
    expect(authErrors.map((e) => [e.code, e.message])).toEqual([['forbidden', 'the server refused this user (4403: account disabled)']]);
  });

  it('says the server rejected a fresh token too after a second 4401', async () => {
    server.script({ onAuth: (_token, connection) => connection.close(4401, 'token expired') });
    const { client, authErrors } = recording();
    await tick(10);
    expect(client.state).toBe('unauthenticated');
    expect(authErrors.map((e) => [e.code, e.message])).toEqual([['unauthenticated', 'the server rejected a fresh token too (4401: token expired)']]);
  });

  it('gives a fatal close as a ProtocolError with the close code, and no reason part when there is no reason', async () => {
    const { client, errors } = recording();
    await tick(10);
    server.last.close(4400);
    await tick(10);
    expect(client.state).toBe('closed');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ProtocolError);
    expect(errors[0]).toMatchObject({ message: 'the server closed the connection with 4400', closeCode: 4400 });
  });
});

describe('the error of a request made in a terminal state', () => {
  it('after close() tells the app to connect first, names the action and says nothing was sent', async () => {
    const { client } = start();
    await tick(10);
    client.close();
    const error = await client.request('chat.send', { room: 'general', text: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionLostError);
    expect(error).toMatchObject({ message: 'the client is closed: call connect() first', action: 'chat.send', sent: false });
  });

  it('after a sign-out or a refusal names the state', async () => {
    const { client } = start({ getToken: async () => Promise.reject(new AuthError('signed out')) });
    await tick(10);
    await expect(client.request('chat.history', { room: 'general' })).rejects.toMatchObject({ message: 'the client is unauthenticated', code: 'unauthenticated' });
    const other = start();
    await tick(10);
    server.last.close(4403);
    await tick(10);
    await expect(other.client.request('chat.history', { room: 'general' })).rejects.toMatchObject({ message: 'the client is forbidden', code: 'forbidden' });
  });
});
