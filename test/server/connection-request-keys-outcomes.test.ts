/**
 * Keyed requests when something goes wrong around the key window: an answer JSON cannot carry, a
 * key store that fails to claim or to finish, a repeat whose connection goes while it waits, a
 * refused request, and what the engine tells the store to remember in each case.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ForbiddenError, RequestError, memoryKeys, type Handlers, type KeyClaim, type KeyStore } from 'permsocket/server';
import { expectServerClose, type Frame } from '../conformance/helpers';
import { startApp, type TestApp, type TestContract } from './harness';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const started of apps.splice(0)) await started.stop();
});

const keyed = (id: string, action: string, payload: unknown, key: string) => ({ type: 'req', id, action, payload, key });
const answer = (id: string) => (frame: Frame) => frame.type === 'res' && frame.id === id;
const internalErrors = (started: TestApp) => started.logs.filter((log) => log.event === 'ws.internal_error');
const LONG_ACTION = `note.${'q'.repeat(95)}`;

/** The test app over `keys`, with handlers that count their runs; `note.slow` waits for `release()`. */
async function keyedApp(keys: KeyStore = memoryKeys(), overrides: Parameters<typeof startApp>[0] = {}) {
  const runs: string[] = [];
  const gates: (() => void)[] = [];
  const handlers: Handlers<TestContract> = {
    'note.add': (note, { user }) => (runs.push('note.add'), { ...note, by: user.name }),
    'note.fail': ({ code }) => {
      runs.push('note.fail');
      throw new RequestError(code ?? 'not_found', 'failed');
    },
    'note.nothing': () => (runs.push('note.nothing'), null),
    'note.bigint': () => (runs.push('note.bigint'), { n: 1n }),
    'note.slow': () => (runs.push('note.slow'), new Promise((resolve) => gates.push(() => resolve({ done: true })))),
    'note.wait': () => ({ aborted: false }),
  };
  const app = await startApp({ handlers, keys, ...overrides });
  apps.push(app);
  return { app, runs, gates };
}

/** memoryKeys, recording every finish call. */
function recordingKeys() {
  const inner = memoryKeys();
  const finishes: { key: string; answer: string | undefined; remember: boolean }[] = [];
  const keys: KeyStore = {
    claim: (userId, key, signal) => inner.claim(userId, key, signal),
    finish: (userId, key, answer, remember) => {
      finishes.push({ key, answer, remember });
      return inner.finish(userId, key, answer, remember);
    },
  };
  return { keys, finishes };
}

