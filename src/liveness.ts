/**
 * Liveness: pings while ready, and the dead-socket timeout. Any frame from the server counts as a
 * sign of life; with none within `timeout` after a ping (or after `auth`), the socket is dead.
 * @packageDocumentation
 */

/** The liveness {@link createLiveness} returns. */
export interface Liveness {
  /** Starts pinging every `interval` (the client is ready). */
  start_(): void;
  /** Expects a frame from the server within `timeout` (after a ping, `auth` or `auth.refresh`). */
  expect_(): void;
  /** A frame came: the socket is alive. */
  heard_(): void;
  /** Stops pinging and expecting (the socket is gone). */
  stop_(): void;
}

/** Creates the liveness check: `ping` sends one, `dead` is called when the server went silent. */
export function createLiveness(options: { interval: number; timeout: number; ping_(): void; dead_(): void }): Liveness {
  let pingTimer: ReturnType<typeof setInterval> | undefined;
  let deadline: ReturnType<typeof setTimeout> | undefined;
  const liveness: Liveness = {
    start_() {
      clearInterval(pingTimer);
      if (options.interval > 0) pingTimer = setInterval(options.ping_, options.interval);
    },
    expect_() {
      deadline ??= setTimeout(() => {
        deadline = undefined;
        options.dead_();
      }, options.timeout);
    },
    heard_() {
      clearTimeout(deadline);
      deadline = undefined;
    },
    stop_() {
      clearInterval(pingTimer);
      pingTimer = undefined;
      liveness.heard_();
    },
  };
  return liveness;
}
