/**
 * A hub over Redis pub/sub (ioredis, an optional peer dependency loaded on first use). Each node
 * delivers its own messages locally at once and skips them when they come back from Redis.
 * @packageDocumentation
 */
import { randomUUID } from 'node:crypto';
import type { Redis, RedisOptions } from 'ioredis';
import { createFanout, isHubMessage, type Hub } from './hub';

/** Options of {@link redisHub}. */
export interface RedisHubOptions {
  /** The Redis URL (`redis://host:6379/0`). */
  url: string;
  /**
   * The pub/sub channel; nodes of one app share it, different apps on one Redis must not.
   * @default 'permsocket:hub'
   */
  channel?: string;
  /** Passed to both ioredis clients (a publisher and a subscriber). */
  redis?: RedisOptions;
  /** Told about connection and publish failures (the engine passes its logger). */
  onError?: (error: Error) => void;
}

/**
 * A hub for several nodes through one Redis. Connects at once; `ready()` resolves once
 * subscribed, `publish` rejects when Redis refuses the message.
 * @example
 * createServer({ hub: redisHub({ url: process.env.REDIS_URL! }), ... })
 */
export function redisHub(options: RedisHubOptions): Hub {
  const node = randomUUID();
  const channel = options.channel ?? 'permsocket:hub';
  const report = (error: unknown) => options.onError?.(error instanceof Error ? error : new Error(String(error)));
  const fanout = createFanout(report);
  let clients: { publisher: Redis; subscriber: Redis } | undefined;

  const connecting = (async () => {
    const { Redis: RedisClient } = await import('ioredis');
    const settings: RedisOptions = { maxRetriesPerRequest: 2, lazyConnect: true, ...options.redis };
    const publisher = new RedisClient(options.url, settings);
    const subscriber = new RedisClient(options.url, settings);
    clients = { publisher, subscriber };
    publisher.on('error', report);
    subscriber.on('error', report);
    subscriber.on('message', (_channel: string, text: string) => {
      // Anything else on the channel (not JSON, `null`, a number) is not ours: it delivers nothing,
      // and must not throw here, inside ioredis's socket handler, where nothing would catch it.
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {}
      const envelope = Object(parsed) as { node?: unknown; message?: unknown };
      if (envelope.node !== node && isHubMessage(envelope.message)) fanout.deliver(envelope.message);
    });
    await Promise.all([publisher.connect(), subscriber.connect()]);
    await subscriber.subscribe(channel);
    return publisher;
  })();
  // Nobody may be awaiting ready() yet: a failure is reported, and ready()/publish reject with it.
  connecting.catch(report);

  return {
    async publish(message) {
      fanout.deliver(message);
      const publisher = await connecting;
      await publisher.publish(channel, JSON.stringify({ node, message }));
    },
    subscribe: fanout.subscribe,
    ready: async () => {
      await connecting;
    },
    async close() {
      await connecting.catch(() => {});
      if (clients) await Promise.allSettled([clients.publisher.quit(), clients.subscriber.quit()]);
    },
  };
}
