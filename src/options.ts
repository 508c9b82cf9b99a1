/**
 * Client options, documented once, with every default in one exported object.
 * @packageDocumentation
 */
import type { Contract, EventDataOf, EventName } from './contract';
import { PermsocketError, type AuthError, type PermissionDenial } from './errors';
import { EMPTY_PERMISSIONS, createPermissionSet, type PermissionSet } from './permissions';
import type { PermissionSnapshot, UserInfo } from './protocol';

/** Why the client asks for a token: a new connection, a refresh ahead of expiry, or a rejection (4401). */
export type TokenReason = 'connect' | 'refresh' | 'rejected';

/** The connection states. `unauthenticated`, `forbidden` and `closed` are terminal until `connect()`. */
export type ConnectionState =
  | 'connecting'
  | 'authenticating'
  | 'ready'
  | 'reconnecting'
  | 'unauthenticated'
  | 'forbidden'
  | 'closed';

/** A WebSocket constructor: the browser's, or `WebSocket` from the `ws` package in Node. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => unknown;

export type { PermissionDenial } from './errors';

/**
 * What the `debug` option receives: every state change, every frame type in and out, and every
 * reconnect decision (after a close: what the code means; before an attempt: how long it waits).
 */
export type DebugEntry =
  | { kind: 'state'; from: ConnectionState; to: ConnectionState }
  | { kind: 'frame'; direction: 'in' | 'out'; type: string }
  | { kind: 'close'; code: number; decision: 'reconnect' | 'reauthenticate' | 'stop' }
  | { kind: 'wait'; attempt: number; delay: number }
  /** With `shareAcrossTabs`: the part this tab plays, and why it is `alone` (its own socket). */
  | { kind: 'tabs'; role: 'leader' | 'follower' | 'alone'; reason?: string };

/** The client's own events and the arguments their listeners receive. */
export interface ClientEvents {
  /** The connection state changed. */
  state: (state: ConnectionState) => void;
  /** Signed in on a new connection (every successful connect, not a refresh). */
  ready: (session: { user: UserInfo; permissions: PermissionSet }) => void;
  /** A new permission snapshot: from `auth.ok` (connect or refresh) or a `perms` push. */
  permissions: (permissions: PermissionSet) => void;
  /** A request was refused for a missing permission, by the client or by the server. */
  'permission-denied': (denial: PermissionDenial) => void;
  /** Signing in failed for good: getToken threw an AuthError, two 4401 in a row, or a 4403. */
  'auth-error': (error: AuthError) => void;
  /**
   * Something went wrong: a malformed frame or a failed getToken (the client recovers), or a fatal
   * close (1003, 1009, 4400, 4406; a ProtocolError, and the client stops in state `closed`).
   */
  error: (error: PermsocketError) => void;
  /** A socket closed (the client decides what to do next from the code); one that never opened is 1006. */
  close: (info: { code: number; reason: string }) => void;
}

/** The client's own events with the internal `change` one that `client.subscribe` listens to. */
export type InternalEvents = ClientEvents & { change: () => void };

/** Reconnection settings. Delays are in milliseconds. */
export interface RetryOptions {
  /**
   * The shortest wait before a reconnect attempt. The first attempt waits between this and twice
   * this: a 1-second-wide window spreads a whole server's clients after a restart.
   * @default 1000
   */
  minDelay?: number;
  /**
   * The longest wait before a reconnect attempt.
   * @default 30000
   */
  maxDelay?: number;
  /**
   * How fast the upper bound grows: attempt n waits a uniform random delay in
   * [minDelay, min(maxDelay, minDelay * factor^(n+1))].
   * @default 2
   */
  factor?: number;
  /**
   * Spread attempts uniformly over the window (full jitter). Turn it off only to measure what
   * jitter buys: without it every client of a restarted server comes back at the same instant.
   * @default true
   */
  jitter?: boolean;
  /**
   * After this long in `ready` the attempt counter starts again from zero.
   * @default 10000
   */
  resetAfter?: number;
  /**
   * The shortest wait after a 4429 (rate limited) close, unless the server's `error` frame gave a
   * longer `retryAfterMs`.
   * @default 10000
   */
  rateLimitDelay?: number;
  /**
   * How long opening a socket may take before the attempt counts as failed.
   * @default 10000
   */
  connectTimeout?: number;
}

/** Liveness settings, in milliseconds. */
export interface PingOptions {
  /**
   * How often a `ping` is sent while ready; 0 turns pings off.
   * @default 25000
   */
  interval?: number;
  /**
   * With no frame from the server this long after a ping (or after `auth`), the socket is taken
   * as dead: the client closes it itself (code 4000) and reconnects with backoff, without waiting
   * for the dead peer's close.
   * @default 10000
   */
  timeout?: number;
}

