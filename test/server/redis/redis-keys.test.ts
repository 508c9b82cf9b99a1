/**
 * redisKeys with two engine instances on one private redis-server: a request key answered on one
 * node is answered the same on the other without running the handler again, a repeat waits for a
 * run still going on the other node, and each user's answers are bounded.
 */
import { RequestError, redisKeys, type HandlerContext, type Handlers, type KeyStore } from 'permsocket/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frame } from '../../conformance/helpers';
import { redisUnavailable, startRedis, type TestRedis } from '../../integration/redis-server';
import { startApp, type TestApp, type TestContract } from '../harness';

const keyed = (id: string, action: string, payload: unknown, key: string) => ({ type: 'req', id, action, payload, key });
const answer = (id: string) => (frame: Frame) => frame.type === 'res' && frame.id === id;

describe.skipIf(redisUnavailable() !== null)('redisKeys between two engines', () => {
  let redis: TestRedis;
  let nodeA: TestApp;
  let nodeB: TestApp;
  // Both nodes' handler runs, as one shared database would see them.
  const runs: string[] = [];
  const gates: (() => void)[] = [];

  const handlers = (node: string): Handlers<TestContract> => {
    const count = (context: HandlerContext) => runs.push(`${node}:${context.key}`);
    return {
      'note.add': (note, context) => (count(context), { ...note, by: `${node} run ${runs.length}` }),
      'note.fail': ({ code }, context) => {
        count(context);
        throw new RequestError(code ?? 'internal', 'failed');
      },
      'note.nothing': () => null,
      'note.bigint': () => ({ n: 1n }),
      'note.slow': (_payload, context) => {
        count(context);
        return new Promise((resolve) => gates.push(() => resolve({ done: true })));
      },
      'note.wait': () => ({ aborted: false }),
    };
  };

  beforeAll(async () => {
    redis = await startRedis();
    nodeA = await startApp({ handlers: handlers('A'), keys: redisKeys({ url: redis.url, pollMs: 10 }) });
    nodeB = await startApp({ handlers: handlers('B'), keys: redisKeys({ url: redis.url, pollMs: 10 }) });
    await Promise.all([nodeA.ps.ready(), nodeB.ps.ready()]);
  });
  afterAll(async () => {
    for (const open of gates.splice(0)) open();
    await nodeA?.stop();
    await nodeB?.stop();
    await redis?.stop();
  });

  // Each test node signs its own tokens; the user ids (the keys' owners) are the same on both.
  const signIn = async (node: TestApp, sub: string) => (await node.signIn(sub)).client;

  it('answers a key repeated on node B with node A\'s answer, without running it on B', async () => {
    const onA = await signIn(nodeA, '1');
    onA.send(keyed('a1', 'note.add', { board: 'b', text: 'once' }, 'across'));
    const first = await onA.next(answer('a1'));
    onA.close();
    const onB = await signIn(nodeB, '1');
    onB.send(keyed('b1', 'note.add', { board: 'b', text: 'once' }, 'across'));
    expect(await onB.next(answer('b1'))).toEqual({ ...first, id: 'b1' });
    expect(runs.filter((run) => run.endsWith(':across'))).toEqual(['A:across']);
    onB.close();
  });

  it('makes a repeat on node B wait for the run still going on node A, and answers both from it', async () => {
    const onA = await signIn(nodeA, '1');
    onA.send(keyed('a2', 'note.slow', { ms: 0 }, 'waiting'));
    await expect.poll(() => gates.length).toBe(1);
    const onB = await signIn(nodeB, '1');
    onB.send(keyed('b2', 'note.slow', { ms: 0 }, 'waiting'));
    // B is polling: give it a few rounds, then let A finish.
    await expect.poll(() => runs.includes('A:waiting')).toBe(true);
    for (const open of gates.splice(0)) open();
    expect(await onB.next(answer('b2'))).toEqual({ type: 'res', id: 'b2', ok: true, data: { done: true } });
    expect(await onA.next(answer('a2'))).toEqual({ type: 'res', id: 'a2', ok: true, data: { done: true } });
    expect(runs.filter((run) => run.endsWith(':waiting'))).toEqual(['A:waiting']);
    onA.close();
    onB.close();
  });

  it('keeps the same key of two users apart across nodes', async () => {
    const alice = await signIn(nodeA, '1');
    const dave = await signIn(nodeB, '3');
    alice.send(keyed('a3', 'note.add', { board: 'general', text: 'x' }, 'shared'));
    await alice.next(answer('a3'));
    dave.send(keyed('d3', 'note.add', { board: 'general', text: 'x' }, 'shared'));
    expect(await dave.next(answer('d3'))).toMatchObject({ ok: true, data: { by: expect.stringMatching(/^B run/) } });
    alice.close();
    dave.close();
  });

  it('runs a key again on the other node after a transient failure it did not remember', async () => {
    const onA = await signIn(nodeA, '1');
    onA.send(keyed('a4', 'note.fail', { code: 'internal' }, 'transient'));
    await onA.next(answer('a4'));
    const onB = await signIn(nodeB, '1');
    onB.send(keyed('b4', 'note.fail', { code: 'internal' }, 'transient'));
    await onB.next(answer('b4'));
    expect(runs.filter((run) => run.endsWith(':transient'))).toEqual(['A:transient', 'B:transient']);
    onA.close();
    onB.close();
  });

  it('keeps at most maxPerUser answers of one user, forgetting the oldest, and other users\' apart', async () => {
    const store: KeyStore = redisKeys({ url: redis.url, prefix: 'bounded', maxPerUser: 2 });
    const signal = new AbortController().signal;
    try {
      for (const key of ['k1', 'k2', 'k3']) {
        expect(await store.claim('u', key, signal)).toEqual({ run: true, lease: expect.any(String) });
        await store.finish('u', key, key, true);
      }
      await store.claim('v', 'k1', signal);
      await store.finish('v', 'k1', 'v1', true);
      expect(await store.claim('u', 'k1', signal)).toEqual({ run: true, lease: expect.any(String) });
      expect(await store.claim('u', 'k3', signal)).toEqual({ run: false, answer: 'k3' });
      expect(await store.claim('v', 'k1', signal)).toEqual({ run: false, answer: 'v1' });
    } finally {
      await store.close?.();
    }
  });
});
