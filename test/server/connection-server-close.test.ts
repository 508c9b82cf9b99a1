/**
 * How the server closes a connection, over a stand-in socket: the close code and reason a client
 * reads, an `error` frame only before a 4xxx close, the slow-reader cap and its boundary, the auth
 * timeout of a token still being verified, and nothing more written once the peer began to close.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Authenticated } from '../../src/server/types';
import { accept, acceptSignedIn, nextTurn } from './connection-socket-double';

afterEach(() => {
  vi.useRealTimers();
});

const ping = { type: 'ping' };

describe('a close from the server', () => {
  it('happens once: a second reason to close while the first close runs sends, logs and closes nothing more', async () => {
    const { ws, live, logs } = await acceptSignedIn();
    live.closeWith(4403, 'user deactivated');
    live.closeWith(4401, 'token revoked');
    expect(ws.frames('error')).toEqual([{ type: 'error', error: { code: 'forbidden', message: 'user deactivated' } }]);
    expect(ws.closes).toEqual([{ code: 4403, reason: 'forbidden' }]);
    expect(logs.filter((entry) => entry.event === 'ws.refused').map((entry) => entry.fields.reason)).toEqual(['user deactivated']);
  });
});

describe('a reader that falls behind', () => {
  it('is closed with 1013, an empty reason and no error frame once its backlog passes maxBufferedBytes, and the log says how much was waiting', async () => {
    const { ws, logs } = await acceptSignedIn({ maxBufferedBytes: 1000 });
    ws.bufferedAmount = 1001;
    ws.receive(ping);
    expect(ws.closes).toEqual([{ code: 1013, reason: '' }]);
    expect(ws.frames('error')).toEqual([]);
    expect(logs).toContainEqual({
      event: 'ws.refused',
      fields: { user: 'alice', ip: '127.0.0.1', code: 1013, reason: 'too slow: 1001 bytes waiting to be read', connection: expect.any(String) },
    });
  });

  it('is kept while its backlog is exactly maxBufferedBytes', async () => {
    const { ws, logs } = await acceptSignedIn({ maxBufferedBytes: 1000 });
    ws.bufferedAmount = 1000;
    ws.receive(ping);
    expect(ws.frames('pong')).toHaveLength(1);
    expect(ws.closes).toEqual([]);
    expect(logs.map((entry) => entry.event)).not.toContain('ws.refused');
  });
});

describe('the auth timeout', () => {
  it('closes with 4408 auth_timeout a client whose token is still being verified, and never signs it in afterwards', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let verified: (result: Authenticated) => void = () => {};
    const { ws, logs, ready } = accept({ authTimeout: 5_000, authenticate: () => new Promise((resolve) => (verified = resolve)) });
    ws.receive({ type: 'auth', token: 't' });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(ws.frames('error')).toEqual([{ type: 'error', error: { code: 'auth_timeout', message: 'no auth within 5 s' } }]);
    expect(ws.closes).toEqual([{ code: 4408, reason: 'auth_timeout' }]);
    verified({ user: { id: '1', name: 'alice' }, exp: Math.floor(Date.now() / 1000) + 300 });
    await nextTurn();
    expect(ws.frames('auth.ok')).toEqual([]);
    expect(ready).toEqual([]);
    expect(logs.map((entry) => entry.event)).not.toContain('ws.auth');
  });
});

describe('a socket the peer began to close', () => {
  it('gets no answer that was still being worked out, and its backlog is not refused as a slow reader', async () => {
    const { ws, logs } = await acceptSignedIn({ maxBufferedBytes: 1000 });
    const written = ws.sent.length;
    ws.receive({ type: 'req', id: 'r1', action: 'note.nothing', payload: null });
    // The peer's close frame arrives while the request runs: ws answers it and stops being open,
    // but reports the close only once the TCP socket ends. What it is sent meanwhile is counted
    // in bufferedAmount and never written.
    ws.readyState = 2;
    ws.bufferedAmount = 5000;
    await nextTurn();
    expect(ws.sent).toHaveLength(written);
    expect(ws.closes).toEqual([]);
    expect(logs.map((entry) => entry.event)).not.toContain('ws.refused');
  });
});
