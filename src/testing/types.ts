/**
 * The public types of permsocket/testing: the fake server's options, its handlers and what it
 * records.
 * @packageDocumentation
 */
import type { WebSocketHandler } from 'msw';
import type { ActionName, Contract, EventDataOf, EventName, ParsedPayloadOf, PayloadOf, ResultOf } from '../contract';
import type { PermissionSet } from '../permissions';
import type { ClientFrame, UserInfo } from '../protocol';

/** What a fake handler receives besides the payload. */
export interface FakeHandlerContext {
  /** The signed-in user of the connection that sent the request. */
  user: UserInfo;
  /** The user's grants when the request was checked (the fake's current set). */
  permissions: PermissionSet;
  /** Aborted when that connection closes: a slow handler can stop, its answer would be lost anyway. */
  signal: AbortSignal;
  /** The request's key (with `keys: true` and a client that sent one), as permsocket/server gives it. */
  key?: string;
}

/**
 * Answers one contract action: receives the payload as the action's schema parsed it (as a
 * permsocket/server handler does) and returns (or resolves to) the action's result. Throw a
 * `RequestError` (from `permsocket`, or any error named `RequestError` with a string `code`) to
 * answer that error code; any other throw answers `internal`, as the real servers do.
 */
export type FakeHandler<C extends Contract, A extends ActionName<C>> = (
  payload: ParsedPayloadOf<C, A>,
  context: FakeHandlerContext,
) => ResultOf<C, A> | Promise<ResultOf<C, A>>;

/** One handler per contract action, each typed from the contract; every one is optional. */
export type FakeHandlers<C extends Contract> = { [A in ActionName<C>]?: FakeHandler<C, A> };

/** Who may receive an event: the users allowed `permission` (on `resource`), as the real servers filter. */
export interface EventAudience {
  permission: string;
  resource?: string;
}

/** A request the client sent, typed by its action: narrow on `action` to get the payload's type. */
export type SentRequest<C extends Contract> = {
  [A in ActionName<C>]: {
    /** The request id the client chose. */
    id: string;
    action: A;
    payload: PayloadOf<C, A>;
  };
}[ActionName<C>];

/** One connection the fake accepted, as a test may inspect it. */
export interface FakeConnection {
  /** The URL the client opened. */
  readonly url: string;
  /** The subprotocols the client offered. */
  readonly protocols: readonly string[];
  /** Whether the connection is open and signed in (after `auth.ok`, before its close). */
  readonly ready: boolean;
  /** Every valid frame the client sent on this connection, in order. */
  readonly frames: readonly ClientFrame[];
  /** How the connection ended, or null while it is open. `by` says which side closed it. */
  readonly closed: { code: number; reason: string; by: 'client' | 'server' } | null;
}

/** Options of {@link permsocketServer}. */
export interface PermsocketServerOptions<C extends Contract> {
  /** The WebSocket URL the client connects to (`wss://app.test/ws`), matched by msw's `ws.link`. */
  url: string;
  /**
   * The user every accepted token signs in as.
   * @default { id: '1', name: 'tester' }
   */
  user?: UserInfo;
  /**
   * The user's grants (`chat.send_message`, `chat.send_message@room:general`, `*`).
   * @default []
   */
  grants?: readonly string[];
  /** Answers for the contract's actions. An action without one answers `internal`, saying so. */
  handlers?: FakeHandlers<C>;
  /**
   * Delay in milliseconds before every frame the fake sends and every close it starts, like a
   * network's latency. 0 sends at once. It uses `setTimeout`, so fake timers control it.
   * @default 0
   */
  latency?: number;
  /**
   * How long an accepted token lasts when it carries no `exp` claim (an opaque token), in seconds.
   * A JWT's own `exp` always wins.
   * @default 300
   */
  tokenTtl?: number;
  /**
   * Without an `auth` frame this long after the open (in milliseconds), the fake closes with 4408.
   * @default 5000
   */
  authTimeout?: number;
  /**
   * Called when a handler throws something other than a `RequestError` (the client gets
   * `internal`, without the message, as from a real server).
   * @default logs with console.error
   */
  onHandlerError?: (error: unknown, action: string) => void;
  /**
   * Offer request keys as permsocket/server does: `auth.ok` lists the `keys` feature, and a
   * repeated key gets the first answer without running the handler again (the latest 1,000 keys;
   * transient answers and refusals before the handler are not kept). The client then re-sends
   * any request in flight at a drop once, with its key. Off, the fake is a server without keys:
   * only idempotent actions are re-sent.
   * @default false
   */
  keys?: boolean;
}

