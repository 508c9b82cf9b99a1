/**
 * The engine's public types: options, the authenticated user, handlers and their context, and
 * the server handle that {@link createServer} returns.
 * @packageDocumentation
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { ActionName, Contract, EventDataOf, EventName, ParsedPayloadOf, ResultOf } from '../contract';
import type { PermissionSet } from '../permissions';
import type { PermissionSnapshot, UserInfo } from '../protocol';
import type { Hub } from './hub';
import type { KeyStore } from './keys';
import type { Logger } from './log';
import type { RateLimit } from './rate-limit';

/** What `authenticate` gives for a good token: the user (`id` is the token's `sub`) and its expiry. */
export interface Authenticated {
  user: UserInfo;
  /** The token's expiry, unix seconds: the connection closes with 4401 then, unless refreshed. */
  exp: number;
  /** The verified claims, for an app's own `authenticate` wrapper; the engine ignores them. */
  claims?: Record<string, unknown>;
}

/** What a handler knows about its call. */
export interface HandlerContext {
  /** The signed-in user. */
  user: UserInfo;
  /** The permission set the request was checked against (fresh for this request). */
  permissions: PermissionSet;
  /** Aborted when the connection closes or the server shuts down past its grace period. */
  signal: AbortSignal;
  /** The request's id, unique among this connection's requests in flight. */
  requestId: string;
  /** This connection's id, unique in this process. */
  connectionId: string;
  /**
   * The request's key (`req.key`), the same on every re-send of this request; undefined when the
   * client sent none or `keys` is off. A handler with a durable effect stores it with the effect,
   * in the same transaction (unique per user), and answers a repeat from what it stored: the key
   * window in memory does not survive a crash between the effect and the answer.
   * @example
   * 'chat.send': ({ room, text }, { user, key }) => ({ message: db.addOnce(user.id, key, room, text) })
   */
  key: string | undefined;
  /**
   * Says that this handler stored `key` with its effect and answers a repeat itself: the engine
   * then keeps no copy of this answer in its key window (a repeat while this run is still going
   * still waits for it). Saves the window's memory for large answers.
   */
  keyHandled(): void;
}

/** One handler per contract action, typed from the contract: it receives the validated payload. */
export type Handlers<C extends Contract> = {
  [A in ActionName<C>]: (payload: ParsedPayloadOf<C, A>, context: HandlerContext) => ResultOf<C, A> | Promise<ResultOf<C, A>>;
};

/** Liveness pings (WebSocket ping frames); a socket that did not answer the previous one is dropped. */
export interface PingOptions {
  /**
   * Milliseconds between pings.
   * @default 30000
   */
  interval: number;
  /**
   * Milliseconds a socket has to answer a ping (at most `interval`); a silent one is terminated.
   * @default interval
   */
  timeout?: number;
}

