/**
 * How a connection batches its writes: the frames of one event-loop turn go out in one TCP write
 * (the socket is corked before the first and uncorked when the turn ends), while a lone request
 * after a quiet turn is answered at once, uncorked. A turn that sent several frames turns
 * batching back on for the next, and every cork is matched by exactly one uncork.
 */
import { describe, expect, it, vi } from 'vitest';
import { encodeFrame } from '../../src/protocol';
import { accept, acceptSignedIn, nextTurn, type Accepted } from './connection-socket-double';

const notice = (text: string) => encodeFrame({ type: 'event', name: 'system.notice', data: { text } });

async function answered(accepted: Accepted, id: string): Promise<{ text: string; corked: boolean }> {
  accepted.ws.receive({ type: 'req', id, action: 'note.nothing', payload: null });
  await vi.waitFor(() => expect(accepted.ws.sent.some((entry) => entry.text.includes(`"id":"${id}"`))).toBe(true));
  return accepted.ws.sent.find((entry) => entry.text.includes(`"id":"${id}"`))!;
}

describe('write batching', () => {
  it('corks the socket for the turn that sends auth.ok and uncorks it when the turn ends', async () => {
    const { ws, tcp } = accept();
    ws.receive({ type: 'auth', token: 't' });
    await vi.waitFor(() => expect(ws.frames('auth.ok')).toHaveLength(1));
    expect(ws.sent.at(-1)?.corked).toBe(true);
    await nextTurn();
    expect(tcp.depth).toBe(0);
    expect([tcp.corks, tcp.uncorks]).toEqual([1, 1]);
  });

  it('answers a lone request after a quiet turn at once, without corking', async () => {
    const accepted = await acceptSignedIn();
    const corks = accepted.tcp.corks;
    expect(await answered(accepted, 'r1')).toMatchObject({ corked: false });
    await nextTurn();
    expect(accepted.tcp.corks).toBe(corks);
  });

  it('sends the frames of one turn while corked, with one cork and one uncork', async () => {
    const accepted = await acceptSignedIn();
    const { ws, tcp, live, settings } = accepted;
    const permissions = await settings.permissions.get({ id: '1', name: 'alice' });
    const before = tcp.corks;
    live.sendEvent(permissions, notice('a'));
    live.sendEvent(permissions, notice('b'));
    expect(ws.sent.slice(-2).map((entry) => entry.corked)).toEqual([true, true]);
    expect(tcp.corks).toBe(before + 1);
    await nextTurn();
    expect(tcp.depth).toBe(0);
  });

  it('corks the answer to a lone request when the turn before sent several frames, then answers the next one at once', async () => {
    const accepted = await acceptSignedIn();
    const { live, settings, tcp } = accepted;
    const permissions = await settings.permissions.get({ id: '1', name: 'alice' });
    live.sendEvent(permissions, notice('a'));
    live.sendEvent(permissions, notice('b'));
    await nextTurn();
    expect(await answered(accepted, 'after-busy')).toMatchObject({ corked: true });
    await nextTurn();
    expect(tcp.depth).toBe(0);
    // That turn sent one frame: the next lone request is quiet again.
    expect(await answered(accepted, 'after-quiet')).toMatchObject({ corked: false });
  });

  it('keeps corks and uncorks in pairs over many turns, never uncorking a socket it did not cork', async () => {
    const accepted = await acceptSignedIn();
    const { live, settings, tcp } = accepted;
    const permissions = await settings.permissions.get({ id: '1', name: 'alice' });
    for (let round = 0; round < 3; round++) {
      live.sendEvent(permissions, notice(`x${round}`));
      live.sendEvent(permissions, notice(`y${round}`));
      expect(accepted.ws.sent.at(-1)?.corked).toBe(true);
      await nextTurn();
      await answered(accepted, `lone${round}`);
      await nextTurn();
      await answered(accepted, `quiet${round}`);
      await nextTurn();
    }
    expect(tcp.unmatched).toBe(0);
    expect(tcp.corks).toBe(tcp.uncorks);
    expect(tcp.depth).toBe(0);
  });
});