/** Options of {@link FakePermsocketServer.token}. */
export interface FakeTokenOptions {
  /**
   * The subject; another user's id makes an `auth.refresh` end in 4403.
   * @default the fake's user id
   */
  sub?: string;
  /** @default the fake's user name */
  name?: string;
  /**
   * Lifetime in seconds from now (the faked clock, when timers are faked).
   * @default the `tokenTtl` option
   */
  ttl?: number;
}

/** The fake server {@link permsocketServer} returns. */
export interface FakePermsocketServer<C extends Contract> {
  /** The msw handler: pass it to `setupServer(...)` (or `server.use(...)`). */
  readonly handler: WebSocketHandler;
  /** Every request the clients sent for a contract action, in order, across connections. */
  readonly requests: readonly SentRequest<C>[];
  /** Every connection the fake accepted, in order. */
  readonly connections: readonly FakeConnection[];
  /** The user's current grants and their version (starts at 1, grows with every change). */
  readonly permissions: PermissionSet;
  /**
   * Replaces the user's grants: pushes `perms` to every signed-in connection, so `client.can()`
   * follows. With `push: false` the change stays on the server, as a grant removed behind the
   * server's back: the next request is checked against it, and the fake pushes `perms` just before
   * refusing it, as PROTOCOL.md says.
   */
  setGrants(grants: readonly string[], options?: { push?: boolean }): void;
  /**
   * Pushes a contract event to every signed-in connection; with an `audience`, only to those whose
   * user is allowed it, as the real servers deliver room events.
   */
  emit<E extends EventName<C>>(name: E, data: EventDataOf<C, E>, audience?: EventAudience): void;
  /** The network goes away: every open connection closes with 1006, without a word from the server. */
  drop(): void;
  /**
   * Keeps the network down (`false`): open connections drop with 1006 and every new one fails
   * the same way, until `setOnline(true)`.
   */
  setOnline(online: boolean): void;
  /**
   * The server refuses the token, `times` times (default 1): every signed-in connection closes at
   * once with `error` + 4401 (that is the first refusal), and the next `times - 1` tokens presented
   * (at `auth` or `auth.refresh`) are refused too. With no connection signed in, the next `times`
   * are refused. Two in a row is what a client takes as "signed out".
   */
  reject(times?: number): void;
  /** The user is deactivated: `error` + 4403 on every open connection, and 4403 at every later `auth`. */
  forbid(): void;
  /**
   * Closes every open connection with `code` (default 1001, the server going away), after an
   * `error` frame for a 4xxx code: `close(4429)` is a rate limit, `close(1012)` a restart.
   */
  close(code?: number, reason?: string): void;
  /** Sets the latency (milliseconds) of everything sent from now on. */
  setLatency(ms: number): void;
  /** Replaces some handlers (until `reset()`), the way msw's `server.use()` overrides a handler for one test. */
  use(handlers: FakeHandlers<C>): void;
  /** A JWT for the fake's user (unsigned: the client only reads it), with `exp` from the clock. */
  token(options?: FakeTokenOptions): string;
  /**
   * Back to the options: closes open connections (1001), forgets requests, connections and
   * request keys, and restores grants (version 1), handlers, latency, the online and active state
   * and pending refusals. Call it in `afterEach`.
   */
  reset(): void;
}
