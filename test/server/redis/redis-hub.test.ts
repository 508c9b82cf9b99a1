/**
 * redisHub with two engine instances on one private redis-server: pushes, events and disconnects
 * made on node A reach connections on node B, each exactly once.
 */
import { redisHub } from 'permsocket/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectServerClose, type Frame } from '../../conformance/helpers';
import { redisUnavailable, startRedis, type TestRedis } from '../../integration/redis-server';
import { startApp, type TestApp } from '../harness';

describe.skipIf(redisUnavailable() !== null)('redisHub between two engines', () => {
  let redis: TestRedis;
  let nodeA: TestApp;
  let nodeB: TestApp;
  const errors: Error[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    nodeA = await startApp({ hub: redisHub({ url: redis.url, onError: (e) => errors.push(e) }) });
    nodeB = await startApp({ hub: redisHub({ url: redis.url, onError: (e) => errors.push(e) }) });
    await Promise.all([nodeA.ps.ready(), nodeB.ps.ready()]);
  });
  afterAll(async () => {
    await nodeA?.stop();
    await nodeB?.stop();
    await redis?.stop();
  });

  it("pushes perms to alice's socket on node B when node A is told her grants changed", async () => {
    const { client } = await nodeB.signIn('1');
    // Both nodes read the same store in a real app; here each has its own copy.
    for (const node of [nodeA, nodeB]) Object.assign(node.users.get('1')!, { grants: ['notes.view_note'], version: 5 });
    await nodeA.ps.pushPermissions('1');
    expect(await client.next('perms')).toEqual({ type: 'perms', version: 5, grants: ['notes.view_note'] });
    client.close();
  });

  it('delivers an event published on node A to the allowed connections of both nodes, once each', async () => {
    const onA = (await nodeA.signIn('2')).client;
    const onB = (await nodeB.signIn('2')).client;
    const hidden = (await nodeB.signIn('3')).client;
    await nodeA.ps.publish('note.added', { board: 'random', text: 'across' }, { permission: 'notes.view_note', resource: 'board:random' });
    const isIt = (frame: Frame) => frame.type === 'event' && frame.data.text === 'across';
    await onA.next(isIt);
    await onB.next(isIt);
    // A round trip on each socket after the event: anything echoed back from Redis would be here by now.
    for (const client of [onA, onB, hidden]) {
      client.send({ type: 'ping' });
      await client.next('pong');
    }
    expect(onA.frames.filter(isIt)).toHaveLength(1);
    expect(onB.frames.filter(isIt)).toHaveLength(1);
    expect(hidden.frames.filter(isIt)).toHaveLength(0);
    for (const client of [onA, onB, hidden]) client.close();
  });

  it('closes the user on node B when node A disconnects them', async () => {
    const { client } = await nodeB.signIn('3');
    await nodeA.ps.disconnectUser('3', 4403, 'deactivated');
    expect((await expectServerClose(client, 4403))?.error.message).toBe('deactivated');
    expect(errors).toEqual([]);
  });
});
