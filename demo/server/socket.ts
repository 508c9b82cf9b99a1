/**
 * One WebSocket connection's lifecycle: subprotocol check, the `auth` handshake within the auth
 * timeout, `auth.refresh`, the token's expiry, the rate limit, and every `req` run through the
 * contract's rule with the user's fresh grants. Every refusal that closes with a 4xxx code sends an
 * `error` frame first, and nothing a client sends can make it throw or close with 1011.
 */
import type { IncomingMessage } from 'node:http';
import {
  CloseCode,
  ErrorCode,
  SUBPROTOCOL,
  can,
  checkAction,
  closeErrorCode,
  encodeFrame,
  parseClientFrame,
  validatePayload,
  type ServerFrame,
  type WireError,
} from 'permsocket/protocol';
import type { WebSocket } from 'ws';
import { chatContract } from '../contract';
import type { ChatHandlers } from './chat';
import type { ServerConfig } from './config';
import type { ConnectionRegistry, LiveConnection } from './connections';
import type { Logger } from './log';
import type { Outcome } from './outcome';
import { createTokenBucket } from './rate-limit';
import type { TokenService } from './tokens';
import type { PermissionState, UserStore } from './users';

/** What a connection needs from the server. */
export interface SocketDependencies {
  config: ServerConfig;
  users: UserStore;
  tokens: TokenService;
  handlers: ChatHandlers;
  registry: ConnectionRegistry;
  log: Logger;
}

/** The server's handle on one connection, for shutdown and liveness. */
export interface ServerSideConnection {
  /** Waits for in-flight requests (at most `graceMs`), then closes with 1001. Resolves once closed. */
  shutdown(graceMs: number): Promise<void>;
  /** Whether the peer answered since the last call; a dead peer is terminated. */
  checkAlive(): void;
}

type Phase = 'awaiting-auth' | 'verifying' | 'ready' | 'closing';

// setTimeout's longest delay; a later expiry is re-armed in steps.
const MAX_TIMER_MS = 2 ** 31 - 1;
// How long a peer gets to finish the close handshake after a server close.
const CLOSE_HANDSHAKE_MS = 2000;

