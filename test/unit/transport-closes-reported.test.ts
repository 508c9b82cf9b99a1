/**
 * Which closes the app hears about, and as what: the server's code and reason as sent, the
 * client's own closes with its own code, and nothing from a socket the client already gave up on,
 * even when that socket was still closing (a moment a scripted socket sets up exactly).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuthError, PermsocketError } from 'permsocket';
import { tick } from './fake-server';
import { useFakeServer } from './harness';
import { scriptedWebSocket } from './scripted-websocket';

const { start } = useFakeServer();
const retry = { minDelay: 1_000, maxDelay: 1_000, jitter: false };
const ping = { interval: 1_000, timeout: 500 };

afterEach(() => void vi.restoreAllMocks());

async function readyClient(overrides: Parameters<typeof start>[0] = {}) {
  const ws = scriptedWebSocket();
  const closes: { code: number; reason: string }[] = [];
  const errors: PermsocketError[] = [];
  const authErrors: AuthError[] = [];
  const started = start({
    WebSocket: ws.WebSocket,
    retry,
    ping,
    ...overrides,
    on: { close: (c) => void closes.push(c), error: (e) => void errors.push(e), 'auth-error': (e) => void authErrors.push(e), ...overrides.on },
  });
  await tick(10);
  ws.last.open();
  await tick(0);
  expect(started.client.state).toBe('ready');
  return { ...started, ws, closes, errors, authErrors };
}

describe('the closes the app hears about', () => {
  it('reports a close the server sent with 1000 with its own code and reason', async () => {
    const { client, ws, closes } = await readyClient();
    ws.last.closed(1000, 'server restarting');
    expect(closes).toEqual([{ code: 1000, reason: 'server restarting' }]);
    expect(client.state).toBe('reconnecting');
  });

  it('reports its own close of a silent socket as 4000 with its reason, once, and reconnects after the backoff', async () => {
    const { client, ws, closes, errors } = await readyClient();
    ws.script.answerPings = false;
    await tick(1_000 + 500);
    expect(ws.sockets[0]!.closedWith).toEqual({ code: 4000, reason: 'no answer to ping' });
    expect(closes).toEqual([{ code: 4000, reason: 'no answer to ping' }]);
    expect(errors).toEqual([]);
    expect(client.state).toBe('reconnecting');
    ws.script.answerPings = true;
    await tick(990);
    expect(ws.sockets).toHaveLength(1);
    await tick(20);
    expect(ws.sockets).toHaveLength(2);
  });

  it('still reconnects when the next socket drops, after a ping timeout on a socket that was already closing', async () => {
    const { client, ws, states } = await readyClient();
    ws.script.answerPings = false;
    // The closing handshake has started, the close event is not there yet, and the pong never comes.
    ws.last.startClosing();
    await tick(1_000 + 500);
    expect(client.state).toBe('reconnecting');
    expect(ws.sockets[0]!.closedWith).toBeNull();
    ws.sockets[0]!.closed(1006);
    ws.script.answerPings = true;
    await tick(1_000 + 2_000);
    expect(ws.sockets).toHaveLength(2);
    ws.last.open();
    await tick(0);
    expect(client.state).toBe('ready');
    // This close is the server's, not one the client asked for: the client must go and reconnect.
    ws.last.closed(1012, 'service restart');
    expect(client.state).toBe('reconnecting');
    expect(states.slice(-2)).toEqual(['ready', 'reconnecting']);
  });

  it('ignores the late close of a socket that was still closing when close() was called', async () => {
    const { client, ws, closes, errors, authErrors, states } = await readyClient();
    ws.last.startClosing();
    client.close();
    expect(client.state).toBe('closed');
    const seen = { closes: closes.length, states: states.length };
    ws.last.closed(4403, 'account suspended');
    await tick(5_000);
    expect(client.state).toBe('closed');
    expect(authErrors).toEqual([]);
    expect(errors).toEqual([]);
    expect({ closes: closes.length, states: states.length }).toEqual(seen);
    expect(ws.sockets).toHaveLength(1);
  });

  it('sends nothing and warns nothing on the console when a state listener closes the client as it starts signing in', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const ws = scriptedWebSocket();
    const { client } = start({ WebSocket: ws.WebSocket, retry, ping, on: { state: (state) => state === 'authenticating' && client.close() } });
    await tick(10);
    ws.last.open();
    await tick(0);
    expect(client.state).toBe('closed');
    expect(ws.last.sent).toEqual([]);
    expect(warn).not.toHaveBeenCalled();
  });
});
