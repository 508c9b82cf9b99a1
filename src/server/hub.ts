/**
 * The hub carries what must reach every node: permission pushes, events and disconnects. A
 * message published on one node is delivered to every node's engine, this one included.
 * @packageDocumentation
 */

/** What travels through the hub (JSON). */
export type HubMessage =
  | { kind: 'perms'; userId: string }
  | { kind: 'event'; name: string; data: unknown; permission: string | null; resource: string | undefined }
  | { kind: 'disconnect'; userId: string; code: number; reason: string };

/**
 * A transport between the nodes. Implement it for another broker: `publish` must deliver to this
 * node's subscribers (once) and to every other node's.
 */
export interface Hub {
  /** Delivers to every node; resolves once handed to the broker. */
  publish(message: HubMessage): Promise<void>;
  /** Listens to messages from every node, this one included; returns an unsubscribe function. */
  subscribe(listener: (message: HubMessage) => void): () => void;
  /** Resolves once messages from the other nodes are being received. */
  ready(): Promise<void>;
  /** Disconnects from the broker. */
  close(): Promise<void>;
}

/** Local delivery to a set of listeners; a listener that throws does not stop the others. */
export function createFanout(onError: (error: unknown) => void = () => {}) {
  const listeners = new Set<(message: HubMessage) => void>();
  return {
    deliver(message: HubMessage): void {
      for (const listener of listeners) {
        try {
          listener(message);
        } catch (error) {
          onError(error);
        }
      }
    },
    subscribe(listener: (message: HubMessage) => void): () => void {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

/** A hub for a single process: delivery is immediate and in memory. */
export function memoryHub(): Hub {
  const fanout = createFanout();
  return {
    publish: async (message) => fanout.deliver(message),
    subscribe: fanout.subscribe,
    ready: async () => {},
    close: async () => {},
  };
}

/** Whether a value read from a broker is a well-formed {@link HubMessage}. */
export function isHubMessage(value: unknown): value is HubMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  switch (m.kind) {
    case 'perms':
      return typeof m.userId === 'string';
    case 'event':
      return typeof m.name === 'string' && (m.permission === null || typeof m.permission === 'string') && (m.resource === undefined || typeof m.resource === 'string');
    case 'disconnect':
      return typeof m.userId === 'string' && typeof m.code === 'number' && typeof m.reason === 'string';
    default:
      return false;
  }
}
