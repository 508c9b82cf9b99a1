/**
 * createServer: the engine that wires connections, the hub and the app's hooks. It owns the
 * WebSocket endpoint (Origin check, subprotocol, frame cap), the registry of signed-in
 * connections by user, pushes, events with their audience, disconnects and graceful shutdown.
 * @packageDocumentation
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Contract } from '../contract';
import { CloseCode, MAX_FRAME_BYTES, SUBPROTOCOL, encodeFrame } from '../protocol';
import { acceptConnection, type ConnectionSettings, type LiveConnection } from './connection';
import { ForbiddenError } from './errors';
import { memoryHub, type HubMessage } from './hub';
import { memoryKeys } from './keys';
import { errorLogger, messageOf, redactingLogger } from './log';
import { andThen, createPermissionsCache, type UserPermissions } from './permissions-cache';
import type { Audience, DisconnectCode, PermsocketServer, PingOptions, ServerOptions } from './types';

/** The engine's defaults, for every option that has one. */
export const serverDefaults = Object.freeze({
  authTimeout: 5_000,
  rateLimit: Object.freeze({ burst: 100, perSecond: 50 }),
  maxPayload: MAX_FRAME_BYTES,
  maxBufferedBytes: 8 * 1024 * 1024,
  ping: Object.freeze({ interval: 30_000 }),
  closeTimeout: 5_000,
  path: '/ws',
});

const DISCONNECT_CODES = new Set<number>([1000, 1001, 1012, 1013, 4401, 4403]);

function refuseUpgrade(socket: Duplex, status: number, text: string, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`createServer: ${name} expects a positive number, got ${String(value)}`);
  return value;
}

/** The heartbeat's period and how long a pinged socket has to answer (at most the period). */
function pingTimes(ping: PingOptions | undefined): { interval: number; timeout: number } {
  const interval = positive('ping.interval', ping?.interval, serverDefaults.ping.interval);
  return { interval, timeout: Math.min(positive('ping.timeout', ping?.timeout, interval), interval) };
}

function checkOptions<C extends Contract>(options: ServerOptions<C>): void {
  if (typeof options.authenticate !== 'function') throw new TypeError('createServer: authenticate expects a function, such as hs256({ secret, audience })');
  if (typeof options.loadPermissions !== 'function') throw new TypeError('createServer: loadPermissions expects a function (user) => ({ version, grants })');
  if (typeof options.allowedOrigins !== 'function' && !Array.isArray(options.allowedOrigins)) {
    throw new TypeError('createServer: allowedOrigins expects an array of origins or a function');
  }
  for (const name of Object.keys(options.contract.actions)) {
    if (typeof (options.handlers as Record<string, unknown>)[name] !== 'function') {
      throw new TypeError(`createServer: no handler for the contract action "${name}"`);
    }
  }
  const rate = options.rateLimit;
  if (rate !== undefined && rate !== false && !(rate.burst >= 1 && rate.perSecond > 0)) {
    throw new TypeError('createServer: rateLimit expects { burst >= 1, perSecond > 0 } or false');
  }
}

/**
 * Creates the server half of permsocket: every check of PROTOCOL.md, on a `ws` server attached to
 * the app's HTTP server.
 * @example
 * const ps = createServer({
 *   contract,
 *   authenticate: hs256({ secret, audience: 'permsocket' }),
 *   loadPermissions: async (user) => ({ version: 1, grants: await grantsOf(user.id) }),
 *   handlers: { 'chat.send': async ({ room, text }, { user }) => ({ message: await save(room, text, user) }) },
 *   allowedOrigins: ['https://app.example'],
 * });
 * ps.attach(httpServer);
 */
