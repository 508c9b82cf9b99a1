/**
 * Request keys in the engine: the in-memory key window on an injected clock (repeats after the
 * answer and while running, users kept apart, its time and count bounds), and the engine over a
 * real ws server answering a repeated key with the first answer without running the handler again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RequestError, memoryKeys, type HandlerContext, type Handlers, type KeyStore } from 'permsocket/server';
import type { Frame } from '../conformance/helpers';
import { startApp, type TestApp, type TestContract } from './harness';

const signal = () => new AbortController().signal;

describe('the in-memory key window', () => {
  it('gives a repeat after the answer the first answer, and the first claim alone runs', async () => {
    const keys = memoryKeys();
    expect(await keys.claim('1', 'k', signal())).toEqual({ run: true });
    await keys.finish('1', 'k', '{"ok":true,"data":1}', true);
    expect(await keys.claim('1', 'k', signal())).toEqual({ run: false, answer: '{"ok":true,"data":1}' });
  });

  it('makes a repeat while the first run goes on wait for that run, and get its answer even when it is not remembered', async () => {
    const keys = memoryKeys();
    await keys.claim('1', 'k', signal());
    const repeat = keys.claim('1', 'k', signal());
    let settled = false;
    void Promise.resolve(repeat).then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    await keys.finish('1', 'k', '{"ok":false,"error":{"code":"internal","message":"internal error"}}', false);
    expect(await repeat).toEqual({ run: false, answer: '{"ok":false,"error":{"code":"internal","message":"internal error"}}' });
    // Not remembered: the next repeat runs again.
    expect(await keys.claim('1', 'k', signal())).toEqual({ run: true });
  });

  it('lets a waiting repeat run itself when the first run ended before its handler', async () => {
    const keys = memoryKeys();
    await keys.claim('1', 'k', signal());
    const repeat = keys.claim('1', 'k', signal());
    await keys.finish('1', 'k', undefined, false);
    expect(await repeat).toEqual({ run: true });
  });

  it('stops a waiting repeat when its connection goes', async () => {
    const keys = memoryKeys();
    await keys.claim('1', 'k', signal());
    const gone = new AbortController();
    const repeat = keys.claim('1', 'k', gone.signal);
    gone.abort(new Error('the connection closed'));
    await expect(repeat).rejects.toThrow('the connection closed');
  });

  it('keeps the same key of two users apart, even where the ids run together', async () => {
    const keys = memoryKeys();
    await keys.claim('1', 'k', signal());
    await keys.finish('1', 'k', '"alice"', true);
    expect(await keys.claim('2', 'k', signal())).toEqual({ run: true });
    // "1" + ":2:k" and "1:2" + ":k" must not meet.
    expect(await keys.claim('1:2', 'k', signal())).toEqual({ run: true });
    expect(await keys.claim('1', '2:k', signal())).toEqual({ run: true });
  });

  it('remembers an answer for ttlMs after it was given, then forgets it', async () => {
    let now = 1_000_000;
    const keys = memoryKeys({ now: () => now });
    await keys.claim('1', 'k', signal());
    now += 5 * 60_000; // a slow handler: the window counts from the answer
    await keys.finish('1', 'k', '1', true);
    now += 10 * 60_000 - 1;
    expect(await keys.claim('1', 'k', signal())).toEqual({ run: false, answer: '1' });
    now += 1;
    expect(await keys.claim('1', 'k', signal())).toEqual({ run: true });
  });

  it('keeps at most maxPerUser answers per user, forgetting that user\'s oldest first', async () => {
    const keys = memoryKeys({ maxPerUser: 3 });
    const remember = async (user: string, key: string) => {
      await keys.claim(user, key, signal());
      await keys.finish(user, key, key, true);
    };
    for (const key of ['a', 'b', 'c']) await remember('1', key);
    await remember('2', 'x');
    await remember('1', 'd');
    expect(await keys.claim('1', 'a', signal())).toEqual({ run: true });
    expect(await keys.claim('1', 'b', signal())).toEqual({ run: false, answer: 'b' });
    expect(await keys.claim('2', 'x', signal())).toEqual({ run: false, answer: 'x' });
  });

  it('keeps at most maxKeys answers and maxBytes of them in all, the oldest going first', async () => {
    const byCount = memoryKeys({ maxKeys: 2 });
    const bySize = memoryKeys({ maxBytes: 10 });
    for (const keys of [byCount, bySize]) {
      for (const [user, key] of [['1', 'aaaa'], ['2', 'bbbb'], ['3', 'cccc']] as const) {
        await keys.claim(user, key, signal());
        await keys.finish(user, key, key, true);
      }
      expect(await keys.claim('1', 'aaaa', signal())).toEqual({ run: true });
      expect(await keys.claim('3', 'cccc', signal())).toEqual({ run: false, answer: 'cccc' });
    }
  });

  it('refuses a bound that is not a positive integer', () => {
    expect(() => memoryKeys({ maxPerUser: 0 })).toThrow('memoryKeys: maxPerUser expects a positive integer, got 0');
    expect(() => memoryKeys({ ttlMs: Number.NaN })).toThrow('memoryKeys: ttlMs expects a positive integer, got NaN');
  });
});

const apps: TestApp[] = [];
afterEach(async () => {
  for (const started of apps.splice(0)) await started.stop();
});

/** The test app with handlers that count their runs; `note.slow` waits for `release()`. */
async function countingApp(options: { keys?: KeyStore | false; keyHandled?: boolean } = {}) {
  const runs: { action: string; key: string | undefined }[] = [];
  const gates: (() => void)[] = [];
  const count = (action: string, context: HandlerContext) => {
    runs.push({ action, key: context.key });
    if (options.keyHandled) context.keyHandled();
  };
  const handlers: Handlers<TestContract> = {
    'note.add': (note, context) => (count('note.add', context), { ...note, by: `${context.user.name} #${runs.length}` }),
    'note.fail': ({ code }, context) => {
      count('note.fail', context);
      throw code ? new RequestError(code, `failed with ${code}`) : new Error('boom');
    },
    'note.nothing': (_payload, context) => (count('note.nothing', context), null),
    'note.bigint': () => ({ n: 1n }),
    'note.slow': (_payload, context) => {
      count('note.slow', context);
      return new Promise((resolve) => gates.push(() => resolve({ done: true })));
    },
    'note.wait': () => ({ aborted: false }),
  };
  const app = await startApp({ handlers, ...(options.keys === undefined ? {} : { keys: options.keys }) });
  apps.push(app);
  return { app, runs, release: () => gates.splice(0).forEach((open) => open()), gates };
}

