/**
 * The size and pace of a fault drill, the same knobs for the Node drill (bench/soak-drill.ts) and
 * the Django drill (bench/django-drill.ts). Each drill has its full-size pace (the one
 * docs/benchmarks.md reports); a caller sets only what it changes.
 */

/** How many clients and restarts, and the seed that fixes their moments. */
export interface DrillSize {
  clients: number;
  /** Restarts by SIGKILL. */
  kills: number;
  /** Restarts by SIGTERM (graceful: in-flight requests finish, sockets close with 1001). */
  terms: number;
  /** Seeds the kill moments, the signal order and each client's mix of requests. */
  seed: number;
  /** Progress lines. */
  log: (line: string) => void;
}

/** How fast the traffic runs and how long a restart may take. */
export interface DrillPace {
  /** Each request's timeout (the SDK's requestTimeout). */
  requestTimeoutMs: number;
  /** Traffic time before each kill, [min, max] ms, drawn from the seeded generator. */
  trafficMs: readonly [number, number];
  /** Each client's pause between requests, [min, max] ms. */
  pauseMs: readonly [number, number];
  /** Share of requests that are `chat.send` (the rest are `chat.history`). */
  sendShare: number;
  /** How long every client may take to be ready again after a restart. */
  readyWaitMs: number;
  /** Most connection attempts one client may make per restart before it counts as looping. */
  maxAttemptsPerRestart: number;
}
