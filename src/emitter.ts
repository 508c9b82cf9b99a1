/**
 * A minimal event emitter: a Set of listeners per event name. The client needs on, off and emit
 * and nothing else, and every byte counts against the size budget (eventemitter3 alone is 1.3 KB).
 * @packageDocumentation
 */

type Listener = (...args: any[]) => void;

/** The emitter {@link createEmitter} returns. */
export interface Emitter {
  /** Adds a listener; returns the function that removes it. */
  on(event: string, listener: Listener): () => void;
  /** Calls every listener of `event` with `args`, in the order they were added. */
  emit(event: string, ...args: unknown[]): void;
}

/** Creates an {@link Emitter}. */
export function createEmitter(): Emitter {
  const listeners = new Map<string, Set<Listener>>();
  return {
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      // A wrapper per registration: the same function added twice is called twice and removed once.
      const entry: Listener = (...args) => listener(...args);
      set.add(entry);
      return () => void set.delete(entry);
    },
    emit(event, ...args) {
      const set = listeners.get(event);
      if (set) for (const listener of [...set]) listener(...args);
    },
  };
}
