/**
 * redisHub's two connections on a private redis-server, looked at from a second Redis client: the
 * channel it uses by default, ready() waiting for both connections and the subscription, close()
 * quitting both, and what reaches onError (each connection's failure, a listener that throws)
 * when Redis cannot be reached, the URL is malformed or the channel carries something else.
 * Every hub is made inside its test, so per-test coverage credits the test with its set-up.
 */
import { Redis } from 'ioredis';
import { redisHub, type Hub, type HubMessage, type RedisHubOptions } from 'permsocket/server';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { freePort } from '../../conformance/helpers';
import { redisUnavailable, startRedis, type TestRedis } from '../../integration/redis-server';

const perms = (userId: string): HubMessage => ({ kind: 'perms', userId });

describe.skipIf(redisUnavailable() !== null)('redisHub and its Redis connections', () => {
  let redis: TestRedis;
  let raw: Redis;
  const hubs: Hub[] = [];
  const hub = (options: Partial<RedisHubOptions> = {}) => {
    const made = redisHub({ url: redis.url, ...options });
    hubs.push(made);
    return made;
  };
  /** The connections Redis has open under `name` (the hubs under test name theirs). */
  const named = async (name: string) => String(await raw.client('LIST')).split('\n').filter((line) => line.includes(` name=${name} `)).length;
  /** A second client subscribed to `channel`, collecting what arrives there. */
  const listen = async (channel: string) => {
    const listener = new Redis(redis.url);
    const seen: unknown[] = [];
    listener.on('message', (_channel: string, text: string) => seen.push(JSON.parse(text)));
    await listener.subscribe(channel);
    return { seen, quit: () => listener.quit() };
  };

  beforeAll(async () => {
    redis = await startRedis();
    raw = new Redis(redis.url);
  });
  afterEach(async () => {
    for (const made of hubs.splice(0)) await made.close();
  });
  afterAll(async () => {
    await raw?.quit();
    await redis?.stop();
  });

  it('publishes on the channel permsocket:hub by default, each message with the node it came from', async () => {
    const listener = await listen('permsocket:hub');
    try {
      const node = hub();
      await node.ready();
      await node.publish(perms('1'));
      await expect.poll(() => listener.seen).toEqual([{ node: expect.any(String), message: perms('1') }]);
    } finally {
      await listener.quit();
    }
  });

  it('publishes on the channel it is given, and nothing on the default one', async () => {
    const mine = await listen('app-two:hub');
    const other = await listen('permsocket:hub');
    try {
      const node = hub({ channel: 'app-two:hub' });
      await node.ready();
      await node.publish(perms('2'));
      await expect.poll(() => mine.seen).toHaveLength(1);
      // A round trip through Redis after the publish: anything sent on the default channel has arrived.
      await raw.ping();
      expect(other.seen).toEqual([]);
    } finally {
      await mine.quit();
      await other.quit();
    }
  });

  it('resolves ready() once both of its connections are open and the subscriber is on the channel', async () => {
    const node = hub({ channel: 'ready-check', redis: { connectionName: 'hub-ready' } });
    await node.ready();
    expect(await named('hub-ready')).toBe(2);
    expect(await raw.pubsub('NUMSUB', 'ready-check')).toEqual(['ready-check', 1]);
  });

  it('quits both of its connections on close()', async () => {
    const node = hub({ redis: { connectionName: 'hub-close' } });
    await node.ready();
    expect(await named('hub-close')).toBe(2);
    await node.close();
    await expect.poll(() => named('hub-close')).toBe(0);
  });

  it('tells onError about each connection that cannot reach Redis, and rejects ready() and publish', async () => {
    const errors: Error[] = [];
    const port = await freePort(); // nothing listens there
    const node = hub({ url: `redis://127.0.0.1:${port}/0`, redis: { retryStrategy: () => null }, onError: (error) => errors.push(error) });
    await expect(node.ready()).rejects.toThrow('Connection is closed.');
    await expect(node.publish(perms('1'))).rejects.toThrow('Connection is closed.');
    // The publisher's failure, the subscriber's, then the start-up that could not finish.
    expect(errors.map((error) => error.message)).toEqual([
      `connect ECONNREFUSED 127.0.0.1:${port}`,
      `connect ECONNREFUSED 127.0.0.1:${port}`,
      'Connection is closed.',
    ]);
    await expect(node.close()).resolves.toBeUndefined();
  });

  it('tells onError about a malformed URL, rejects ready() with it, and still closes', async () => {
    const errors: Error[] = [];
    const node = hub({ url: 'not a url', onError: (error) => errors.push(error) });
    await expect(node.ready()).rejects.toThrow('Invalid URL');
    expect(errors.map((error) => error.message)).toEqual(['Invalid URL']);
    await expect(node.close()).resolves.toBeUndefined();
  });

  it('tells onError about a listener that throws, as an Error, and still delivers to the others', async () => {
    const errors: Error[] = [];
    const node = hub({ onError: (error) => errors.push(error) });
    const got: HubMessage[] = [];
    node.subscribe(() => {
      throw 'not an Error';
    });
    node.subscribe((message) => got.push(message));
    await node.publish(perms('3'));
    expect(got).toEqual([perms('3')]);
    expect(errors).toEqual([new Error('not an Error')]);
  });

  it('without onError, keeps publishing when a listener throws', async () => {
    const node = hub();
    node.subscribe(() => {
      throw new Error('a listener bug');
    });
    await expect(node.publish(perms('4'))).resolves.toBeUndefined();
  });

  it('ignores what other programs put on its channel, without throwing, and keeps delivering the next message', async () => {
    // A throw in the subscriber's message handler is uncaught (it runs in ioredis's socket
    // handler): without a listener here it would end the process.
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    onTestFinished(() => void process.off('uncaughtException', onUncaught));
    const errors: Error[] = [];
    const receiver = hub({ channel: 'shared-with-others', onError: (error) => errors.push(error) });
    const sender = hub({ channel: 'shared-with-others' });
    const got: HubMessage[] = [];
    receiver.subscribe((message) => got.push(message));
    await Promise.all([receiver.ready(), sender.ready()]);
    for (const junk of ['not json', 'null', '7', '"text"']) await raw.publish('shared-with-others', junk);
    await raw.publish('shared-with-others', JSON.stringify({ node: 'elsewhere', message: { kind: 'nonsense' } }));
    await sender.publish(perms('5'));
    await expect.poll(() => got).toEqual([perms('5')]);
    expect(uncaught).toEqual([]);
    expect(errors).toEqual([]);
  });
});
