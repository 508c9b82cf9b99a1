/**
 * The baselines' servers, run as a child process like the reference server so every system in a
 * comparison has the same process layout (client here, server in its own process):
 *
 * - `BENCH_MODE=ws`: a bare `ws` server. It answers `auth` with a fixed `auth.ok` (so the SDK can
 *   talk to it too) and every `req` with a `res` carrying `BENCH_DATA`, the very JSON the reference
 *   server returns. No token check, no database: the floor any WebSocket app stands on.
 * - `BENCH_MODE=socketio`: socket.io with the reference server's work per request: the JWT checked
 *   at the handshake, the contract's zod validation, the same fresh permission check (the engine's
 *   cache over the demo's permissionsVersion and loadPermissions), the contract's permission rule
 *   and the same chat handler, answered through the acknowledgement callback.
 *
 * Prints `listening on http://127.0.0.1:<PORT>` once it accepts connections.
 */
import { createServer } from 'node:http';
import { jwtVerify } from 'jose';
import { Server as SocketIoServer } from 'socket.io';
import { WebSocketServer } from 'ws';
import { chatContract } from '../demo/contract';
import { createChatHandlers } from '../demo/server/chat';
import { openDatabase } from '../demo/server/db';
import { createMessageStore } from '../demo/server/messages';
import { createUserStore } from '../demo/server/users';
import { MAX_FRAME_BYTES, SUBPROTOCOL, checkAction, createPermissionSet, validatePayload, type ActionDefinition, type PayloadCheck } from '../src/protocol';
import { createPermissionsCache, type UserPermissions } from '../src/server/permissions-cache';

const port = Number(process.env.PORT);
const mode = process.env.BENCH_MODE;
const http = createServer((_req, res) => res.writeHead(404).end());

if (mode === 'ws') {
  const data = JSON.parse(process.env.BENCH_DATA ?? 'null') as unknown;
  const authOk = JSON.stringify({
    type: 'auth.ok',
    user: { id: '1', name: 'bench' },
    exp: Math.floor(Date.now() / 1000) + 86_400,
    now: Date.now(),
    perms: { version: 1, grants: ['*'] },
  });
  const wss = new WebSocketServer({
    server: http,
    path: '/ws',
    maxPayload: MAX_FRAME_BYTES,
    perMessageDeflate: false,
    clientTracking: false,
    handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });
  wss.on('connection', (ws) => {
    ws.on('message', (raw) => {
      const frame = JSON.parse(String(raw)) as { type: string; id?: string };
      if (frame.type === 'req') ws.send(JSON.stringify({ type: 'res', id: frame.id, ok: true, data }));
      else if (frame.type === 'auth') ws.send(authOk);
      else if (frame.type === 'ping') ws.send('{"type":"pong"}');
    });
  });
} else if (mode === 'socketio') {
  const db = await openDatabase(process.env.DATABASE ?? '');
  const users = createUserStore(db);
  const handlers = createChatHandlers(createMessageStore(db), async () => {});
  const key = new TextEncoder().encode(process.env.JWT_SECRET ?? '');
  const io = new SocketIoServer(http, { transports: ['websocket'], perMessageDeflate: false, maxHttpBufferSize: MAX_FRAME_BYTES, serveClient: false });
  io.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown }).token;
    if (typeof token !== 'string') return next(new Error('unauthenticated'));
    jwtVerify(token, key, { algorithms: ['HS256'], audience: 'permsocket', requiredClaims: ['exp', 'sub'] }).then(
      ({ payload }) => {
        const user = users.byId(Number(payload.sub));
        if (!user?.active) return next(new Error('forbidden'));
        socket.data.user = { id: user.id, name: user.username };
        next();
      },
      () => next(new Error('unauthenticated')),
    );
  });
  const permissions = createPermissionsCache(
    (who) => {
      const state = users.permissionState(Number(who.id));
      if (!state?.active) throw new Error('inactive');
      return state;
    },
    (who) => users.permissionsVersion(Number(who.id)),
  );
  const context = { permissions: createPermissionSet(1, []), signal: new AbortController().signal, requestId: 'r', connectionId: 'c', key: undefined, keyHandled: () => {} };
  io.on('connection', (socket) => {
    const user = socket.data.user as { id: number; name: string };
    socket.on('chat.history', (payload: unknown, ack: (answer: unknown) => void) => {
      const definition = chatContract.actions['chat.history'] as ActionDefinition<unknown, unknown>;
      // The contract's zod schema validates synchronously.
      const valid = validatePayload(definition, payload) as PayloadCheck;
      if (!valid.ok) return ack({ ok: false, error: { code: 'bad_request', message: valid.message } });
      payload = valid.value;
      // Fresh on every request exactly as the reference server checks: the engine's cache over the
      // same two hooks (the version from memory and SQLite's data_version, grants when it moved).
      const fresh = permissions.get({ id: String(user.id), name: user.name }) as UserPermissions;
      const check = checkAction(definition, payload, fresh.set);
      if (!check.allowed) return ack({ ok: false, error: { code: 'permission_denied', message: 'denied' } });
      try {
        const data = handlers['chat.history'](payload as { room: string }, { ...context, user: { id: String(user.id), name: user.name } });
        ack({ ok: true, data });
      } catch (error) {
        ack({ ok: false, error: { code: (error as { code?: string }).code ?? 'internal', message: (error as Error).message } });
      }
    });
  });
} else {
  process.stderr.write(`BENCH_MODE must be "ws" or "socketio", got "${mode}"\n`);
  process.exit(1);
}

http.listen(port, '127.0.0.1', () => process.stdout.write(`listening on http://127.0.0.1:${port}\n`));
process.on('SIGTERM', () => process.exit(0));
