/**
 * Two Node servers sharing one SQLite file and one Redis: permission pushes, deactivations and
 * chat events made on node A reach sockets on node B.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, adminChange, expectServerClose, grantPath, login, type Frame, type Session } from '../conformance/helpers';
import { startNodeServer } from '../conformance/node-server';
import type { TestServer } from '../conformance/server';
import { redisUnavailable, startRedis, type TestRedis } from './redis-server';

describe.skipIf(redisUnavailable() !== null)('two Node nodes sharing Redis', () => {
  let redis: TestRedis;
  let nodeA: TestServer;
  let nodeB: TestServer;
  let admin: Session;

  beforeAll(async () => {
    redis = await startRedis();
    nodeA = await startNodeServer({ env: { REDIS_URL: redis.url } });
    nodeB = await startNodeServer({ env: { REDIS_URL: redis.url }, database: nodeA.database, jwtSecret: nodeA.jwtSecret });
    admin = await login(nodeA, 'admin');
  });
  afterAll(async () => {
    await nodeB?.stop();
    await nodeA?.stop();
    await redis?.stop();
  });

  it("pushes perms to alice's socket on node B when her grant is revoked through node A", async () => {
    const alice = await login(nodeB, 'alice');
    const { client } = await RawClient.signedIn(nodeB, alice.accessToken);
    await adminChange(nodeA, admin.accessToken, 'DELETE', grantPath('alice', 'chat.send_message'));
    expect((await client.next('perms')).grants).toEqual(['chat.view_message']);
    await adminChange(nodeA, admin.accessToken, 'PUT', grantPath('alice', 'chat.send_message'));
    expect([...(await client.next('perms')).grants].sort()).toEqual(['chat.send_message', 'chat.view_message']);
    client.close();
  });

  it('delivers a chat message sent on node A to bob on node B', async () => {
    const alice = await login(nodeA, 'alice');
    const bob = await login(nodeB, 'bob');
    const { client: sender } = await RawClient.signedIn(nodeA, alice.accessToken);
    const { client: reader } = await RawClient.signedIn(nodeB, bob.accessToken);
    const res = await sender.request('chat.send', { room: 'general', text: 'across nodes' });
    const id = res.data.message.id as string;
    const event = await reader.next((frame: Frame) => frame.type === 'event' && frame.data?.message?.id === id);
    expect(event).toEqual({ type: 'event', name: 'chat.message', data: res.data });
    // Delivered once: node A does not echo its own message back from Redis.
    const senderEvents = () => sender.frames.filter((frame) => frame.type === 'event' && frame.data?.message?.id === id);
    await sender.request('chat.history', { room: 'general' });
    expect(senderEvents()).toHaveLength(1);
    sender.close();
    reader.close();
  });

  it('closes carol’s socket on node B with 4403 when she is deactivated through node A', async () => {
    const carol = await login(nodeB, 'carol');
    const { client } = await RawClient.signedIn(nodeB, carol.accessToken);
    await adminChange(nodeA, admin.accessToken, 'PUT', '/admin/users/carol/active', { active: false });
    try {
      await expectServerClose(client, 4403);
    } finally {
      await adminChange(nodeA, admin.accessToken, 'PUT', '/admin/users/carol/active', { active: true });
    }
  });
});
