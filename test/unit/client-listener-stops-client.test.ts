/**
 * A listener that closes the client ends that client's work there: whatever the event it was
 * handling would have led to (a forbidden close's auth-error, a reconnect) does not happen.
 */
import { describe, expect, it, vi } from 'vitest';
import type { AuthError } from 'permsocket';
import { jwt, nowSeconds, tick } from './fake-server';
import { useFakeServer } from './harness';

const { server, start } = useFakeServer();

/** A listener that closes the client and connects it again, the first time it is called. */
function restartOnce(client: () => { close(): void; connect(): void }) {
  let restarted = false;
  return () => {
    if (restarted) return;
    restarted = true;
    client().close();
    client().connect();
  };
}

describe('a listener that closes the client', () => {
  it('leaves it closed, with no auth-error, when it closes it from the close event of a forbidden (4403) close', async () => {
    const authErrors: AuthError[] = [];
    const { client, states } = start({ on: { close: () => client.close(), 'auth-error': (e) => void authErrors.push(e) } });
    await tick(10);
    server.last.close(4403, 'account suspended');
    await tick(10);
    expect(client.state).toBe('closed');
    expect(states).toEqual(['connecting', 'authenticating', 'ready', 'closed']);
    expect(authErrors).toEqual([]);
    await tick(60_000);
    expect(server.connections).toHaveLength(1);
  });

  it('leaves no timer running when it closes it from the state event as it starts signing in', async () => {
    let first = true;
    const { client } = start({ on: { state: (state) => state === 'authenticating' && first && ((first = false), client.close()) } });
    await tick(10);
    expect(client.state).toBe('closed');
    expect(server.last.frames).toEqual([]);
    // Nothing is left to keep a Node process alive, or to fire into the run of a later connect().
    expect(vi.getTimerCount()).toBe(0);
    client.connect();
    await tick(60_000);
    expect(client.state).toBe('ready');
    expect(server.connections).toHaveLength(2);
    expect(server.last.closed).toBeNull();
  });

  it('gets a fresh attempt at once, with no backoff of the old run, when an error listener closes and connects it again', async () => {
    let failures = 1;
    const getToken = vi.fn(async () => {
      if (failures-- > 0) throw new Error('auth server down');
      return jwt({ sub: '1', exp: nowSeconds() + 300 });
    });
    const { client, states } = start({ getToken, retry: { minDelay: 5_000, maxDelay: 5_000, jitter: false }, on: { error: restartOnce(() => client) } });
    await tick(10);
    expect(getToken).toHaveBeenCalledTimes(2);
    expect(client.state).toBe('ready');
    expect(states).toEqual(['connecting', 'closed', 'connecting', 'authenticating', 'ready']);
  });

  it('gets a fresh attempt at once when a close listener closes and connects it again after a ping went unanswered', async () => {
    server.script({ onPing: (connection) => (connection === server.connections[0] ? null : { type: 'pong' }) });
    const { client, states } = start({ ping: { interval: 1_000, timeout: 500 }, retry: { minDelay: 60_000, maxDelay: 60_000 }, on: { close: restartOnce(() => client) } });
    await tick(10);
    await tick(1_600);
    expect(server.connections[0]!.closedByClient?.code).toBe(4000);
    await tick(10);
    expect(server.connections).toHaveLength(2);
    expect(client.state).toBe('ready');
    expect(states).toEqual(['connecting', 'authenticating', 'ready', 'closed', 'connecting', 'authenticating', 'ready']);
  });

  it('empties the permissions once when it closes it from the reconnecting state of a switch to another user', async () => {
    let sub = '1';
    let serial = 0;
    const getToken = vi.fn(async () => jwt({ sub, exp: nowSeconds() + 300, name: `t${++serial}` }));
    const emptied: number[] = [];
    const { client } = start({
      getToken,
      on: {
        state: (state) => void (state === 'reconnecting' && client.close()),
        permissions: (permissions) => void (permissions.grants.length === 0 && emptied.push(permissions.version)),
      },
    });
    await tick(10);
    sub = '2';
    await tick(241_000);
    expect(client.state).toBe('closed');
    expect(emptied).toHaveLength(1);
  });

  it('does not reconnect when it closes it from the close event of a dropped socket', async () => {
    const { client, states } = start({ retry: { minDelay: 100, maxDelay: 100 }, on: { close: () => client.close() } });
    await tick(10);
    server.last.close(1012);
    await tick(1_000);
    expect(client.state).toBe('closed');
    expect(states).toEqual(['connecting', 'authenticating', 'ready', 'closed']);
    expect(server.connections).toHaveLength(1);
  });

  it('emits no ready and sends no waiting request when a permissions listener closes it as it signs in', async () => {
    let closeOnPermissions = true;
    const events: string[] = [];
    const { client } = start({
      on: {
        permissions: () => {
          events.push('permissions');
          if (closeOnPermissions) client.close();
        },
        ready: () => void events.push('ready'),
      },
    });
    const waiting = client.request('chat.history', { room: 'general' }).catch((error: unknown) => error);
    await tick(10);
    closeOnPermissions = false;
    expect(client.state).toBe('closed');
    expect(events).toEqual(['permissions', 'permissions']);
    expect(server.last.frames.map((frame) => frame.type)).toEqual(['auth']);
    expect(await waiting).toMatchObject({ name: 'ConnectionLostError' });
  });
});