const sameGrants = (a: readonly string[] | undefined, b: readonly string[]) =>
  a !== undefined && a.length === b.length && a.every((grant, i) => grant === b[i]);

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Takes over one upgraded WebSocket. */
export function acceptConnection(ws: WebSocket, request: IncomingMessage, deps: SocketDependencies): ServerSideConnection {
  const { config, users, tokens, handlers, registry, log } = deps;
  const bucket = createTokenBucket(config.rateLimit);
  const inFlight = new Set<string>();
  const drained = new Set<() => void>();
  const ip = request.socket.remoteAddress;
  let phase: Phase = 'awaiting-auth';
  let user: { id: number; name: string } | undefined;
  let tokenExp = 0;
  let sentVersion = -1;
  let sentGrants: string[] | undefined;
  let alive = true;
  let expiryTimer: NodeJS.Timeout | undefined;
  let closed = false;
  const closedWaiters = new Set<() => void>();

  // ws writes every frame with its own syscall. Holding the socket corked until the event loop
  // comes round sends all the answers of one turn together (one writev instead of dozens).
  const tcp = request.socket;
  let corked = false;
  const uncork = () => {
    corked = false;
    tcp.uncork();
  };
  const send = (frame: ServerFrame) => {
    if (ws.readyState !== ws.OPEN) return;
    if (!corked) {
      corked = true;
      tcp.cork();
      setImmediate(uncork);
    }
    ws.send(encodeFrame(frame));
    // The backlog only grows while the peer does not read; past the cap it must reconnect (1013).
    if (ws.bufferedAmount > config.maxBufferedBytes) {
      closeWith(CloseCode.TryAgainLater, `too slow: ${ws.bufferedAmount} bytes waiting to be read`);
    }
  };

  /** Closes from the server side; a 4xxx close is preceded by an `error` frame with its code word. */
  const closeWith = (code: number, message: string, retryAfterMs?: number) => {
    if (phase === 'closing') return;
    phase = 'closing';
    clearTimeout(authTimer);
    clearTimeout(expiryTimer);
    const errorCode = (closeErrorCode as Record<number, string>)[code];
    if (errorCode) send({ type: 'error', error: retryAfterMs === undefined ? { code: errorCode, message } : { code: errorCode, message, retryAfterMs } });
    log(code === CloseCode.GoingAway ? 'ws.closing' : 'ws.refused', { user: user?.name, ip, code, reason: message });
    if (ws.readyState === ws.OPEN) ws.close(code, errorCode ?? '');
    // A peer that never answers the close frame must not hold the socket open.
    setTimeout(() => ws.terminate(), CLOSE_HANDSHAKE_MS).unref();
  };

  const authTimer = setTimeout(() => {
    if (phase === 'awaiting-auth' || phase === 'verifying') {
      closeWith(CloseCode.AuthTimeout, `no auth within ${config.authTimeoutMs / 1000} s`);
    }
  }, config.authTimeoutMs);

  const armExpiry = (exp: number) => {
    clearTimeout(expiryTimer);
    tokenExp = exp;
    const fire = () => {
      const left = tokenExp * 1000 - Date.now();
      if (left > 0) {
        expiryTimer = setTimeout(fire, Math.min(left, MAX_TIMER_MS));
        return;
      }
      closeWith(CloseCode.Unauthenticated, 'token expired');
    };
    fire();
  };

  /** Sends `perms` when the client's snapshot differs from the fresh one. */
  const syncPermissions = (state: PermissionState) => {
    if (sameGrants(sentGrants, state.grants) || state.version < sentVersion) return;
    sentVersion = state.version;
    sentGrants = state.grants;
    send({ type: 'perms', version: state.version, grants: state.grants });
  };

  const live: LiveConnection = {
    get userId() {
      return user?.id ?? -1;
    },
    applyPermissions(state) {
      if (phase !== 'ready') return;
      if (!state || !state.active) closeWith(CloseCode.Forbidden, 'user deactivated');
      else syncPermissions(state);
    },
    sendEvent(state, name, data) {
      if (phase !== 'ready') return;
      syncPermissions(state);
      send({ type: 'event', name, data });
    },
  };

  const sendAuthOk = (state: PermissionState) => {
    if (!user) return;
    sentVersion = state.version;
    sentGrants = state.grants;
    send({ type: 'auth.ok', user: { id: String(user.id), name: user.name }, exp: tokenExp, now: Date.now(), perms: { version: state.version, grants: state.grants } });
  };

  /** Verifies a token; on refusal closes the connection and returns undefined. */
  const verified = async (token: string) => {
    const result = await tokens.verify(token);
    if (phase === 'closing') return undefined;
    if (!result.ok) {
      closeWith(CloseCode.Unauthenticated, result.reason);
      return undefined;
    }
    const found = users.bySubject(result.claims.sub);
    if (!found) {
      closeWith(CloseCode.Unauthenticated, 'token subject is not a known user');
      return undefined;
    }
    return { found, exp: result.claims.exp };
  };

  const onAuth = async (token: string) => {
    phase = 'verifying';
    const result = await verified(token);
    if (!result) return;
    const state = users.permissionState(result.found.id);
    if (!result.found.active || !state?.active) {
      closeWith(CloseCode.Forbidden, 'user inactive');
      return;
    }
    clearTimeout(authTimer);
    user = { id: result.found.id, name: result.found.username };
    phase = 'ready';
    armExpiry(result.exp);
    registry.add(live);
    sendAuthOk(state);
    log('ws.auth', { user: user.name, ip });
  };

  const onRefresh = async (token: string) => {
    const result = await verified(token);
    if (!result || !user || phase !== 'ready') return;
    if (result.found.id !== user.id) {
      closeWith(CloseCode.Forbidden, 'auth.refresh with a token of another user');
      return;
    }
    const state = users.permissionState(user.id);
    if (!state?.active) {
      closeWith(CloseCode.Forbidden, 'user inactive');
      return;
    }
    // A refresh never shortens the session.
    armExpiry(Math.max(tokenExp, result.exp));
    sendAuthOk(state);
    log('ws.refresh', { user: user.name });
  };

  const runRequest = async (action: string, payload: unknown): Promise<Outcome<unknown> | undefined> => {
    if (!user) return undefined;
    if (!Object.hasOwn(chatContract.actions, action)) {
      return { ok: false, code: ErrorCode.UnknownAction, message: `unknown action "${action.slice(0, 64)}"` };
    }
    const name = action as keyof typeof chatContract.actions;
    const definition = chatContract.actions[name];
    const valid = await validatePayload(definition, payload);
    if (!valid.ok) return { ok: false, code: ErrorCode.BadRequest, message: `"${name}": ${valid.message}` };
    payload = valid.value;
    // Fresh from the database on every request: a grant revoked by anyone is enforced at once.
    const state = users.permissionState(user.id);
    if (!state?.active) {
      closeWith(CloseCode.Forbidden, 'user inactive');
      return undefined;
    }
    syncPermissions(state);
    const grants = new Set(state.grants);
    const check = checkAction(definition, payload, { can: (permission, resource) => can(grants, permission, resource) });
    if (!check.allowed) {
      log('ws.denied', { user: user.name, action: name, permission: check.permission, resource: check.resource });
      const message = `"${name}" needs ${check.permission}${check.resource ? ` on ${check.resource}` : ''}`;
      return { ok: false, code: ErrorCode.PermissionDenied, message, ...denial(check.permission, check.resource) };
    }
    const handler = handlers[name] as (payload: unknown, context: { user: { id: number; name: string } }) => Outcome<unknown>;
    return handler(payload, { user });
  };

  const onRequest = async (id: string, action: string, payload: unknown) => {
    if (inFlight.has(id)) {
      closeWith(CloseCode.BadRequest, `request id "${id}" is already in flight`);
      return;
    }
    inFlight.add(id);
    try {
      // Let the frames already received be read first: ids stay in flight until answered, and one
      // busy connection cannot starve the others.
      await yieldToEventLoop();
      if (phase !== 'ready') return;
      let outcome: Outcome<unknown> | undefined;
      try {
        outcome = await runRequest(action, payload);
      } catch (error) {
        log('ws.internal_error', { user: user?.name, action: action.slice(0, 64), message: error instanceof Error ? error.message : String(error) });
        outcome = { ok: false, code: ErrorCode.Internal, message: 'internal error' };
      }
      if (!outcome || phase !== 'ready') return;
      send(outcome.ok ? { type: 'res', id, ok: true, data: outcome.data } : { type: 'res', id, ok: false, error: wireError(outcome) });
    } finally {
      inFlight.delete(id);
      if (inFlight.size === 0) for (const resolve of drained) resolve();
    }
  };

  // A failure in async work (the database, say) is logged; it must never become an unhandled rejection.
  const background = (work: Promise<void>) => {
    work.catch((error: unknown) => {
      log('ws.internal_error', { user: user?.name, message: error instanceof Error ? error.message : String(error) });
    });
  };

  const onText = (text: string) => {
    const parsed = parseClientFrame(text);
    if (!parsed.ok && parsed.action === 'close') {
      closeWith(parsed.code, parsed.message);
      return;
    }
    const type = parsed.ok ? parsed.frame.type : 'req';
    if (type === 'auth') {
      if (phase !== 'awaiting-auth') closeWith(CloseCode.BadRequest, 'already authenticated');
      else if (parsed.ok && parsed.frame.type === 'auth') background(onAuth(parsed.frame.token));
      return;
    }
    if (phase !== 'ready') {
      closeWith(CloseCode.Unauthenticated, `"${type}" before auth.ok`);
      return;
    }
    if (!parsed.ok) {
      // A good id still in flight is a bad id (4400) before it is a bad payload.
      if (inFlight.has(parsed.id)) closeWith(CloseCode.BadRequest, `request id "${parsed.id}" is already in flight`);
      else send({ type: 'res', id: parsed.id, ok: false, error: { code: parsed.errorCode, message: parsed.message } });
      return;
    }
    const frame = parsed.frame;
    if (frame.type === 'ping') send({ type: 'pong' });
    else if (frame.type === 'auth.refresh') background(onRefresh(frame.token));
    else if (frame.type === 'req') background(onRequest(frame.id, frame.action, frame.payload));
  };

  ws.on('message', (data, isBinary) => {
    alive = true;
    if (phase === 'closing') return;
    try {
      const wait = bucket.take();
      if (wait > 0) {
        closeWith(CloseCode.RateLimited, 'too many frames', wait);
        return;
      }
      if (isBinary) {
        closeWith(CloseCode.UnsupportedData, 'binary frames are not supported');
        return;
      }
      onText(Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as Buffer).toString('utf8'));
    } catch (error) {
      log('ws.internal_error', { user: user?.name, message: error instanceof Error ? error.message : String(error) });
    }
  });

  ws.on('pong', () => {
    alive = true;
  });
  ws.on('error', (error) => {
    // ws closes the socket itself (1009 for an oversize frame, 1007 for bad UTF-8, 1002 ...).
    log('ws.protocol_error', { user: user?.name, ip, reason: error.message });
  });
  ws.on('close', (code) => {
    closed = true;
    phase = 'closing';
    clearTimeout(authTimer);
    clearTimeout(expiryTimer);
    registry.remove(live);
    log('ws.close', { user: user?.name, ip, code });
    for (const resolve of closedWaiters) resolve();
  });

  log('ws.open', { ip });
  if (ws.protocol !== SUBPROTOCOL) closeWith(CloseCode.UnsupportedProtocol, `offer the subprotocol ${SUBPROTOCOL}`);

  return {
    async shutdown(graceMs) {
      if (inFlight.size > 0) {
        await new Promise<void>((resolve) => {
          const done = () => {
            drained.delete(done);
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(done, graceMs);
          drained.add(done);
        });
      }
      if (closed) return;
      const closing = new Promise<void>((resolve) => closedWaiters.add(resolve));
      if (phase === 'closing') ws.close(CloseCode.GoingAway, 'server shutting down');
      else closeWith(CloseCode.GoingAway, 'server shutting down');
      await Promise.race([closing, new Promise<void>((resolve) => setTimeout(resolve, CLOSE_HANDSHAKE_MS + 100))]);
    },
    checkAlive() {
      if (closed) return;
      if (!alive) {
        log('ws.idle', { user: user?.name, ip });
        ws.terminate();
        return;
      }
      alive = false;
      ws.ping();
    },
  };
}

function denial(permission: string, resource: string | undefined): Pick<WireError, 'permission' | 'resource'> {
  return resource === undefined ? { permission } : { permission, resource };
}

function wireError(outcome: Extract<Outcome<unknown>, { ok: false }>): WireError {
  const error: WireError = { code: outcome.code, message: outcome.message };
  if (outcome.permission !== undefined) error.permission = outcome.permission;
  if (outcome.resource !== undefined) error.resource = outcome.resource;
  return error;
}