export function createServer<C extends Contract>(options: ServerOptions<C>): PermsocketServer<C> {
  checkOptions(options);
  const log = redactingLogger(options.logger ?? errorLogger);
  const hub = options.hub ?? memoryHub();
  const keys = options.keys === undefined ? memoryKeys() : options.keys || undefined;
  const maxPayload = Math.min(positive('maxPayload', options.maxPayload, serverDefaults.maxPayload), MAX_FRAME_BYTES);
  const closeTimeout = positive('closeTimeout', options.closeTimeout, serverDefaults.closeTimeout);
  const ping = options.ping === false ? false : pingTimes(options.ping);
  const allowed = options.allowedOrigins;
  const originAllowed = typeof allowed === 'function' ? allowed : (origin: string) => allowed.includes(origin);
  const permissions = createPermissionsCache(options.loadPermissions, options.permissionsVersion);

  const connections = new Set<LiveConnection>();
  const byUser = new Map<string, Set<LiveConnection>>();
  let accepting = true;

  const settings: ConnectionSettings = {
    contract: options.contract,
    handlers: options.handlers as unknown as ConnectionSettings['handlers'],
    authenticate: options.authenticate,
    permissions,
    authTimeout: positive('authTimeout', options.authTimeout, serverDefaults.authTimeout),
    rateLimit: options.rateLimit ?? serverDefaults.rateLimit,
    maxBufferedBytes: positive('maxBufferedBytes', options.maxBufferedBytes, serverDefaults.maxBufferedBytes),
    keys,
    log,
    onReady(connection: LiveConnection) {
      const id = connection.user!.id;
      let set = byUser.get(id);
      if (!set) byUser.set(id, (set = new Set()));
      set.add(connection);
    },
    onClosed(connection: LiveConnection) {
      connections.delete(connection);
      const user = connection.user;
      const set = user && byUser.get(user.id);
      if (!set?.delete(connection) || set.size > 0) return;
      byUser.delete(user!.id);
      permissions.forget(user!.id);
    },
  };

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload,
    perMessageDeflate: false,
    // Stryker disable next-line BooleanLiteral: the engine keeps its own set of connections; ws's would never be read
    clientTracking: false,
    handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });

  /** The permissions of one user for a hub message; a hook failure is handled per connection. */
  const forUser = (userId: string, targets: Set<LiveConnection>, force: boolean, use: (p: UserPermissions) => void): void | Promise<void> => {
    // Every set in byUser holds a signed-in connection: onReady adds it, onClosed drops an empty set.
    const user = targets.values().next().value!.user!;
    const settle = (error: unknown) => {
      if (error instanceof ForbiddenError) for (const c of [...targets]) c.closeWith(CloseCode.Forbidden, error.message || 'forbidden');
      else log('hub.error', { user: user.name, message: messageOf(error) });
    };
    try {
      const result = andThen(permissions.get(user, force), use);
      if (result instanceof Promise) return result.catch(settle);
    } catch (error) {
      settle(error);
    }
    return undefined;
  };

  const handle = (message: HubMessage): void | Promise<void> => {
    if (message.kind === 'disconnect') {
      // Another node's message skipped this node's check: ws would throw on such a code mid-close.
      if (!DISCONNECT_CODES.has(message.code)) throw new RangeError(`disconnect: code ${String(message.code)} is not one a socket can be closed with here`);
      for (const connection of [...(byUser.get(message.userId) ?? [])]) connection.closeWith(message.code, message.reason);
      return;
    }
    if (message.kind === 'perms') {
      const targets = byUser.get(message.userId);
      if (!targets) return;
      return forUser(message.userId, targets, true, (fresh) => {
        for (const connection of [...targets]) connection.applyPermissions(fresh);
      });
    }
    // An event: each user is checked with current grants, so a revoked viewer stops hearing it.
    // Encoded once for every connection.
    const frame = encodeFrame({ type: 'event', name: message.name, data: message.data });
    const pending: Promise<void>[] = [];
    for (const [userId, targets] of [...byUser]) {
      const sent = forUser(userId, targets, false, (fresh) => {
        if (message.permission !== null && !fresh.set.can(message.permission, message.resource)) return;
        for (const connection of [...targets]) connection.sendEvent(fresh, frame);
      });
      if (sent) pending.push(sent);
    }
    return pending.length > 0 ? Promise.all(pending).then(() => undefined) : undefined;
  };

  // Hub messages are handled in order: with asynchronous hooks, the next waits for the previous,
  // so a push and the events after it reach a client in the order they were published.
  let tail: Promise<void> | undefined;
  const unsubscribe = hub.subscribe((message) => {
    const run = () => {
      try {
        return handle(message);
      } catch (error) {
        log('hub.error', { kind: message.kind, message: messageOf(error) });
        return undefined;
      }
    };
    if (tail) {
      const next: Promise<void> = tail.then(run).then(() => {
        if (tail === next) tail = undefined;
      });
      tail = next;
      return;
    }
    const result = run();
    if (result) {
      const next: Promise<void> = result.then(() => {
        if (tail === next) tail = undefined;
      });
      tail = next;
    }
  });

  const heartbeat = ping
    ? setInterval(() => {
        for (const connection of connections) connection.checkAlive();
        // A shorter timeout: one timer per round, not one per socket.
        // Stryker disable next-line ConditionalExpression,EqualityOperator: with timeout equal to interval, this timer and the next round fire together and drop the same sockets
        if (ping.timeout < ping.interval) {
          setTimeout(() => {
            for (const connection of connections) connection.dropIfSilent();
          }, ping.timeout).unref();
        }
      }, ping.interval)
    : undefined;
  heartbeat?.unref();

  const publishToHub = async (message: HubMessage) => {
    try {
      await hub.publish(message);
    } catch (error) {
      log('hub.error', { kind: message.kind, message: messageOf(error) });
      throw error;
    }
  };

  const handleUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (!accepting) return refuseUpgrade(socket, 503, 'Service Unavailable', 'unavailable', 'shutting down');
    const origin = request.headers.origin;
    let allowedOrigin = false;
    try {
      allowedOrigin = origin !== undefined && originAllowed(origin);
    } catch (error) {
      log('ws.internal_error', { message: `allowedOrigins threw: ${messageOf(error)}` });
    }
    if (!allowedOrigin) {
      log('ws.refused_origin', { origin: origin ?? '(none)', ip: request.socket.remoteAddress, status: 403 });
      return refuseUpgrade(socket, 403, 'Forbidden', 'forbidden', 'origin not allowed');
    }
    // ws completes the upgrade synchronously, so close() cannot have begun since the check above.
    wss.handleUpgrade(request, socket, head, (ws) => {
      connections.add(acceptConnection(ws, request, settings));
    });
  };

  let closing: Promise<void> | undefined;
  return {
    attach(server: HttpServer | HttpsServer, attachOptions: { path?: string } = {}) {
      const path = attachOptions.path ?? serverDefaults.path;
      server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
        // Stryker disable next-line StringLiteral: a server's request always has a url, and '' resolves to the same '/'
        const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
        if (pathname === path) handleUpgrade(request, socket, head);
        else if (server.listenerCount('upgrade') === 1) {
          socket.on('error', () => socket.destroy());
          refuseUpgrade(socket, 404, 'Not Found', 'not_found', `the WebSocket endpoint is ${path}`);
        }
      });
    },
    handleUpgrade,
    ready: async () => {
      await Promise.all([hub.ready(), keys?.ready?.()]);
    },
    pushPermissions: (userId) => publishToHub({ kind: 'perms', userId: String(userId) }),
    publish(name, data, audience: Audience) {
      if (!Object.hasOwn(options.contract.events, name)) {
        return Promise.reject(new TypeError(`publish: the contract has no event "${String(name)}"`));
      }
      const permission = audience?.permission;
      if (permission !== null && typeof permission !== 'string') {
        return Promise.reject(new TypeError('publish: the audience needs a permission (a string, or null for everyone signed in)'));
      }
      try {
        JSON.stringify(data);
      } catch (error) {
        return Promise.reject(new TypeError(`publish: the data of "${name}" is not JSON (${messageOf(error)})`));
      }
      return publishToHub({ kind: 'event', name, data, permission, resource: audience.resource });
    },
    disconnectUser(userId, code: DisconnectCode, reason) {
      if (!DISCONNECT_CODES.has(code)) {
        return Promise.reject(new RangeError(`disconnectUser: code ${String(code)} is not one of ${[...DISCONNECT_CODES].join(', ')}`));
      }
      return publishToHub({ kind: 'disconnect', userId: String(userId), code, reason: String(reason) });
    },
    get connectionCount() {
      return connections.size;
    },
    close() {
      closing ??= (async () => {
        accepting = false;
        clearInterval(heartbeat);
        await Promise.all([...connections].map((connection) => connection.shutdown(closeTimeout)));
        unsubscribe();
        await tail;
        await Promise.all([hub.close(), keys?.close?.()]);
        wss.close();
      })();
      return closing;
    },
  };
}
