/**
 * A promise that settles once: from outside, after a timeout, or when an abort signal fires.
 * Requests and `ready()` both wait this way.
 * @packageDocumentation
 */

/** What {@link deadline} returns. */
export interface Deadline<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/**
 * Creates the promise: it rejects with `timedOut()` after `timeout` ms (none when undefined) and
 * with the signal's reason on abort; `done` runs once, whichever way it settles.
 */
export function deadline<T>(timeout: number | undefined, timedOut: () => unknown, signal: AbortSignal | undefined, done: () => void): Deadline<T> {
  let open = true;
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((ok, fail) => ((resolve = ok), (reject = fail)));
  const finish = () => {
    if (!open) return false;
    open = false;
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    done();
    return true;
  };
  const fail = (error: unknown) => finish() && reject(error);
  const onAbort = () => fail(signal?.reason);
  const timer = timeout === undefined ? undefined : setTimeout(() => fail(timedOut()), timeout);
  signal?.addEventListener('abort', onAbort, { once: true });
  return { promise, resolve: (value) => finish() && resolve(value), reject: fail };
}
