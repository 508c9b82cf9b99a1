/**
 * The engine's keyed path with stores of every shape: one that answers at once (memoryKeys, used
 * without an await), one that answers with promises (as redisKeys does), and ones that fail,
 * synchronously or not. What the window keeps is the first run's `res` frame without its id.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RequestError, memoryKeys, type HandlerContext, type Handlers, type KeyStore } from 'permsocket/server';
import type { Frame } from '../conformance/helpers';
import { startApp, type TestApp, type TestContract } from './harness';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const started of apps.splice(0)) await started.stop();
});

/** A store over memoryKeys that records what the engine asked it to finish. */
function recording(inner: KeyStore = memoryKeys()) {
  const finished: { key: string; answer: string | undefined; remember: boolean }[] = [];
  const store: KeyStore = {
    claim: (userId, key, signal) => inner.claim(userId, key, signal),
    finish(userId, key, answer, remember) {
      finished.push({ key, answer, remember });
      return inner.finish(userId, key, answer, remember);
    },
  };
  return { store, finished };
}

/** The test app on `keys`, with handlers that count their runs. */
async function appWith(keys: KeyStore) {
  const runs: string[] = [];
  const count = (action: string, context: HandlerContext) => runs.push(`${action} ${context.key ?? '-'}`);
  const handlers: Handlers<TestContract> = {
    'note.add': (note, context) => (count('note.add', context), { ...note, by: `${context.user.name} #${runs.length}` }),
    'note.fail': ({ code }, context) => {
      count('note.fail', context);
      throw new RequestError(code ?? 'conflict', 'refused');
    },
    'note.nothing': (_payload, context) => (count('note.nothing', context), null),
    'note.bigint': (_payload, context) => (count('note.bigint', context), { n: 1n }),
    'note.slow': () => ({ done: true }),
    'note.wait': () => ({ aborted: false }),
  };
  const app = await startApp({ handlers, keys });
  apps.push(app);
  return { app, runs };
}

const keyed = (id: string, action: string, payload: unknown, key: string) => ({ type: 'req', id, action, payload, key });
const answer = (id: string) => (frame: Frame) => frame.type === 'res' && frame.id === id;

describe('the keyed path', () => {
  it('keeps the first answer as its res frame without the id, and gives it to a repeat under an id that needs JSON escapes', async () => {
    const { store, finished } = recording();
    const { app, runs } = await appWith(store);
    const { client } = await app.signIn('1');
    client.send(keyed('first "one" \\', 'note.add', { board: 'b', text: 'é "quoted"' }, 'k1'));
    const first = await client.next(answer('first "one" \\'));
    expect(first).toEqual({ type: 'res', id: 'first "one" \\', ok: true, data: { board: 'b', text: 'é "quoted"', pinned: false, by: 'alice #1' } });
    expect(finished).toEqual([{ key: 'k1', answer: '{"ok":true,"data":{"board":"b","text":"é \\"quoted\\"","pinned":false,"by":"alice #1"}}', remember: true }]);
    client.send(keyed('again\n"2"', 'note.add', { board: 'b', text: 'é "quoted"' }, 'k1'));
    expect(await client.next(answer('again\n"2"'))).toEqual({ ...first, id: 'again\n"2"' });
    expect(runs).toEqual(['note.add k1']);
  });

  it('keeps a remembered RequestError the same way', async () => {
    const { store, finished } = recording();
    const { app, runs } = await appWith(store);
    const { client } = await app.signIn('1');
    client.send(keyed('e1', 'note.fail', { code: 'conflict' }, 'k'));
    expect(await client.next(answer('e1'))).toEqual({ type: 'res', id: 'e1', ok: false, error: { code: 'conflict', message: 'refused' } });
    expect(finished).toEqual([{ key: 'k', answer: '{"ok":false,"error":{"code":"conflict","message":"refused"}}', remember: true }]);
    client.send(keyed('e2', 'note.fail', { code: 'conflict' }, 'k'));
    expect(await client.next(answer('e2'))).toEqual({ type: 'res', id: 'e2', ok: false, error: { code: 'conflict', message: 'refused' } });
    expect(runs).toEqual(['note.fail k']);
  });

  it('waits for a store that answers with promises, and answers a repeat from it', async () => {
    const inner = memoryKeys();
    const deferred: KeyStore = {
      claim: async (userId, key, signal) => inner.claim(userId, key, signal),
      finish: async (userId, key, answer, remember) => inner.finish(userId, key, answer, remember),
    };
    const { app, runs } = await appWith(deferred);
    const { client } = await app.signIn('1');
    client.send(keyed('p1', 'note.add', { board: 'b', text: 'x' }, 'async'));
    const first = await client.next(answer('p1'));
    expect(first).toMatchObject({ ok: true, data: { by: 'alice #1' } });
    client.send(keyed('p2', 'note.add', { board: 'b', text: 'x' }, 'async'));
    expect(await client.next(answer('p2'))).toEqual({ ...first, id: 'p2' });
    expect(runs).toEqual(['note.add async']);
  });

  it('answers internal, running nothing, when the store throws on claim', async () => {
    const broken: KeyStore = {
      claim: () => {
        throw new Error('window unavailable');
      },
      finish: () => {},
    };
    const { app, runs } = await appWith(broken);
    const { client } = await app.signIn('1');
    client.send(keyed('x', 'note.nothing', null, 'k'));
    expect(await client.next(answer('x'))).toEqual({ type: 'res', id: 'x', ok: false, error: { code: 'internal', message: 'internal error' } });
    expect(runs).toEqual([]);
    expect(app.logs).toContainEqual({
      event: 'ws.internal_error',
      fields: expect.objectContaining({ action: 'note.nothing', message: 'request keys unavailable: window unavailable' }),
    });
  });

  it.each([
    ['throws', () => {
      throw new Error('finish failed');
    }],
    ['rejects', () => Promise.reject(new Error('finish failed'))],
  ])('still sends the answer of a run when the store %s on finish, and logs it', async (_, finish) => {
    const { app, runs } = await appWith({ claim: () => ({ run: true }), finish });
    const { client } = await app.signIn('1');
    client.send(keyed('f', 'note.nothing', null, 'k'));
    expect(await client.next(answer('f'))).toEqual({ type: 'res', id: 'f', ok: true, data: null });
    expect(runs).toEqual(['note.nothing k']);
    await expect.poll(() => app.logs.some((log) => log.event === 'ws.internal_error' && log.fields.message === 'request keys unavailable: finish failed')).toBe(true);
  });

  it('answers internal when a keyed result cannot be sent as JSON, remembers nothing, and runs a repeat again', async () => {
    const { store, finished } = recording();
    const { app, runs } = await appWith(store);
    const { client } = await app.signIn('1');
    for (const id of ['b1', 'b2']) {
      client.send(keyed(id, 'note.bigint', null, 'big'));
      expect(await client.next(answer(id))).toEqual({ type: 'res', id, ok: false, error: { code: 'internal', message: 'internal error' } });
    }
    const internal = '{"ok":false,"error":{"code":"internal","message":"internal error"}}';
    expect(finished).toEqual([
      { key: 'big', answer: internal, remember: false },
      { key: 'big', answer: internal, remember: false },
    ]);
    expect(runs).toEqual(['note.bigint big', 'note.bigint big']);
    expect(app.logs.some((log) => log.event === 'ws.internal_error' && String(log.fields.message).startsWith('unserializable res'))).toBe(true);
  });
});
