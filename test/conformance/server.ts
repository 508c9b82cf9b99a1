/**
 * The interface every reference server's test factory implements, so one conformance suite runs
 * the same cases against the Node server and the Django server.
 */

/** A reference server started for a test, as a child process on a free 127.0.0.1 port. */
export interface TestServer {
  /** 'node' or 'django'. */
  readonly name: string;
  /** Base HTTP URL, e.g. http://127.0.0.1:40123 */
  readonly httpUrl: string;
  /** WebSocket URL, e.g. ws://127.0.0.1:40123/ws */
  readonly wsUrl: string;
  /** An Origin the server allows (http://127.0.0.1:<port>). */
  readonly origin: string;
  /** The JWT secret it verifies tokens with (tests forge good and bad tokens with it). */
  readonly jwtSecret: string;
  /** The SQLite file it uses. */
  readonly database: string;
  /** Everything the process printed so far (stdout and stderr). */
  logs(): string;
  /** Stops the process (SIGTERM, then SIGKILL) and starts it again on the same port and data. */
  restart(): Promise<void>;
  /** Stops the process by its PID and removes its temporary files. */
  stop(): Promise<void>;
}

/** Extra environment for one server, e.g. { ACCESS_TOKEN_TTL: '3', RATE_LIMIT: '20,10' }. */
export interface StartOptions {
  env?: Record<string, string>;
  /** Share a data file with another node (multi-node tests). */
  database?: string;
  /** Share a JWT secret with another node. */
  jwtSecret?: string;
}

/** Starts one server; resolves once GET /healthz answers 200. */
export type ServerFactory = (options?: StartOptions) => Promise<TestServer>;
