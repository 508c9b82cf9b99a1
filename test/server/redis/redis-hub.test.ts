/**
 * redisHub with two engine instances on one private redis-server: pushes, events and disconnects
 * made on node A reach connections on node B, each exactly once, and two apps with their own
 * channel on that Redis stay apart. Each test starts its own nodes (per-test coverage then credits
 * the hub's set-up and close to the test; nodes made in a beforeAll would count for no test).
 */
import { redisHub, type RedisHubOptions } from 'permsocket/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectServerClose, type Frame } from '../../conformance/helpers';
import { redisUnavailable, startRedis, type TestRedis } from '../../integration/redis-server';
import { appsPerTest } from '../harness';

describe.skipIf(redisUnavailable() !== null)('redisHub between two engines', () => {
  let redis: TestRedis;
  const app = appsPerTest();
  const errors: Error[] = [];
  /** An engine on this Redis, ready (hub connected and subscribed). */
  const node = async (hub: Partial<RedisHubOptions> = {}) => {
    const started = await app({ hub: redisHub({ url: redis.url, onError: (e) => errors.push(e), ...hub }) });
    await started.ps.ready();
    return started;
  };
  const twoNodes = () => Promise.all([node(), node()]);

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it("pushes perms to alice's socket on node B when node A is told her grants changed", async () => {
    const [nodeA, nodeB] = await twoNodes();
    const { client } = await nodeB.signIn('1');
    // Both nodes read the same store in a real app; here each has its own copy.
    for (const each of [nodeA, nodeB]) Object.assign(each.users.get('1')!, { grants: ['notes.view_note'], version: 5 });
    await nodeA.ps.pushPermissions('1');
    expect(await client.next('perms')).toEqual({ type: 'perms', version: 5, grants: ['notes.view_note'] });
    client.close();
  });

  it('delivers an event published on node A to the allowed connections of both nodes, once each', async () => {
    const [nodeA, nodeB] = await twoNodes();
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
    const [nodeA, nodeB] = await twoNodes();
    const { client } = await nodeB.signIn('3');
    await nodeA.ps.disconnectUser('3', 4403, 'deactivated');
    expect((await expectServerClose(client, 4403))?.error.message).toBe('deactivated');
    expect(errors).toEqual([]);
  });

  it('keeps two apps on one Redis apart when each has its own channel', async () => {
    const [appOne, appOneToo] = await Promise.all([node({ channel: 'app-one:hub' }), node({ channel: 'app-one:hub' })]);
    const appTwo = await node({ channel: 'app-two:hub' });
    const sameApp = (await appOneToo.signIn('3')).client;
    const otherApp = (await appTwo.signIn('3')).client;
    await appOne.ps.disconnectUser('3', 4403, 'deactivated in app one');
    expect((await expectServerClose(sameApp, 4403))?.error.message).toBe('deactivated in app one');
    // A round trip on app two's socket after app one's disconnect went through Redis: still open.
    otherApp.send({ type: 'ping' });
    await otherApp.next('pong');
    expect(otherApp.frames.filter((frame) => frame.type === 'error')).toEqual([]);
    otherApp.close();
    expect(errors).toEqual([]);
  });
});