describe('keyed requests around a failing key window', () => {
  it('answers internal for a keyed result JSON cannot carry, logs why, and runs the handler again on a repeat', async () => {
    const { app, runs } = await keyedApp();
    const { client } = await app.signIn('1');
    for (const id of ['b1', 'b2']) {
      client.send(keyed(id, 'note.bigint', null, 'big'));
      expect(await client.next(answer(id))).toEqual({ type: 'res', id, ok: false, error: { code: 'internal', message: 'internal error' } });
    }
    expect(runs).toEqual(['note.bigint', 'note.bigint']);
    expect(internalErrors(app)[0]).toEqual({
      event: 'ws.internal_error',
      fields: { user: 'alice', message: expect.stringMatching(/^unserializable res: .*BigInt/), connection: expect.any(String) },
    });
  });

  it('still answers when the store cannot finish, logging the user, 64 characters of the action and the failure', async () => {
    const inner = memoryKeys();
    const keys: KeyStore = { claim: (u, k, s) => inner.claim(u, k, s), finish: () => Promise.reject(new Error('redis down')) };
    const { app } = await keyedApp(keys);
    const { client } = await app.signIn('1');
    client.send(keyed('f', LONG_ACTION, null, 'k'));
    expect((await client.next(answer('f'))).error).toMatchObject({ code: 'unknown_action' });
    await vi.waitFor(() => expect(internalErrors(app)).toHaveLength(1));
    expect(internalErrors(app)[0]!.fields).toEqual({ user: 'alice', action: LONG_ACTION.slice(0, 64), message: 'request keys unavailable: redis down', connection: expect.any(String) });
  });

  it('logs 64 characters of the action when the store cannot claim', async () => {
    const keys: KeyStore = { claim: () => Promise.reject(new Error('redis down')), finish: () => {} };
    const { app } = await keyedApp(keys);
    const { client } = await app.signIn('1');
    client.send(keyed('c', LONG_ACTION, null, 'k'));
    expect((await client.next(answer('c'))).error).toEqual({ code: 'internal', message: 'internal error' });
    expect(internalErrors(app).map((log) => log.fields)).toEqual([
      { user: 'alice', action: LONG_ACTION.slice(0, 64), message: 'request keys unavailable: redis down', connection: expect.any(String) },
    ]);
  });

  it('logs no internal error for a repeat whose connection closed while it waited for the first run', async () => {
    const { app, gates } = await keyedApp();
    const first = (await app.signIn('1')).client;
    first.send(keyed('s1', 'note.slow', { ms: 0 }, 'slow'));
    await vi.waitFor(() => expect(gates).toHaveLength(1));
    const repeat = (await app.signIn('1')).client;
    repeat.send(keyed('s2', 'note.slow', { ms: 0 }, 'slow'));
    // The repeat's claim is waiting once its connection handled the frame: a ping after it answers.
    repeat.send({ type: 'ping' });
    await repeat.next('pong');
    repeat.close();
    await repeat.waitClosed();
    await vi.waitFor(() => expect(app.logs.filter((log) => log.event === 'ws.close')).toHaveLength(1));
    await new Promise((resolve) => setImmediate(resolve));
    gates[0]!();
    expect((await first.next(answer('s1'))).ok).toBe(true);
    expect(internalErrors(app)).toEqual([]);
  });

  it("remembers a handler's RequestError: a later repeat gets it without running the handler", async () => {
    const { app, runs } = await keyedApp();
    const { client } = await app.signIn('1');
    for (const id of ['n1', 'n2']) {
      client.send(keyed(id, 'note.fail', { code: 'not_found' }, 'nf'));
      expect((await client.next(answer(id))).error).toEqual({ code: 'not_found', message: 'failed' });
    }
    expect(runs).toEqual(['note.fail']);
  });

  it('tells the store to forget a refused request (remember false), and to keep an answered one', async () => {
    const { keys, finishes } = recordingKeys();
    const { app } = await keyedApp(keys);
    const { client } = await app.signIn('2');
    client.send(keyed('d', 'note.add', { board: 'b', text: 'x' }, 'denied'));
    await client.next(answer('d'));
    client.send(keyed('n', 'note.nothing', null, 'answered'));
    await client.next(answer('n'));
    expect(finishes.map(({ key, remember }) => ({ key, remember }))).toEqual([
      { key: 'denied', remember: false },
      { key: 'answered', remember: true },
    ]);
  });

  it('closes with 4403 a keyed request refused by loadPermissions, logging no internal error', async () => {
    let active = true;
    const { app } = await keyedApp(memoryKeys(), {
      loadPermissions: () => {
        if (!active) throw new ForbiddenError('user inactive');
        return { version: 1, grants: [] };
      },
    });
    const { client } = await app.signIn('1');
    active = false;
    client.send(keyed('x', 'note.nothing', null, 'k'));
    expect((await expectServerClose(client, 4403))?.error.message).toBe('user inactive');
    await app.stop();
    expect(internalErrors(app)).toEqual([]);
  });

  it.each([
    ['an answer that is not a string', { run: false, answer: 42 }, 'an answer of type number'],
    ['nothing at all', undefined, 'undefined'],
    ['a run flag that is not a boolean', { run: 'yes' }, 'object'],
  ])('answers internal without running the handler for a store that breaks its contract (%s), logs the shape it expects, and keeps the socket open', async (_, given, what) => {
    const keys: KeyStore = { claim: () => given as unknown as KeyClaim, finish: () => {} };
    const { app, runs } = await keyedApp(keys);
    const { client } = await app.signIn('1');
    client.send(keyed('odd', 'note.nothing', null, 'k'));
    expect(await client.next(answer('odd'))).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(runs).toEqual([]);
    expect(internalErrors(app).map((log) => log.fields)).toEqual([
      {
        user: 'alice',
        action: 'note.nothing',
        message: `request keys unavailable: KeyStore.claim must give { run: true } or { run: false, answer: <string> }, got ${what}`,
        connection: expect.any(String),
      },
    ]);
    client.send({ type: 'ping' });
    await client.next('pong');
  });
});