const keyed = (id: string, action: string, payload: unknown, key: string) => ({ type: 'req', id, action, payload, key });
const answer = (id: string) => (frame: Frame) => frame.type === 'res' && frame.id === id;

describe('request keys in the engine', () => {
  it('announces the keys feature in auth.ok by default, and none with keys: false', async () => {
    const on = await countingApp();
    expect((await on.app.signIn('1')).authOk.features).toEqual(['keys']);
    const off = await countingApp({ keys: false });
    expect((await off.app.signIn('1')).authOk).not.toHaveProperty('features');
  });

  it('answers a repeated key on a new connection with the first answer, under the new id, without running the handler again', async () => {
    const { app, runs } = await countingApp();
    const first = (await app.signIn('1')).client;
    first.send(keyed('a1', 'note.add', { board: 'b', text: 'hi' }, 'key-1'));
    const original = await first.next(answer('a1'));
    first.close();
    const second = (await app.signIn('1')).client;
    second.send(keyed('a2', 'note.add', { board: 'b', text: 'hi' }, 'key-1'));
    const repeat = await second.next(answer('a2'));
    expect(repeat).toEqual({ ...original, id: 'a2' });
    expect(runs).toEqual([{ action: 'note.add', key: 'key-1' }]);
  });

  it('gives a repeat sent while the first run is still going that run\'s answer, once it comes', async () => {
    const { app, runs, release, gates } = await countingApp();
    const { client } = await app.signIn('1');
    client.send(keyed('s1', 'note.slow', { ms: 0 }, 'slow'));
    await expect.poll(() => gates.length).toBe(1);
    const other = (await app.signIn('1')).client;
    other.send(keyed('s2', 'note.slow', { ms: 0 }, 'slow'));
    release();
    expect(await other.next(answer('s2'))).toEqual({ type: 'res', id: 's2', ok: true, data: { done: true } });
    expect(await client.next(answer('s1'))).toEqual({ type: 'res', id: 's1', ok: true, data: { done: true } });
    expect(runs).toHaveLength(1);
  });

  it('still remembers the answer of a run whose connection closed before it answered', async () => {
    const { app, runs, release, gates } = await countingApp();
    const first = (await app.signIn('1')).client;
    first.send(keyed('s1', 'note.slow', { ms: 0 }, 'dropped'));
    await expect.poll(() => gates.length).toBe(1);
    first.close();
    await first.waitClosed();
    release();
    const second = (await app.signIn('1')).client;
    second.send(keyed('s2', 'note.slow', { ms: 0 }, 'dropped'));
    expect(await second.next(answer('s2'))).toMatchObject({ ok: true, data: { done: true } });
    expect(runs).toHaveLength(1);
  });

  it('runs the same key of another user as a request of its own', async () => {
    const { app, runs } = await countingApp();
    const alice = (await app.signIn('1')).client;
    const dave = (await app.signIn('3')).client;
    expect(await (alice.send(keyed('a', 'note.add', { board: 'general', text: 'x' }, 'same')), alice.next(answer('a')))).toMatchObject({ data: { by: 'alice #1' } });
    expect(await (dave.send(keyed('d', 'note.add', { board: 'general', text: 'x' }, 'same')), dave.next(answer('d')))).toMatchObject({ data: { by: 'dave #2' } });
    expect(runs.map((run) => run.key)).toEqual(['same', 'same']);
  });

  it('remembers a handler\'s RequestError but runs again after a transient failure or an unexpected error', async () => {
    const { app, runs } = await countingApp();
    const { client } = await app.signIn('1');
    for (const id of ['n1', 'n2']) client.send(keyed(id, 'note.fail', { code: 'not_found' }, 'nf'));
    expect(await client.next(answer('n2'))).toMatchObject({ ok: false, error: { code: 'not_found' } });
    for (const [key, code] of [['rl', 'rate_limited'], ['in', 'internal'], ['boom', null]] as const) {
      for (const id of [`${key}1`, `${key}2`]) {
        client.send(keyed(id, 'note.fail', { code }, key));
        await client.next(answer(id));
      }
    }
    expect(runs.map((run) => run.key)).toEqual(['nf', 'rl', 'rl', 'in', 'in', 'boom', 'boom']);
  });

  it('checks a repeat of a refused request again: nothing ran, so fresh grants decide', async () => {
    const { app, runs } = await countingApp();
    const { client } = await app.signIn('2');
    client.send(keyed('p1', 'note.add', { board: 'b', text: 'x' }, 'grant'));
    expect(await client.next(answer('p1'))).toMatchObject({ ok: false, error: { code: 'permission_denied' } });
    const bob = app.users.get('2')!;
    bob.grants = ['notes.add_note'];
    bob.version++;
    client.send(keyed('p2', 'note.add', { board: 'b', text: 'x' }, 'grant'));
    expect(await client.next(answer('p2'))).toMatchObject({ ok: true, data: { by: 'bob #1' } });
    expect(runs).toHaveLength(1);
  });

  it('keeps no copy of an answer whose handler said keyHandled(): the handler answers the repeat itself', async () => {
    const { app, runs } = await countingApp({ keyHandled: true });
    const { client } = await app.signIn('1');
    for (const id of ['h1', 'h2']) {
      client.send(keyed(id, 'note.nothing', null, 'own'));
      await client.next(answer(id));
    }
    expect(runs).toEqual([{ action: 'note.nothing', key: 'own' }, { action: 'note.nothing', key: 'own' }]);
  });

  it('gives a handler ctx.key undefined for a request without a key, and runs it every time', async () => {
    const { app, runs } = await countingApp();
    const { client } = await app.signIn('1');
    for (const id of ['u1', 'u2']) {
      client.send({ type: 'req', id, action: 'note.nothing', payload: null });
      await client.next(answer(id));
    }
    expect(runs).toEqual([{ action: 'note.nothing', key: undefined }, { action: 'note.nothing', key: undefined }]);
  });

  it.each([
    ['an empty string', ''],
    ['65 characters', 'k'.repeat(65)],
    ['a number', 7],
    ['null', null],
  ])('answers a req whose key is %s with bad_request and runs nothing', async (_, key) => {
    const { app, runs } = await countingApp();
    const { client } = await app.signIn('1');
    client.send({ type: 'req', id: 'bad', action: 'note.nothing', payload: null, key });
    const frame = await client.next(answer('bad'));
    expect(frame).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(String((frame.error as { message: string }).message)).toContain("\"req\" expects 'key' to be a string of 1-64 characters when present");
    expect(runs).toEqual([]);
  });

  it('answers keyed requests internal, running nothing, when its key store fails', async () => {
    const broken: KeyStore = { claim: () => Promise.reject(new Error('redis down')), finish: () => {} };
    const { app, runs } = await countingApp({ keys: broken });
    const { client } = await app.signIn('1');
    client.send(keyed('x', 'note.nothing', null, 'k'));
    expect(await client.next(answer('x'))).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(runs).toEqual([]);
    expect(app.logs.some((log) => log.event === 'ws.internal_error' && String(log.fields.message).includes('redis down'))).toBe(true);
  });
});
