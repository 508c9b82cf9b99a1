/**
 * A hub for the engine's tests: it records what the engine publishes, hands a message to the
 * engine the way another node's would arrive (`deliver`, synchronous, so a test sees what the engine
 * did before it returns), and lets a test hold `ready()` or fail `publish`.
 */
import type { Hub, HubMessage } from 'permsocket/server';

export interface TestHub {
  hub: Hub;
  /** Every message the engine published, in order. */
  published: HubMessage[];
  /** Delivers a message to the engine's subscriber, as if it came from another node. */
  deliver(message: HubMessage): void;
  /** When set, `publish` rejects with it. */
  failWith: Error | undefined;
  /** How many times `close()` ran. */
  closes: number;
}

export function testHub(ready: () => Promise<void> = async () => {}): TestHub {
  let listener: ((message: HubMessage) => void) | undefined;
  const state: TestHub = {
    published: [],
    failWith: undefined,
    closes: 0,
    deliver(message) {
      if (!listener) throw new Error('the engine is not subscribed');
      listener(message);
    },
    hub: {
      async publish(message) {
        if (state.failWith) throw state.failWith;
        state.published.push(message);
        state.deliver(message);
      },
      subscribe(next) {
        listener = next;
        return () => {
          listener = undefined;
        };
      },
      ready,
      async close() {
        state.closes++;
      },
    },
  };
  return state;
}
