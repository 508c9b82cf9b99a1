/**
 * A promise that settles once: from outside, after a timeout, or when an abort signal fires.
 * Requests, getToken calls and `ready()` all wait this way.
 * @packageDocumentation
 */

/**
 * The promise and its settling. A class rather than closures: a request allocates nothing but the
 * object and its promise, so a busy socket costs little more than raw `ws`. It is its own abort
 * listener (`handleEvent`). After `timeout` ms (none when undefined) it rejects with
 * `timedOut_()`, on abort with the signal's reason; `done` runs once, whichever way it settles.
 */
export class Deadline<T> {
  // Fields are assigned in the constructor and declared here only for the types: declared fields
  // would be emitted a second time in the bundle.
  declare readonly promise: Promise<T>;
  private declare settled_: boolean;
  private declare readonly timer_: ReturnType<typeof setTimeout> | undefined;
  private declare succeed_: (value: T) => void;
  private declare fail_: (error: unknown) => void;
  private declare readonly signal_: AbortSignal | undefined;
  private declare readonly done_: (settled: Deadline<T>) => void;
  private declare readonly timedOutError_: (() => unknown) | undefined;

  // Parameter properties are not used: with ES2022 class fields they emit a second, unmangled
  // declaration of each field.
  constructor(timeout: number | undefined, signal: AbortSignal | undefined, done: (settled: Deadline<T>) => void, timedOutError?: () => unknown) {
    this.signal_ = signal;
    this.done_ = done;
    this.timedOutError_ = timedOutError;
    this.settled_ = false;
    this.promise = new Promise<T>((resolve, reject) => ((this.succeed_ = resolve), (this.fail_ = reject)));
    if (timeout !== undefined) this.timer_ = setTimeout(expire, timeout, this as Deadline<unknown>);
    // No `once`: settling removes the listener, whichever way it settles.
    signal?.addEventListener('abort', this);
  }
  resolve(value: T) {
    if (this.finish_()) this.succeed_(value);
  }
  reject(error: unknown) {
    if (this.finish_()) this.fail_(error);
  }
  // Only the signal calls it, so there is one.
  handleEvent() {
    this.reject(this.signal_!.reason);
  }
  /** The error it rejects with when the time is up. */
  timedOut_(): unknown {
    // Only a deadline with a timeout expires, and each one given a timeout has this or overrides timedOut_.
    return this.timedOutError_!();
  }
  private finish_() {
    // Stryker disable next-line ConditionalExpression,BooleanLiteral: equivalent: a settled promise ignores another settle, and every done_ is idempotent (a Map or Set delete, clearing the call it holds)
    if (this.settled_) return false;
    // Stryker disable next-line BooleanLiteral: equivalent, as above
    this.settled_ = true;
    clearTimeout(this.timer_);
    this.signal_?.removeEventListener('abort', this);
    this.done_(this);
    return true;
  }
}

function expire(deadline: Deadline<unknown>) {
  deadline.reject(deadline.timedOut_());
}
