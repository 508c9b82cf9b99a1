/**
 * Wires the reference server together: SQLite, tokens, HTTP routes, and the permsocket/server
 * engine on `/ws` (its hub in memory, or over Redis when configured). {@link startServer} is used by
 * the process entry (main.ts), by in-process tests and by the benchmarks.
 */
import { createServer } from 'node:http';
import { ForbiddenError, AuthenticationError, createServer as createPermsocketServer, hs256, memoryHub, memoryKeys, redisHub, redisKeys } from 'permsocket/server';
import { chatContract } from '../contract';
import { createAdminRoute } from './admin-routes';
import { createAuthRoutes } from './auth-routes';
import { createChatHandlers, type PublishEvent } from './chat';
import { defaultOrigins, type ServerConfig } from './config';
import { openDatabase } from './db';
import { createHttpHandler } from './http';
import type { Hub } from './hub';
import { createLogger, type Logger } from './log';
import { createLoginThrottle } from './login-throttle';
import { createMessageStore } from './messages';
import { createRefreshTokens } from './refresh-cookies';
import { AUDIENCE, createTokenService } from './tokens';
import { createUserStore } from './users';

/** A running server. */
export interface RunningServer {
  /** The port it listens on (the real one when PORT was 0). */
  readonly port: number;
  /** Its base URL, e.g. http://127.0.0.1:8787 */
  readonly url: string;
  /**
   * Graceful stop: refuses new connections, lets in-flight requests finish, closes every socket
   * with 1001, then closes Redis and the database.
   */
  close(): Promise<void>;
}

/** How long shutdown waits for in-flight requests. */
const SHUTDOWN_GRACE_MS = 5_000;

/** Starts the server and resolves once it accepts connections. */
export async function startServer(config: ServerConfig, log: Logger = createLogger()): Promise<RunningServer> {
  const db = await openDatabase(config.database);
  const users = createUserStore(db);
  const messages = createMessageStore(db);
  const tokens = createTokenService(config.jwtSecret, config.accessTokenTtl);
  const refreshTokens = createRefreshTokens(db);
  const loginThrottle = await createLoginThrottle(config.loginRateLimit, config.redisUrl, log);
  let accepting = true;
  let allowedOrigins = new Set<string>();

  const verify = hs256({ secret: config.jwtSecret, audience: AUDIENCE });
  const userId = (id: string) => Number(id);
  // Assigned below: the handlers publish through the engine they are part of.
  let publish: PublishEvent = async () => {};
  const ps = createPermsocketServer({
    contract: chatContract,
    async authenticate(token) {
      const { exp, user } = await verify(token);
      const found = users.bySubject(user.id);
      if (!found) throw new AuthenticationError('token subject is not a known user');
      if (!found.active) throw new ForbiddenError('user inactive');
      return { user: { id: String(found.id), name: found.username }, exp };
    },
    loadPermissions(user) {
      const state = users.permissionState(userId(user.id));
      if (!state?.active) throw new ForbiddenError(state ? 'user deactivated' : 'user deleted');
      return { version: state.version, grants: state.grants };
    },
    // One memory read per request (and SQLite's data_version): loadPermissions only runs when
    // the user's version moved, whoever moved it.
    permissionsVersion: (user) => users.permissionsVersion(userId(user.id)),
    handlers: createChatHandlers(messages, (name, data, audience) => publish(name, data, audience)),
    allowedOrigins: (origin) => allowedOrigins.has(origin),
    authTimeout: config.authTimeoutMs,
    rateLimit: config.rateLimit ?? false,
    maxBufferedBytes: config.maxBufferedBytes,
    ping: { interval: config.heartbeatMs },
    closeTimeout: SHUTDOWN_GRACE_MS,
    hub: config.redisUrl
      ? redisHub({ url: config.redisUrl, onError: (error) => log('redis.error', { message: error.message }) })
      : memoryHub(),
    // A repeat within 10 minutes is answered from here; chat.send also stores its key in SQLite,
    // which survives a crash that this window does not.
    keys: config.redisUrl ? redisKeys({ url: config.redisUrl }) : memoryKeys(),
    logger: log,
  });
  publish = (name, data, audience) => ps.publish(name, data, audience);
  await ps.ready();

  // The admin API's change notices: the engine reloads and pushes on every node.
  const changes: Hub = {
    publish(message) {
      ps.pushPermissions(String(message.userId)).catch((error: unknown) => {
        log('hub.publish_failed', { user: message.userId, message: error instanceof Error ? error.message : String(error) });
      });
    },
  };

  const http = createServer(
    createHttpHandler({
      authRoutes: createAuthRoutes({
        users,
        tokens,
        refreshTokens,
        log,
        throttle: loginThrottle,
        secureCookies: config.secureCookies,
        trustProxy: config.trustProxy,
      }),
      adminRoute: createAdminRoute({ users, tokens, refreshTokens, hub: changes, log }),
      staticDir: config.staticDir,
      log,
      isAccepting: () => accepting,
      isAllowedOrigin: (origin) => allowedOrigins.has(origin),
      trustProxy: config.trustProxy,
    }),
  );
  http.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  ps.attach(http, { path: '/ws' });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.port, config.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  allowedOrigins = new Set(config.allowedOrigins ?? defaultOrigins(port));
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;

  let closing: Promise<void> | undefined;
  return {
    port,
    url: `http://${host}:${port}`,
    close() {
      closing ??= (async () => {
        accepting = false;
        const httpClosed = new Promise<void>((resolve) => http.close(() => resolve()));
        http.closeIdleConnections();
        await ps.close();
        http.closeAllConnections();
        await httpClosed;
        await loginThrottle?.close();
        db.close();
        log('server.stopped');
      })();
      return closing;
    },
  };
}
