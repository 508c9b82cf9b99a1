/**
 * A client that stopped (close(), or a terminal state) and was connected again is a whole client:
 * a later drop reconnects as it did the first time. The same holds after it started over as
 * another user, and a connect() on a live client changes nothing.
 */
import { describe, expect, it, vi } from 'vitest';
import { jwt, nowSeconds, tick } from './fake-server';
import { useFakeServer } from './harness';

const { server, start } = useFakeServer();
const retry = { minDelay: 100, maxDelay: 100 };

/** Drops the current socket and checks that the client comes back on a new one. */
async function expectReconnectAfterDrop(client: { state: string }) {
  const before = server.connections.length;
  server.last.close(1006);
  await tick(10);
  expect(client.state).toBe('reconnecting');
  await tick(300);
  expect(server.connections).toHaveLength(before + 1);
  expect(server.last.frames[0]?.type).toBe('auth');
  expect(client.state).toBe('ready');
}

describe('connecting again after the client stopped', () => {
  it('reconnects after a later drop when connect() follows close()', async () => {
    const { client } = start({ retry });
    await tick(10);
    client.close();
    expect(client.state).toBe('closed');
    client.connect();
    await tick(10);
    expect(client.state).toBe('ready');
    expect(server.connections).toHaveLength(2);
    await expectReconnectAfterDrop(client);
  });

  it('reconnects after a later drop when connect() follows a 4403 (forbidden)', async () => {
    const { client } = start({ retry });
    await tick(10);
    server.last.close(4403);
    await tick(10);
    expect(client.state).toBe('forbidden');
    client.connect();
    await tick(10);
    expect(client.state).toBe('ready');
    await expectReconnectAfterDrop(client);
  });

  it('reconnects after a later drop when connect() follows a fatal protocol close', async () => {
    const { client } = start({ retry });
    await tick(10);
    server.last.close(4400);
    await tick(10);
    expect(client.state).toBe('closed');
    client.connect();
    await tick(10);
    expect(client.state).toBe('ready');
    await expectReconnectAfterDrop(client);
  });

  it('reconnects after a later drop when connect() follows unauthenticated', async () => {
    const { client } = start({ retry });
    await tick(10);
    server.script({ onAuth: (_token, connection) => connection.close(4401) });
    server.last.close(4401);
    await tick(10);
    expect(client.state).toBe('unauthenticated');
    server.script({});
    client.connect();
    await tick(10);
    expect(client.state).toBe('ready');
    await expectReconnectAfterDrop(client);
  });
});

describe('after switching to another user during a refresh', () => {
  it('still reconnects when the new user\'s socket drops', async () => {
    let sub = '1';
    let serial = 0;
    const getToken = vi.fn(async () => jwt({ sub, exp: nowSeconds() + 300, name: `t${++serial}` }));
    const { client } = start({ getToken, retry });
    await tick(10);
    sub = '2';
    // The refresh a minute before expiry gets bob's token: the client starts over as bob.
    await tick(241_000);
    expect(server.connections).toHaveLength(2);
    expect(client.state).toBe('ready');
    await expectReconnectAfterDrop(client);
  });
});

describe('connect() on a client that is already active', () => {
  it('leaves the working connection alone', async () => {
    const { client, states, getToken } = start({ retry });
    await tick(10);
    expect(client.state).toBe('ready');
    const calls = getToken.mock.calls.length;
    client.connect();
    await tick(1_000);
    expect(client.state).toBe('ready');
    expect(server.connections).toHaveLength(1);
    expect(server.last.closed).toBeNull();
    expect(states).toEqual(['connecting', 'authenticating', 'ready']);
    expect(getToken.mock.calls.length).toBe(calls);
    await expect(client.request('chat.history', { room: 'general' })).resolves.toEqual({ echo: { room: 'general' } });
  });

  it('leaves a connection that is still signing in alone', async () => {
    const { client, getToken } = start({ retry });
    client.connect();
    client.connect();
    await tick(10);
    expect(client.state).toBe('ready');
    expect(server.connections).toHaveLength(1);
    expect(getToken).toHaveBeenCalledTimes(1);
  });
});