/** Options of {@link createClient}. */
export interface ClientOptions<C extends Contract> {
  /**
   * The WebSocket URL (`wss://host/ws`), or a function returning it; a function is called again on
   * every connect. Never put a token in it: the token travels in the first frame.
   * @example url: () => `wss://${location.host}/ws`
   */
  url: string | (() => string | Promise<string>);
  /** The contract shared with the server. */
  contract: C;
  /**
   * Returns an access token; called on every connect (`connect`), ahead of expiry (`refresh`) and
   * after the server rejected the token (`rejected`, get a new one, not a cached one). Concurrent
   * calls are merged into one, except that `rejected` never waits on a call already running. Throw an {@link AuthError} when the user is signed out: the client
   * stops in state `unauthenticated`. Any other error is retried with backoff.
   */
  getToken: (context: { reason: TokenReason }) => string | Promise<string>;
  /**
   * The WebSocket constructor. Node 20 has none: pass `WebSocket` from `ws`. Read when the client
   * is about to connect: with neither this nor a global WebSocket, `connect()` (and
   * `createClient` with `autoConnect`) throws, while a client with `autoConnect: false` can still
   * be created anywhere (server-side rendering).
   * @default globalThis.WebSocket
   */
  WebSocket?: WebSocketConstructor;
  /**
   * How long a request (queued time included) or a getToken call may take.
   * @default 10000
   */
  requestTimeout?: number;
  /**
   * How many requests may wait for a connection; one more rejects with QueueFullError.
   * @default 100
   */
  maxQueued?: number;
  /**
   * How long before expiry the token is refreshed, in milliseconds; never more than half of the
   * token's remaining lifetime, so a 5-minute and a 1-hour token are both refreshed in time.
   * @default 60000
   */
  refreshSkew?: number;
  /** Liveness pings. */
  ping?: PingOptions;
  /** Reconnection backoff. */
  retry?: RetryOptions;
  /**
   * Connect as soon as the client is created. When false the client starts `closed` until
   * `connect()`.
   * @default true
   */
  autoConnect?: boolean;
  /**
   * Called with every state change, every frame type sent and received and every reconnect
   * decision, to see what the client does and why. Nothing is built for it when it is absent.
   * @example debug: (entry) => console.debug('[permsocket]', entry)
   */
  debug?: (entry: DebugEntry) => void;
  /**
   * Share one connection among the tabs of this origin: one tab (the holder of a Web Lock) opens
   * the socket and calls getToken; the other tabs' clients talk to it over a BroadcastChannel,
   * with the same API, events, typing, timeouts and local checks. When the leading tab closes,
   * another takes over. Give a `name` to share several clients on one origin separately. Where
   * Web Locks or BroadcastChannel are missing (not a secure context), each tab opens its own
   * socket and `debug` says so. The code for it loads only when this is on.
   * @default false
   * @example shareAcrossTabs: { name: 'chat' }
   */
  shareAcrossTabs?: boolean | { name?: string };
  /**
   * A permission snapshot rendered by your server (`{ version, grants }`, the shape of
   * `client.permissions` as JSON), so `can()`, `permissions`, the React hooks and `<Can>` answer
   * from it before the socket is ready: a server-rendered page and its hydration show the same
   * controls, with no flash. The first `auth.ok` replaces it, whatever its version; a terminal
   * state clears it. Until that `auth.ok`, `request` does not refuse on it (it may be stale): a
   * request waits in the queue and is checked against the server's snapshot, as with none.
   * @default null (nothing is allowed until the server's snapshot arrives)
   * @example initialPermissions: { version: 3, grants: ['chat.view_message'] }
   */
  initialPermissions?: PermissionSnapshot | PermissionSet | null;
  /** Client event listeners registered before the first connect, so none miss it. */
  on?: { [K in keyof ClientEvents]?: ClientEvents[K] };
  /** Contract event listeners registered before the first connect. */
  onEvent?: { [E in EventName<C>]?: (data: EventDataOf<C, E>) => void };
}

/** Every default of {@link ClientOptions}, in one place (the README's table is tested against it). */
export const defaults = {
  requestTimeout: 10_000,
  maxQueued: 100,
  refreshSkew: 60_000,
  autoConnect: true,
  shareAcrossTabs: false,
  initialPermissions: null,
  ping: { interval: 25_000, timeout: 10_000 },
  retry: {
    minDelay: 1_000,
    maxDelay: 30_000,
    factor: 2,
    jitter: true,
    resetAfter: 10_000,
    rateLimitDelay: 10_000,
    connectTimeout: 10_000,
  },
} as const;

/** The options with every default filled in. */
export function resolveOptions<C extends Contract>(options: ClientOptions<C>) {
  return {
    retry: { ...defaults.retry, ...options.retry },
    ping: { ...defaults.ping, ...options.ping },
    requestTimeout: options.requestTimeout ?? defaults.requestTimeout,
    maxQueued: options.maxQueued ?? defaults.maxQueued,
    refreshSkew: options.refreshSkew ?? defaults.refreshSkew,
    autoConnect: options.autoConnect ?? defaults.autoConnect,
    initialPermissions: initialSet(options.initialPermissions),
  };
}

/** The `initialPermissions` option as a snapshot; a malformed one throws at `createClient`. */
function initialSet(value: ClientOptions<Contract>['initialPermissions']): PermissionSet {
  if (value == null) return EMPTY_PERMISSIONS;
  const { version, grants } = value as Partial<PermissionSnapshot>;
  if (typeof version != 'number' || !Array.isArray(grants) || !grants.every((grant) => typeof grant == 'string'))
    throw new PermsocketError('setup', 'initialPermissions expects { version: number, grants: string[] }');
  return createPermissionSet(version, grants);
}
