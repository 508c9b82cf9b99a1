/**
 * A seeded random fuzz of more than 10,000 frames. Each connection gets a pipelined batch of
 * frames the server must answer without closing (requests with random actions and payloads,
 * pings), then one frame that must close it with a known code. Every answer and every close is
 * checked; afterwards the server is healthy and no token reached its logs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, expectHealthy, expectNoTokensLogged, expectServerClose, login, type Session } from './helpers';
import type { TestServer } from './server';
import { servers } from './servers';

const SEED = 0x5eed_2026;
const MIN_FRAMES = 10_000;

/** mulberry32: a small, fast, seedable PRNG, so a failure can be replayed. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number) => Math.floor(next() * max);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  return { next, int, pick };
}
type Random = ReturnType<typeof prng>;

const ALPHABET = ['a', 'Z', '0', ' ', '"', '\\', '{', '}', '[', ']', ',', ':', 'é', '😀', '\u0000', '\n', '\u2028', '@', '.'];

function randomString(r: Random, max = 24): string {
  const length = r.next() < 0.02 ? 2000 + r.int(3) : r.int(max);
  let text = '';
  for (let i = 0; i < length; i++) text += r.pick(ALPHABET);
  return text;
}

function randomJson(r: Random, depth = 0): unknown {
  const kind = r.int(depth > 2 ? 5 : 7);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return r.next() < 0.5;
    case 2:
      return r.pick([0, -1, 1.5, 1e308, -0, 2 ** 53, r.int(1000)]);
    case 3:
    case 4:
      return randomString(r);
    case 5:
      return Array.from({ length: r.int(4) }, () => randomJson(r, depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let i = r.int(4); i > 0; i--) object[r.pick(['room', 'text', 'id', 'type', '__proto__', randomString(r, 6)])] = randomJson(r, depth + 1);
      return object;
    }
  }
}

const ACTIONS = ['chat.history', 'chat.send', 'chat.delete', 'chat.nope', '__proto__', 'constructor', 'hasOwnProperty', ''] as const;
const ROOMS = ['general', 'random', 'nowhere', '', 'general '];

function randomPayload(r: Random, action: string): unknown {
  if (r.next() < 0.3) return randomJson(r);
  const payload: Record<string, unknown> = { room: r.next() < 0.9 ? r.pick(ROOMS) : randomJson(r) };
  if (action === 'chat.send' || r.next() < 0.2) payload.text = r.next() < 0.9 ? randomString(r, 40) : randomJson(r);
  if (action === 'chat.delete' || r.next() < 0.2) payload.id = r.next() < 0.8 ? String(r.int(50)) : randomJson(r);
  return payload;
}

/** A frame the server must close on, and the code it must close with. */
function closingFrame(r: Random): { frame: string | Buffer; code: number } {
  const cases: (() => { frame: string | Buffer; code: number })[] = [
    () => ({ frame: `{${randomString(r)}`, code: 4400 }),
    () => ({ frame: JSON.stringify(r.pick([[], 'x', 1, null, true, [{ type: 'ping' }]])), code: 4400 }),
    () => ({ frame: JSON.stringify({ ...(randomJson(r) as object), type: `x${randomString(r, 10)}` }), code: 4400 }),
    () => ({ frame: JSON.stringify({ type: r.pick([1, null, {}, []]) }), code: 4400 }),
    () => ({ frame: JSON.stringify({ type: 'req', id: r.pick(['', 'x'.repeat(65), 3, null, {}]), action: 'chat.history', payload: {} }), code: 4400 }),
    () => ({ frame: JSON.stringify({ type: 'auth', token: 'a.b.c' }), code: 4400 }),
    () => ({ frame: JSON.stringify({ type: 'auth.refresh', token: randomString(r, 30) || 'x' }), code: 4401 }),
    () => ({ frame: Buffer.from(randomString(r, 30)), code: 1003 }),
    () => ({ frame: 'x'.repeat(64 * 1024 + 1 + r.int(1000)), code: 1009 }),
  ];
  return r.pick(cases)();
}

const ANSWER_CODES = new Set(['bad_request', 'permission_denied', 'not_found', 'unknown_action']);

describe.each(servers)('$name server under a random frame fuzz', ({ start }) => {
  let server: TestServer;
  let bob: Session;

  beforeAll(async () => {
    server = await start({ env: { RATE_LIMIT: '100000,100000' } });
    bob = await login(server, 'bob');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it(`answers or closes cleanly on ${MIN_FRAMES}+ seeded random frames (seed ${SEED})`, { timeout: 120_000 }, async () => {
    const r = prng(SEED);
    let frames = 0;
    let id = 0;
    while (frames < MIN_FRAMES) {
      const { client } = await RawClient.signedIn(server, bob.accessToken);
      frames += 1;
      const expected = new Map<string, string>();
      let pings = 0;
      const batch = 20 + r.int(180);
      for (let i = 0; i < batch; i++) {
        if (r.next() < 0.1) {
          client.send(r.next() < 0.5 ? { type: 'ping' } : { type: 'ping', extra: randomJson(r) });
          pings += 1;
        } else {
          const action = r.next() < 0.85 ? r.pick(ACTIONS) : randomString(r, 12);
          const requestId = `f${(id += 1)}`;
          expected.set(requestId, action);
          const frame: Record<string, unknown> = { type: 'req', id: requestId, action, payload: randomPayload(r, action) };
          if (r.next() < 0.05) delete frame.payload;
          client.send(frame);
        }
      }
      frames += batch;
      // Every request gets exactly one answer; the connection stays open throughout.
      for (const [requestId, action] of expected) {
        const res = await client.next((frame) => frame.type === 'res' && frame.id === requestId);
        if (!res.ok) {
          expect(ANSWER_CODES, `${action}: ${JSON.stringify(res.error)}`).toContain(res.error.code);
          if (action === 'chat.send' || action === 'chat.delete') expect(['bad_request', 'permission_denied']).toContain(res.error.code);
        } else expect(action).toBe('chat.history');
      }
      for (let i = 0; i < pings; i++) await client.next('pong');
      expect(client.garbage).toEqual([]);

      const closing = closingFrame(r);
      client.ws.send(closing.frame);
      frames += 1;
      await expectServerClose(client, closing.code);
    }
    expect(frames).toBeGreaterThanOrEqual(MIN_FRAMES);
    await expectHealthy(server, bob.accessToken);
    expectNoTokensLogged(server, [bob.accessToken]);
  });
});
