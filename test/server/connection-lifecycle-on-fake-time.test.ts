/**
 * One connection's shutdown, liveness and corking over a stand-in socket on fake time: shutdown
 * never hangs on a peer that does not finish the close handshake, a close during the grace ends
 * it at once, a closed connection neither pings nor logs, and a lone request's answer is not held
 * back to the next turn while a batch of answers goes out together. Nothing is pushed before auth.ok.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { memoryKeys } from 'permsocket/server';
import { accept, acceptSignedIn, nextTurn } from './connection-socket-double';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Whether a promise has settled, after the microtasks now queued ran. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await nextTurn();
  return done;
}

describe('shutdown', () => {
  it('closes with 1001 and logs ws.closing with its reason', async () => {
    const { ws, live, logs } = await acceptSignedIn();
    void live.shutdown(1000);
    await nextTurn();
    expect(ws.closes).toEqual([{ code: 1001, reason: '' }]);
    expect(logs).toContainEqual({ event: 'ws.closing', fields: { user: 'alice', ip: '127.0.0.1', code: 1001, reason: 'server shutting down', connection: expect.any(String) } });
  });

  it('terminates a peer that never answers the close after 2 s, and resolves 100 ms later even when no close is reported', async () => {
    const { ws, live } = await acceptSignedIn();
    const done = live.shutdown(1000);
    await vi.advanceTimersByTimeAsync(1999);
    expect(ws.terminated).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(ws.terminated).toBe(1);
    await vi.advanceTimersByTimeAsync(99);
    expect(await settled(done)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled(done)).toBe(true);
  });

  it('resolves as soon as the socket reports its close', async () => {
    const { ws, live } = await acceptSignedIn();
    const done = live.shutdown(1000);
    await nextTurn();
    ws.leave(1001);
    expect(await settled(done)).toBe(true);
  });

  it('ends at once, closing nothing, when the peer left while shutdown waited for its request', async () => {
    const { ws, live, gates } = await acceptSignedIn();
    ws.receive({ type: 'req', id: 's', action: 'note.slow', payload: { ms: 0 } });
    await vi.waitFor(() => expect(gates).toHaveLength(1));
    const done = live.shutdown(60_000);
    ws.leave(1000);
    gates[0]!();
    expect(await settled(done)).toBe(true);
    expect(ws.closes).toEqual([]);
  });

  it('waits for every request in flight, not just the first to finish, before it closes', async () => {
    const { ws, live, gates } = await acceptSignedIn();
    ws.receive({ type: 'req', id: 'a', action: 'note.slow', payload: { ms: 0 } });
    ws.receive({ type: 'req', id: 'b', action: 'note.slow', payload: { ms: 0 } });
    await vi.waitFor(() => expect(gates).toHaveLength(2));
    void live.shutdown(60_000);
    gates[0]!();
    await nextTurn();
    expect(ws.closes).toEqual([]);
    gates[1]!();
    await nextTurn();
    expect(ws.frames('res').map((frame) => frame.id)).toEqual(['a', 'b']);
    expect(ws.closes).toEqual([{ code: 1001, reason: '' }]);
  });

  it("aborts a handler still running at the end of the grace with the reason 'the server is shutting down'", async () => {
    const reasons: string[] = [];
    const { ws, live } = await acceptSignedIn({
      settings: {
        handlers: {
        'note.wait': (_payload: unknown, { signal }: { signal: AbortSignal }) =>
            new Promise((resolve) => signal.addEventListener('abort', () => (reasons.push((signal.reason as Error).message), resolve({ aborted: true })))),
        },
      },
    });
    ws.receive({ type: 'req', id: 'w', action: 'note.wait', payload: null });
    await nextTurn();
    void live.shutdown(50);
    await vi.advanceTimersByTimeAsync(50);
    expect(reasons).toEqual(['the server is shutting down']);
  });
});

describe('liveness', () => {
  it('pings a live peer, and terminates one that did not answer since, logging ws.idle even before auth', async () => {
    const { ws, live, logs } = accept();
    live.checkAlive();
    expect(ws.pings).toBe(1);
    live.checkAlive();
    expect(ws.terminated).toBe(1);
    expect(logs).toContainEqual({ event: 'ws.idle', fields: { user: undefined, ip: '127.0.0.1', connection: expect.any(String) } });
  });

  it('does not ping a connection whose socket already closed', async () => {
    const { ws, live } = accept();
    ws.leave(1006);
    live.checkAlive();
    expect(ws.pings).toBe(0);
  });

  it('neither terminates nor logs as idle a silent connection whose socket closed since the ping', async () => {
    const { ws, live, logs } = accept();
    live.checkAlive();
    ws.leave(1006);
    live.dropIfSilent();
    live.checkAlive();
    expect(ws.pings).toBe(1);
    expect(ws.terminated).toBe(0);
    expect(logs.map((log) => log.event)).not.toContain('ws.idle');
  });
});

describe('before auth.ok', () => {
  it('sends neither perms nor events to a connection that has not signed in', async () => {
    const { ws, live } = accept();
    const permissions = { version: 2, grants: ['notes.view_note'], set: undefined as never };
    live.applyPermissions(permissions);
    live.sendEvent(permissions, '{"type":"event","name":"system.notice","data":{"text":"hi"}}');
    expect(ws.sent).toEqual([]);
  });

  it('sends both once signed in', async () => {
    const { ws, live } = await acceptSignedIn();
    const permissions = { version: 2, grants: ['notes.view_note'], set: undefined as never };
    live.applyPermissions(permissions);
    live.sendEvent(permissions, '{"type":"event","name":"system.notice","data":{"text":"hi"}}');
    expect(ws.all().map((frame) => frame.type)).toEqual(['auth.ok', 'perms', 'event']);
  });
});

describe('corking', () => {
  it.each([
    ['without a key', undefined],
    ['with a key', 'k1'],
  ])('writes the answer of a lone request %s at once, without corking the socket', async (_, key) => {
    const { ws, tcp } = await acceptSignedIn({ settings: { keys: memoryKeys() } });
    const before = tcp.corks;
    ws.receive({ type: 'req', id: 'r', action: 'note.nothing', payload: null, ...(key ? { key } : {}) });
    await vi.waitFor(() => expect(ws.all().at(-1)).toMatchObject({ type: 'res', id: 'r' }));
    expect(tcp.corks).toBe(before);
  });

  it.each([
    ['without keys', undefined],
    ['with keys', ['k1', 'k2']],
  ])('corks the socket for two requests %s answered in the same turn', async (_, keys) => {
    const { ws, tcp } = await acceptSignedIn({ settings: { keys: memoryKeys() } });
    const before = tcp.corks;
    for (const [i, id] of ['a', 'b'].entries()) ws.receive({ type: 'req', id, action: 'note.nothing', payload: null, ...(keys ? { key: keys[i] } : {}) });
    await vi.waitFor(() => expect(ws.frames('res')).toHaveLength(2));
    expect(tcp.corks).toBe(before + 1);
  });
});
