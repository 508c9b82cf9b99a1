/**
 * One origin's Web Locks and BroadcastChannel, in memory, for tests of `shareAcrossTabs` in Node:
 * every client created while they are installed is a tab of that origin. Messages are
 * structured-cloned and delivered on a later task, as a browser does; a tab can be made to crash
 * (its channel goes silent and its lock is released without its code running).
 */

type Callback = (lock: { name: string } | null) => unknown;

interface Waiter {
  name: string;
  callback: Callback;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** A LockManager with exclusive locks, `ifAvailable` and `signal`. */
export class FakeLocks {
  /** Lock name -> the release of the current holder. */
  private held = new Map<string, () => void>();
  private queue: Waiter[] = [];
  /** How many times each lock was granted. */
  readonly grants: string[] = [];
  /** While set, a granted lock's callback waits for it (see {@link FakeLocks.pause}). */
  private gate: Promise<void> | null = null;

  request(name: string, options: { ifAvailable?: boolean; signal?: AbortSignal }, callback: Callback): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (options.signal?.aborted) return reject(options.signal.reason);
      const waiter: Waiter = { name, callback, resolve, reject };
      if (!this.held.has(name)) return this.grant(waiter);
      if (options.ifAvailable) return Promise.resolve().then(() => callback(null)).then(resolve, reject);
      this.queue.push(waiter);
      options.signal?.addEventListener('abort', () => {
        const at = this.queue.indexOf(waiter);
        if (at >= 0) this.queue.splice(at, 1), reject(options.signal!.reason);
      });
    });
  }

  /** How many requests wait in line for `name` (what `navigator.locks.query()` lists as pending). */
  waiting(name: string): number {
    return this.queue.filter((waiter) => waiter.name === name).length;
  }

  /**
   * Holds the callbacks of locks granted from now on until the returned function is called: the
   * lock is taken, its callback not run yet (in a browser it runs a task later, and the tab may
   * close its client in between).
   */
  pause(): () => void {
    let open!: () => void;
    this.gate = new Promise<void>((resolve) => (open = resolve));
    return () => {
      this.gate = null;
      open();
    };
  }

  /** The tab holding `name` crashed: the lock goes to the next in line. */
  crash(name: string) {
    this.held.get(name)?.();
  }

  private grant(waiter: Waiter) {
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.held.delete(waiter.name);
      const next = this.queue.findIndex((w) => w.name === waiter.name);
      if (next >= 0) this.grant(this.queue.splice(next, 1)[0]!);
    };
    this.held.set(waiter.name, release);
    this.grants.push(waiter.name);
    (this.gate ?? Promise.resolve())
      .then(() => waiter.callback({ name: waiter.name }))
      .then(
        (value) => (release(), waiter.resolve(value)),
        (error) => (release(), waiter.reject(error)),
      );
  }
}

/** BroadcastChannels of one origin. */
export function fakeChannels() {
  const open = new Set<FakeChannel>();
  class FakeChannel {
    onmessage: ((event: MessageEvent) => void) | null = null;
    silent = false;
    /** Every message this tab posted. */
    readonly posted: unknown[] = [];
    constructor(readonly name: string) {
      open.add(this);
      instances.push(this);
    }
    postMessage(message: unknown) {
      if (this.silent) return;
      const data = structuredClone(message);
      this.posted.push(data);
      for (const other of open) {
        if (other !== this && other.name === this.name) setTimeout(() => !other.silent && other.onmessage?.(new MessageEvent('message', { data })), 0);
      }
    }
    close() {
      open.delete(this);
    }
  }
  const instances: FakeChannel[] = [];
  return { FakeChannel, instances };
}

/** Installs the fakes on globalThis for a test; returns them and the uninstall function. */
export function installTabs() {
  const locks = new FakeLocks();
  const channels = fakeChannels();
  const globals = globalThis as { navigator?: unknown; BroadcastChannel?: unknown };
  const saved = { navigator: Object.getOwnPropertyDescriptor(globalThis, 'navigator'), BroadcastChannel: globals.BroadcastChannel };
  Object.defineProperty(globalThis, 'navigator', { value: { locks }, configurable: true, writable: true });
  globals.BroadcastChannel = channels.FakeChannel;
  return {
    locks,
    channels: channels.instances,
    uninstall() {
      if (saved.navigator) Object.defineProperty(globalThis, 'navigator', saved.navigator);
      else delete globals.navigator;
      globals.BroadcastChannel = saved.BroadcastChannel;
    },
  };
}
