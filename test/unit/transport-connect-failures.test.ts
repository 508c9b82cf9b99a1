/**
 * A socket that never opens, as the app sees it: one `close` (1006, no reason) and one
 * `connect_failed` error whose words say what went wrong, then a retry after the backoff.
 */
import { describe, expect, it } from 'vitest';
import type { PermsocketError } from 'permsocket';
import { tick } from './fake-server';
import { useFakeServer } from './harness';
import { scriptedWebSocket } from './scripted-websocket';

const { start } = useFakeServer();
const retry = { connectTimeout: 2_000, minDelay: 1_000, maxDelay: 1_000, jitter: false };

function startWatched(WebSocket: ReturnType<typeof scriptedWebSocket>['WebSocket'] | (new (url: string) => unknown)) {
  const errors: PermsocketError[] = [];
  const closes: { code: number; reason: string }[] = [];
  const started = start({ WebSocket, retry, on: { error: (e) => void errors.push(e), close: (c) => void closes.push(c) } });
  return { ...started, errors, closes };
}

describe('a socket that never opens', () => {
  it('says it did not open within connectTimeout, naming the timeout, when the handshake hangs', async () => {
    const ws = scriptedWebSocket();
    const { client, errors, closes } = startWatched(ws.WebSocket);
    await tick(10);
    expect(ws.sockets).toHaveLength(1);
    await tick(1_980);
    expect(closes).toEqual([]);
    await tick(20);
    // partysocket closes it with the reason "timeout": the app sees a browser's 1006 and no reason.
    expect(ws.sockets[0]!.closedWith).toEqual({ code: 1000, reason: 'timeout' });
    expect(closes).toEqual([{ code: 1006, reason: '' }]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ name: 'PermsocketError', code: 'connect_failed' });
    expect(errors[0]!.message).toMatch(/^the WebSocket did not open within connectTimeout \(2000 ms\): is the URL reachable\? .*HTTP 403/);
    expect(client.state).toBe('reconnecting');
    await tick(1_000);
    expect(ws.sockets).toHaveLength(2);
  });

  it('says it closed before it opened when the connection fails', async () => {
    const ws = scriptedWebSocket();
    const { client, errors, closes } = startWatched(ws.WebSocket);
    await tick(10);
    ws.last.fail();
    expect(closes).toEqual([{ code: 1006, reason: '' }]);
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/^the WebSocket closed before it opened \(1006\): is the URL reachable\?/)]);
    expect(client.state).toBe('reconnecting');
  });

  it('reports a WebSocket constructor that throws as a 1006 close and a connect_failed error, and retries after the backoff', async () => {
    let attempts = 0;
    class Refusing {
      constructor() {
        attempts += 1;
        throw new Error('blocked by the content security policy');
      }
    }
    const { client, errors, closes } = startWatched(Refusing);
    await tick(10);
    expect(attempts).toBe(1);
    expect(closes).toEqual([{ code: 1006, reason: '' }]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'connect_failed', message: expect.stringContaining('closed before it opened (1006)') });
    expect(client.state).toBe('reconnecting');
    await tick(990);
    expect(attempts).toBe(1);
    await tick(20);
    expect(attempts).toBe(2);
    expect(closes).toHaveLength(2);
  });
});