/** Options of {@link createServer}. */
export interface ServerOptions<C extends Contract> {
  /** The contract, the very object the browser imports. */
  contract: C;
  /**
   * Verifies an access token (from `auth` and `auth.refresh`): returns the user and the token's
   * expiry. Throwing closes with 4401 (an {@link AuthenticationError}'s message is sent, any other
   * error's is only logged); a {@link ForbiddenError} closes with 4403. `hs256()` and `jwks()`
   * make one.
   */
  authenticate: (token: string) => Authenticated | Promise<Authenticated>;
  /**
   * The user's current permissions: `{ version, grants }` (grants such as
   * `chat.send_message@room:general`, or `*`; `version` only grows). Called at `auth`, at every
   * request (unless `permissionsVersion` says nothing moved), for a push and for an event's
   * audience. Throwing a {@link ForbiddenError} closes that user's connections with 4403.
   */
  loadPermissions: (user: UserInfo) => PermissionSnapshot | Promise<PermissionSnapshot>;
  /**
   * Optional and cheap: the user's current permission version, or undefined when unknown. When it
   * equals the version of the permissions last loaded for this user, `loadPermissions` is not
   * called and those are used. It must move whenever the grants or the user's status change, by
   * anyone: this is what keeps the per-request check fresh.
   */
  permissionsVersion?: (user: UserInfo) => number | undefined | Promise<number | undefined>;
  /** One handler per action of the contract. */
  handlers: Handlers<C>;
  /**
   * Origins allowed at the handshake (`https://app.example`), or a function deciding. A missing or
   * unlisted Origin gets HTTP 403 and no upgrade.
   */
  allowedOrigins: readonly string[] | ((origin: string) => boolean);
  /**
   * Milliseconds a new socket may take to send `auth`: past it, `error` `auth_timeout` and 4408.
   * @default 5000
   */
  authTimeout?: number;
  /**
   * The per-connection token bucket over every frame, auth included; exceeding it sends `error`
   * `rate_limited` (with `retryAfterMs`) and closes with 4429. `false` turns it off (benchmarks).
   * @default { burst: 100, perSecond: 50 }
   */
  rateLimit?: RateLimit | false;
  /**
   * Largest frame accepted, in bytes; larger ones close with 1009. At most 64 KiB (PROTOCOL.md).
   * @default 65536
   */
  maxPayload?: number;
  /**
   * Most bytes a connection may have waiting to be sent. A peer that stops reading while answers
   * and events pile up is closed with 1013 past it, so one slow reader cannot exhaust the memory.
   * @default 8388608 (8 MiB)
   */
  maxBufferedBytes?: number;
  /**
   * Liveness pings; `false` turns them off.
   * @default { interval: 30000 }
   */
  ping?: PingOptions | false;
  /**
   * How `pushPermissions`, `publish` and `disconnectUser` reach every node: `memoryHub()` for one
   * process, `redisHub({ url })` for several.
   * @default memoryHub()
   */
  hub?: Hub;
  /**
   * Where request keys are remembered (PROTOCOL.md, "Request keys"): a repeat of a key by the same
   * user gets the first answer instead of running the handler again. `memoryKeys()` for one
   * process, `redisKeys({ url })` for several nodes, `false` to offer no keys (`auth.ok` then
   * lists no `keys` feature and clients re-send only idempotent actions). Remembered: a handler's
   * result and its `RequestError`s except `internal`, `rate_limited` and any with `retryAfterMs`.
   * Not remembered (a repeat runs again): refusals before the handler (`unknown_action`,
   * `bad_request`, `permission_denied`: nothing ran) and a handler that threw another error.
   * @default memoryKeys() (10 minutes, 1,000 keys per user, 100,000 in all)
   */
  keys?: KeyStore | false;
  /**
   * Milliseconds `close()` waits for in-flight handlers before aborting their signals and closing.
   * @default 5000
   */
  closeTimeout?: number;
  /**
   * Receives the engine's log events, every field already redacted of anything token-shaped.
   * @default errors only (a handler or hook threw, the hub failed), to stderr
   */
  logger?: Logger;
}

/** Where an event goes: every connection whose user holds `permission` (on `resource`). */
export interface Audience {
  /** The permission needed to receive the event, or null for every signed-in connection. */
  permission: string | null;
  /** The resource the permission is checked on, for scoped grants. */
  resource?: string;
}

/** The close codes {@link PermsocketServer.disconnectUser} may use. */
export type DisconnectCode = 1000 | 1001 | 1012 | 1013 | 4401 | 4403;

/** The server handle. */
export interface PermsocketServer<C extends Contract> {
  /**
   * Serves WebSocket upgrades of `server` on `path` (default `/ws`). Other paths are left to other
   * upgrade listeners, or answered 404 when there is none.
   */
  attach(server: HttpServer | HttpsServer, options?: { path?: string }): void;
  /** Takes over one upgrade request: Origin check (403), then the WebSocket handshake. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Resolves once the hub is connected (with `redisHub`, subscribed), so the node hears the others. */
  ready(): Promise<void>;
  /**
   * Reloads the user's permissions and pushes `perms` to their connections, on every node; a
   * {@link ForbiddenError} from `loadPermissions` closes them with 4403. Resolves once sent.
   */
  pushPermissions(userId: string): Promise<void>;
  /** Sends an event to every connection allowed to see it (current grants), on every node. */
  publish<E extends EventName<C>>(name: E, data: EventDataOf<C, E>, audience: Audience): Promise<void>;
  /**
   * Closes the user's connections on every node: a 4xxx code is preceded by its `error` frame
   * (carrying `reason` as the message).
   */
  disconnectUser(userId: string, code: DisconnectCode, reason: string): Promise<void>;
  /** Open WebSocket connections on this node (authenticated or not). */
  readonly connectionCount: number;
  /**
   * Graceful stop: refuses new upgrades (503), lets in-flight handlers finish (up to
   * `closeTimeout`), closes every socket with 1001, then closes the hub.
   */
  close(): Promise<void>;
}
