/**
 * Wires the reference server together: SQLite, tokens, the hub (Redis-bridged when configured),
 * HTTP routes and the WebSocket endpoint `/ws`. {@link startServer} is used by the process entry
 * (main.ts), by in-process tests and by the benchmarks.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { MAX_FRAME_BYTES, SUBPROTOCOL, can } from 'permsocket/protocol';
import { WebSocketServer } from 'ws';
import { createAdminRoute } from './admin-routes';
import { createAuthRoutes } from './auth-routes';
import { createChatHandlers, roomAudience } from './chat';
import { defaultOrigins, type ServerConfig } from './config';
import { createConnectionRegistry } from './connections';
import { openDatabase } from './db';
import { createHttpHandler } from './http';
import { createMemoryHub, createRedisHub, type HubMessage } from './hub';
import { createLogger, type Logger } from './log';
import { createLoginThrottle } from './login-throttle';
import { createMessageStore } from './messages';
import { createRefreshTokens } from './refresh-cookies';
import { acceptConnection, type ServerSideConnection } from './socket';
import { createTokenService } from './tokens';
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

function refuseUpgrade(socket: Duplex, status: number, text: string, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Starts the server and resolves once it accepts connections. */
export async function startServer(config: ServerConfig, log: Logger = createLogger()): Promise<RunningServer> {
  const db = await openDatabase(config.database);
  const users = createUserStore(db);
  const messages = createMessageStore(db);
  const tokens = createTokenService(config.jwtSecret, config.accessTokenTtl);
  const refreshTokens = createRefreshTokens(db);
  const hub = config.redisUrl ? await createRedisHub(config.redisUrl, log) : createMemoryHub();
  const loginThrottle = await createLoginThrottle(config.loginRateLimit, config.redisUrl, log);
  const registry = createConnectionRegistry();
  const handlers = createChatHandlers(messages, hub);
  const connections = new Set<ServerSideConnection>();
  let accepting = true;
  let allowedOrigins = new Set<string>();

  hub.subscribe((message: HubMessage) => {
    try {
      if (message.kind === 'user-changed') {
        const targets = registry.forUser(message.userId);
        if (targets.size === 0) return;
        const state = users.permissionState(message.userId);
        for (const connection of [...targets]) connection.applyPermissions(state);
        return;
      }
      // Each viewer is re-checked with current grants: a revoked viewer stops hearing the room.
      const { permission, resource } = roomAudience(message.room);
      for (const [userId, targets] of [...registry.byUser()]) {
        const state = users.permissionState(userId);
        if (!state?.active || !can(state.grants, permission, resource)) continue;
        for (const connection of [...targets]) connection.sendEvent(state, message.name, message.data);
      }
    } catch (error) {
      log('hub.delivery_failed', { kind: message.kind, message: error instanceof Error ? error.message : String(error) });
    }
  });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    perMessageDeflate: false,
    clientTracking: false,
    handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });

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
      adminRoute: createAdminRoute({ users, tokens, refreshTokens, hub, log }),
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

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (!accepting) return refuseUpgrade(socket, 503, 'Service Unavailable', 'unavailable', 'shutting down');
    if (pathname !== '/ws') return refuseUpgrade(socket, 404, 'Not Found', 'not_found', 'WebSocket endpoint is /ws');
    const origin = req.headers.origin;
    if (!origin || !allowedOrigins.has(origin)) {
      log('ws.refused_origin', { origin: origin ?? '(none)', ip: req.socket.remoteAddress, status: 403 });
      return refuseUpgrade(socket, 403, 'Forbidden', 'forbidden', 'origin not allowed');
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const connection = acceptConnection(ws, req, { config, users, tokens, handlers, registry, log });
      connections.add(connection);
      ws.on('close', () => connections.delete(connection));
    });
  });

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

  const heartbeat = setInterval(() => {
    for (const connection of connections) connection.checkAlive();
  }, config.heartbeatMs);
  heartbeat.unref();

  let closing: Promise<void> | undefined;
  return {
    port,
    url: `http://${host}:${port}`,
    close() {
      closing ??= (async () => {
        accepting = false;
        clearInterval(heartbeat);
        const httpClosed = new Promise<void>((resolve) => http.close(() => resolve()));
        http.closeIdleConnections();
        await Promise.all([...connections].map((connection) => connection.shutdown(SHUTDOWN_GRACE_MS)));
        http.closeAllConnections();
        await httpClosed;
        await hub.close();
        await loginThrottle?.close();
        db.close();
        log('server.stopped');
      })();
      return closing;
    },
  };
}
