/**
 * Pub/sub between the parts of the server that change things (admin API, chat handlers) and the
 * connections that must hear about it. In one process it is in-memory; with REDIS_URL every
 * message also crosses to the other nodes over one Redis channel.
 */
import { randomUUID } from 'node:crypto';
import type { Redis as RedisClient } from 'ioredis';
import type { Logger } from './log';

/** What the hub carries: a user's permissions or status changed, or a chat event for a room. */
export type HubMessage =
  | { kind: 'user-changed'; userId: number }
  | { kind: 'room-event'; room: string; name: string; data: unknown };

/** Delivers hub messages to this node's listeners and, when bridged, to every other node. */
export interface Hub {
  publish(message: HubMessage): void;
  /** Returns an unsubscribe function. */
  subscribe(listener: (message: HubMessage) => void): () => void;
  close(): Promise<void>;
}

const CHANNEL = 'permsocket:hub';

function createLocalFanout() {
  const listeners = new Set<(message: HubMessage) => void>();
  return {
    deliver(message: HubMessage) {
      for (const listener of listeners) listener(message);
    },
    subscribe(listener: (message: HubMessage) => void) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

/** A hub for a single process. */
export function createMemoryHub(): Hub {
  const fanout = createLocalFanout();
  return { publish: fanout.deliver, subscribe: fanout.subscribe, close: async () => {} };
}

function isHubMessage(value: unknown): value is HubMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  return (m.kind === 'user-changed' && typeof m.userId === 'number') || (m.kind === 'room-event' && typeof m.room === 'string' && typeof m.name === 'string');
}

/**
 * A hub bridged over Redis pub/sub. Messages are delivered locally at once and published with this
 * node's id; each node skips its own messages when they come back from Redis. Resolves once the
 * subscription is active, so a node reporting healthy already hears the others.
 */
export async function createRedisHub(url: string, log: Logger): Promise<Hub> {
  const node = randomUUID();
  const fanout = createLocalFanout();
  // Loaded only when REDIS_URL is set: a single node never pays for it.
  const { Redis } = await import('ioredis');
  const options = { maxRetriesPerRequest: 2, lazyConnect: true } as const;
  const publisher: RedisClient = new Redis(url, options);
  const subscriber: RedisClient = new Redis(url, options);
  for (const [role, client] of [['publisher', publisher], ['subscriber', subscriber]] as const) {
    client.on('error', (error: Error) => log('redis.error', { role, message: error.message }));
  }
  subscriber.on('message', (_channel: string, text: string) => {
    let envelope: { node?: unknown; message?: unknown };
    try {
      envelope = JSON.parse(text) as typeof envelope;
    } catch {
      return;
    }
    if (envelope.node !== node && isHubMessage(envelope.message)) fanout.deliver(envelope.message);
  });
  await Promise.all([publisher.connect(), subscriber.connect()]);
  await subscriber.subscribe(CHANNEL);
  return {
    publish(message) {
      fanout.deliver(message);
      publisher.publish(CHANNEL, JSON.stringify({ node, message })).catch((error: Error) => {
        log('redis.publish_failed', { kind: message.kind, message: error.message });
      });
    },
    subscribe: fanout.subscribe,
    async close() {
      await Promise.allSettled([publisher.quit(), subscriber.quit()]);
    },
  };
}
