/**
 * One WebSocket connection's lifecycle: subprotocol check, the `auth` handshake within the auth
 * timeout, `auth.refresh`, the token's expiry, the rate limit, the slow-reader cap, and every
 * `req` run in PROTOCOL.md's order (action, payload, permission on fresh grants, handler). Every
 * refusal that closes with a 4xxx code sends an `error` frame first, and nothing a client sends
 * can make it throw or close with 1011.
 */
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { checkAction, validatePayload, type Contract } from '../contract';
import {
  CloseCode,
  ErrorCode,
  SUBPROTOCOL,
  KEYS_FEATURE,
  closeErrorCode,
  encodeFrame,
  parseClientFrame,
  type RequestFrame,
  type ServerFrame,
  type UserInfo,
  type WireError,
} from '../protocol';
import { AuthenticationError, ForbiddenError, RequestError } from './errors';
import { checkedClaim, remembersError, type KeyClaim, type KeyStore } from './keys';
import { messageOf, type Logger } from './log';
import { isPromise, sameGrants, type PermissionsCache, type UserPermissions } from './permissions-cache';
import { createTokenBucket, type RateLimit } from './rate-limit';
import type { Authenticated, HandlerContext } from './types';

/** What a connection needs from the engine. */
export interface ConnectionSettings {
  contract: Contract;
  handlers: Record<string, (payload: unknown, context: HandlerContext) => unknown>;
  authenticate: (token: string) => Authenticated | Promise<Authenticated>;
  permissions: PermissionsCache;
  authTimeout: number;
  rateLimit: RateLimit | false;
  maxBufferedBytes: number;
  /** Where request keys are remembered; undefined: keys are not offered (no `features`). */
  keys: KeyStore | undefined;
  log: Logger;
  /** Called once authenticated, and once closed. */
  onReady(connection: LiveConnection): void;
  onClosed(connection: LiveConnection): void;
}

/** What the engine may do with one connection. */
export interface LiveConnection {
  readonly id: string;
  /** The signed-in user, or undefined before `auth.ok`. */
  readonly user: UserInfo | undefined;
  /** Pushes `perms` when they differ from what the client holds. */
  applyPermissions(permissions: UserPermissions): void;
  /** Sends an encoded `event` frame, after bringing the client's permission snapshot up to date. */
  sendEvent(permissions: UserPermissions, frame: string): void;
  /** Closes from the server side (an `error` frame first for a 4xxx code). */
  closeWith(code: number, message: string): void;
  /** Waits for in-flight requests (at most `graceMs`), aborts the rest, then closes with 1001. */
  shutdown(graceMs: number): Promise<void>;
  /** Whether the peer answered since the last call; a dead peer is terminated, a live one pinged. */
  checkAlive(): void;
  /** Terminates the socket when it has not answered since the last ping. */
  dropIfSilent(): void;
}

type Phase = 'awaiting-auth' | 'verifying' | 'ready' | 'closing';

// setTimeout's longest delay; a later expiry is re-armed in steps.
const MAX_TIMER_MS = 2 ** 31 - 1;
// How long a peer gets to finish the close handshake after a server close.
const CLOSE_HANDSHAKE_MS = 2000;

let nextId = 0;

function isAuthenticated(value: unknown): value is Authenticated {
  const v = value as Authenticated | undefined;
  return (
    // Number.isFinite is false for anything but a finite number, so exp needs no typeof check.
    typeof v?.user?.id === 'string' && v.user.id !== '' && typeof v.user.name === 'string' && Number.isFinite(v.exp)
  );
}

/** Takes over one upgraded WebSocket. */
export function acceptConnection(ws: WebSocket, request: IncomingMessage, settings: ConnectionSettings): LiveConnection {
  const { contract, handlers, log } = settings;
  const id = `c${++nextId}`;
  const bucket = createTokenBucket(settings.rateLimit);
  const inFlight = new Set<string>();
  const drained = new Set<() => void>();
  // Made on first use: most connections sit idle, and an AbortController is not free.
  let aborter: AbortController | undefined;
  let abortReason: Error | undefined;
  const signal = () => {
    if (!aborter) {
      aborter = new AbortController();
      // Stryker disable next-line ConditionalExpression: abort comes with phase 'closing', and a signal is first made only while 'ready'; kept so that a later one would still be aborted
      if (abortReason) aborter.abort(abortReason);
    }
    return aborter.signal;
  };
  const abort = (reason: Error) => {
    abortReason ??= reason;
    aborter?.abort(abortReason);
  };
  const ip = request.socket.remoteAddress;
  let phase: Phase = 'awaiting-auth';
  let user: UserInfo | undefined;
  let tokenExp = 0;
  // Stryker disable next-line UnaryOperator: sendAuthOk sets it before anything can call syncPermissions (phase 'ready')
  let sentVersion = -1;
  let sentGrants: readonly string[] | undefined;
  let alive = true;
  let expiryTimer: NodeJS.Timeout | undefined;
  let closed = false;
  const closedWaiters = new Set<() => void>();

  // ws writes every frame with its own syscall. Holding the socket corked until the event loop
  // comes round sends all the answers of one turn together (one writev instead of dozens). But a
  // lone request (nothing else in flight) on a connection whose last turn sent a single frame is
  // answered at once: that is one request at a time, where nothing would join the answer and
  // holding it to the next turn only adds to its latency. A turn that sent several frames turns
  // corking back on for the next.
  const tcp = request.socket;
  let corked = false;
  let turn = 0;
  let busy = false;
  const endTurn = () => {
    busy = turn > 1;
    turn = 0;
    if (corked) {
      corked = false;
      tcp.uncork();
    }
  };
  // What JSON might not carry (a handler's result) comes here already encoded, by encodeRes; a
  // frame built here holds only strings and finite numbers, checked where they came in.
  const send = (frame: ServerFrame | string, alone = false) => {
    if (ws.readyState !== ws.OPEN) return;
    const text = typeof frame === 'string' ? frame : encodeFrame(frame);
    if (turn++ === 0) setImmediate(endTurn);
    if (!corked && (busy || !alone)) {
      corked = true;
      tcp.cork();
    }
    ws.send(text);
    // The backlog only grows while the peer does not read; past the cap it must reconnect (1013).
    if (ws.bufferedAmount > settings.maxBufferedBytes) {
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
    if (errorCode) {
      // Stryker disable next-line ConditionalExpression: JSON leaves out an undefined retryAfterMs; the test is for exactOptionalPropertyTypes
      const error: WireError = retryAfterMs === undefined ? { code: errorCode, message } : { code: errorCode, message, retryAfterMs };
      send({ type: 'error', error });
    }
    log(code === CloseCode.GoingAway ? 'ws.closing' : 'ws.refused', { user: user?.name, ip, code, reason: message, connection: id });
    // ws itself ignores a close of a socket already closing (the peer's close came first) or closed.
    ws.close(code, errorCode ?? '');
    // A peer that never answers the close frame must not hold the socket open.
    setTimeout(() => ws.terminate(), CLOSE_HANDSHAKE_MS).unref();
  };

  // Every way out of awaiting-auth and verifying (signed in, or closing) clears this timer.
  const authTimer = setTimeout(() => {
    closeWith(CloseCode.AuthTimeout, `no auth within ${settings.authTimeout / 1000} s`);
  }, settings.authTimeout);

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

  /** Sends `perms` when the client's snapshot differs from the fresh one (never an older one). */
  const syncPermissions = (permissions: UserPermissions) => {
    if (sameGrants(sentGrants, permissions.grants) || permissions.version < sentVersion) return;
    sentVersion = permissions.version;
    sentGrants = permissions.grants;
    send({ type: 'perms', version: permissions.version, grants: [...permissions.grants] });
  };

  const sendAuthOk = (who: UserInfo, permissions: UserPermissions) => {
    sentVersion = permissions.version;
    sentGrants = permissions.grants;
    const frame: ServerFrame = { type: 'auth.ok', user: who, exp: tokenExp, now: Date.now(), perms: { version: permissions.version, grants: [...permissions.grants] } };
    if (settings.keys) frame.features = [KEYS_FEATURE];
    send(frame);
  };

  /** Closes for a hook that threw: 4403 for ForbiddenError, else the given code. */
  const refuse = (error: unknown, code: number, fallback: string) => {
    if (error instanceof ForbiddenError) {
      closeWith(CloseCode.Forbidden, error.message || 'forbidden');
      return;
    }
    if (code === CloseCode.Unauthenticated) {
      if (!(error instanceof AuthenticationError)) log('ws.auth_error', { ip, message: messageOf(error), connection: id });
      closeWith(code, error instanceof AuthenticationError ? error.message : fallback);
      return;
    }
    log('ws.internal_error', { user: user?.name, message: messageOf(error), connection: id });
    closeWith(code, fallback);
  };

  /** Verifies a token; on refusal closes the connection and returns undefined. */
  const verify = async (token: string): Promise<Authenticated | undefined> => {
    let result: Authenticated;
    try {
      result = await settings.authenticate(token);
    } catch (error) {
      if (phase !== 'closing') refuse(error, CloseCode.Unauthenticated, 'invalid token');
      return undefined;
    }
    if (phase === 'closing') return undefined;
    if (!isAuthenticated(result)) {
      log('ws.internal_error', { message: 'authenticate must return { user: { id: string, name: string }, exp: number }', connection: id });
      closeWith(CloseCode.Unauthenticated, 'invalid token');
      return undefined;
    }
    if (result.exp * 1000 <= Date.now()) {
      closeWith(CloseCode.Unauthenticated, 'token expired');
      return undefined;
    }
    return result;
  };

  /** Loads fresh permissions; on a failure closes (4403 for ForbiddenError, else 1013). */
  const loadFresh = async (who: UserInfo, force: boolean): Promise<UserPermissions | undefined> => {
    try {
      const permissions = await settings.permissions.get(who, force);
      return phase === 'closing' ? undefined : permissions;
    } catch (error) {
      if (phase !== 'closing') refuse(error, CloseCode.TryAgainLater, 'permissions unavailable, try again later');
      return undefined;
    }
  };

  const onAuth = async (token: string) => {
    // Stryker disable next-line StringLiteral: the name is never compared: what counts is that it is no longer 'awaiting-auth'
    phase = 'verifying';
    const result = await verify(token);
    if (!result) return;
    const who: UserInfo = { id: result.user.id, name: result.user.name };
    const permissions = await loadFresh(who, true);
    if (!permissions) return;
    clearTimeout(authTimer);
    user = who;
    phase = 'ready';
    armExpiry(result.exp);
    settings.onReady(live);
    sendAuthOk(who, permissions);
    log('ws.auth', { user: who.name, ip, connection: id });
  };

  const onRefresh = async (token: string) => {
    const who = user;
    // Stryker disable next-line ConditionalExpression: auth.refresh is only read in phase 'ready', where user is set
    if (!who) return;
    // verify and loadFresh answer undefined exactly when the connection is closing.
    const result = await verify(token);
    if (!result) return;
    if (result.user.id !== who.id) {
      closeWith(CloseCode.Forbidden, 'auth.refresh with a token of another user');
      return;
    }
    const permissions = await loadFresh(who, true);
    if (!permissions) return;
    // A refresh never shortens the session.
    armExpiry(Math.max(tokenExp, result.exp));
    sendAuthOk(who, permissions);
    log('ws.refresh', { user: who.name, connection: id });
  };

  type Answer = { ok: true; data: unknown } | { ok: false; error: WireError } | undefined;
  const failure = (code: string, message: string): Answer => ({ ok: false, error: { code, message } });
  /** Whether a keyed run's answer is kept for repeats: set only where its handler answered. */
  interface Marks {
    remember: boolean;
  }

  /**
   * Runs one request in PROTOCOL.md's order and gives its answer (undefined once the connection is
   * closing). What throws where no step expects it answers `internal`, logged.
   */
  const run = async (who: UserInfo, requestId: string, action: string, payload: unknown, key?: string, marks?: Marks): Promise<Answer> => {
    try {
      if (!Object.hasOwn(contract.actions, action)) return failure(ErrorCode.UnknownAction, `unknown action "${action.slice(0, 64)}"`);
      const definition = contract.actions[action]!;
      // Awaited even when the schema answers at once: the requests of one socket read are all in
      // flight (a reused id is refused) before any of them goes on to its permission check.
      const valid = await validatePayload(definition, payload);
      if (!valid.ok) return failure(ErrorCode.BadRequest, `"${action}": ${valid.message}`);
      let permissions: UserPermissions;
      try {
        // Fresh for every request: a grant revoked by anyone is enforced at once. A cache or hook
        // that answers at once is not awaited (a microtask per request, and a promise).
        const fresh = settings.permissions.get(who);
        // Stryker disable next-line ConditionalExpression: awaiting a snapshot that is not a promise gives the same snapshot, a microtask later
        permissions = isPromise(fresh) ? await fresh : fresh;
      } catch (error) {
        if (error instanceof ForbiddenError) {
          closeWith(CloseCode.Forbidden, error.message || 'forbidden');
          return undefined;
        }
        log('ws.internal_error', { user: who.name, action, message: messageOf(error), connection: id });
        return failure(ErrorCode.Internal, 'internal error');
      }
      if (phase !== 'ready') return undefined;
      syncPermissions(permissions);
      const check = checkAction(definition, valid.value, permissions.set);
      if (!check.allowed) {
        log('ws.denied', { user: who.name, action, permission: check.permission, resource: check.resource, connection: id });
        const message = `"${action}" needs ${check.permission}${check.resource ? ` on ${check.resource}` : ''}`;
        const error: WireError = { code: ErrorCode.PermissionDenied, message, permission: check.permission };
        // Stryker disable next-line ConditionalExpression: JSON leaves out an undefined resource; the guard is for exactOptionalPropertyTypes
        if (check.resource !== undefined) error.resource = check.resource;
        return { ok: false, error };
      }
      const handler = handlers[action]!;
      // The handler's own answers are remembered, unless it stored the key with its effect itself.
      let handled = false;
      const context: HandlerContext = { user: who, permissions: permissions.set, signal: signal(), requestId, connectionId: id, key, keyHandled: () => void (handled = true) };
      try {
        const result = handler(valid.value, context);
        // Stryker disable next-line ConditionalExpression: awaiting a result that is not a promise gives the same result, a microtask later
        const data = isPromise(result) ? await result : result;
        if (marks) marks.remember = !handled;
        // JSON has no undefined: a handler that returns nothing answers null.
        return { ok: true, data: data === undefined ? null : data };
      } catch (error) {
        if (error instanceof RequestError) {
          const wire: WireError = { code: error.code, message: error.message };
          // Stryker disable next-line ConditionalExpression: JSON leaves out an undefined retryAfterMs; the guard is for exactOptionalPropertyTypes
          if (error.retryAfterMs !== undefined) wire.retryAfterMs = error.retryAfterMs;
          if (marks) marks.remember = !handled && remembersError(error.code, error.retryAfterMs);
          return { ok: false, error: wire };
        }
        log('ws.internal_error', { user: who.name, action, message: messageOf(error), connection: id });
        return failure(ErrorCode.Internal, 'internal error');
      }
    } catch (error) {
      log('ws.internal_error', { user: who.name, action: action.slice(0, 64), message: messageOf(error), connection: id });
      return failure(ErrorCode.Internal, 'internal error');
    }
  };

  /** The `res` frame of an answer, or undefined (logged) when its data cannot be sent as JSON. */
  const encodeRes = (who: UserInfo, requestId: string, answer: NonNullable<Answer>): string | undefined => {
    try {
      return encodeFrame(answer.ok ? { type: 'res', id: requestId, ok: true, data: answer.data } : { type: 'res', id: requestId, ok: false, error: answer.error });
    } catch (error) {
      // A handler's result JSON cannot carry (a BigInt, a cycle): the request still gets an answer.
      log('ws.internal_error', { user: who.name, message: `unserializable res: ${messageOf(error)}`, connection: id });
      return undefined;
    }
  };
  const internalRes = (requestId: string) => encodeFrame({ type: 'res', id: requestId, ok: false, error: { code: ErrorCode.Internal, message: 'internal error' } });
  const keysUnavailable = (who: UserInfo, action: string, error: unknown) =>
    log('ws.internal_error', { user: who.name, action: action.slice(0, 64), message: `request keys unavailable: ${messageOf(error)}`, connection: id });

  /**
   * A request with a key: the first run of (user, key) runs and its answer is kept; a repeat gets
   * that answer, waiting for it while the first run is still going (on any connection or node).
   * Resolves with the `res` frame to send. A store that answers at once (memoryKeys) is not
   * awaited, and the window keeps the frame the first run sent, without its id: `{"ok":...}`.
   */
  const runKeyed = async (who: UserInfo, requestId: string, action: string, payload: unknown, key: string, keys: KeyStore): Promise<string | undefined> => {
    // What encodeFrame writes before `"ok"`: the type and the id.
    const head = `{"type":"res","id":${JSON.stringify(requestId)},`;
    let claim: KeyClaim;
    try {
      const claimed = keys.claim(who.id, key, signal());
      claim = checkedClaim(isPromise(claimed) ? await claimed : claimed);
    } catch (error) {
      if (phase !== 'ready') return undefined;
      // Without the window a repeat could apply twice: refuse rather than guess.
      keysUnavailable(who, action, error);
      return internalRes(requestId);
    }
    if (!claim.run) return head + claim.answer.slice(1);
    const marks: Marks = { remember: false };
    const answer = await run(who, requestId, action, payload, key, marks);
    const encoded = answer && encodeRes(who, requestId, answer);
    const frame = answer && (encoded ?? internalRes(requestId));
    try {
      const done = keys.finish(who.id, key, frame && `{${frame.slice(head.length)}`, marks.remember && encoded !== undefined, claim.lease);
      // Stryker disable next-line ConditionalExpression: a fast path: awaiting a synchronous store's undefined only defers the answer by a microtask
      if (isPromise(done)) await done;
    } catch (error) {
      keysUnavailable(who, action, error);
    }
    return frame;
  };

  const onRequest = async (requestId: string, action: string, payload: unknown, key: string | undefined) => {
    const who = user;
    // Stryker disable next-line ConditionalExpression: requests are only read in phase 'ready', where user is set
    if (!who) return;
    if (inFlight.has(requestId)) {
      closeWith(CloseCode.BadRequest, `request id "${requestId}" is already in flight`);
      return;
    }
    inFlight.add(requestId);
    try {
      const keys = settings.keys;
      if (key !== undefined && keys) {
        const frame = await runKeyed(who, requestId, action, payload, key, keys);
        // Undefined once the connection is closing, when the socket is no longer open and send drops any frame.
        // Stryker disable next-line StringLiteral: reached only while closing, where send sends nothing
        send(frame ?? '', inFlight.size === 1);
        return;
      }
      const answer = await run(who, requestId, action, payload);
      if (!answer) return;
      send(encodeRes(who, requestId, answer) ?? internalRes(requestId), inFlight.size === 1);
    } finally {
      inFlight.delete(requestId);
      if (inFlight.size === 0) for (const resolve of drained) resolve();
    }
  };

  // A failure in async work is logged; it must never become an unhandled rejection. One handler
  // for the connection, not a closure per request.
  // Stryker disable next-line OptionalChaining,ArrowFunction,StringLiteral,ObjectLiteral: a safety net: every piece of background work catches its own failures
  const failedInBackground = (error: unknown) => log('ws.internal_error', { user: user?.name, message: messageOf(error), connection: id });
  // Stryker disable next-line BlockStatement: the safety net above, which no work reaches
  const background = (work: Promise<void>) => {
    work.catch(failedInBackground);
  };

  const onText = (text: string) => {
    const parsed = parseClientFrame(text);
    if (!parsed.ok && parsed.action === 'close') {
      closeWith(parsed.code, parsed.message);
      return;
    }
    if (parsed.ok && parsed.frame.type === 'auth') {
      if (phase !== 'awaiting-auth') closeWith(CloseCode.BadRequest, 'already authenticated');
      else background(onAuth(parsed.frame.token));
      return;
    }
    if (phase !== 'ready') {
      // A frame that did not parse but carries a good id is a req (it is answered once ready).
      closeWith(CloseCode.Unauthenticated, `"${parsed.ok ? parsed.frame.type : 'req'}" before auth.ok`);
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
    else {
      // A req is the only frame left: auth returned above (TypeScript does not carry that over).
      const request = frame as RequestFrame;
      background(onRequest(request.id, request.action, request.payload, request.key));
    }
  };

  ws.on('message', (data, isBinary) => {
    alive = true;
    // Stryker disable next-line ConditionalExpression,StringLiteral: a fast path; in phase 'closing' every frame ends in closeWith, which then does nothing
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
      // The engine keeps ws's default binaryType ('nodebuffer'): a message is one Buffer, even a
      // fragmented one, decoded as it is.
      onText((data as Buffer).toString('utf8'));
    }
    // Written before `catch`, not `} catch`: a disable there is nobody's leading comment and covers nothing.
    // Stryker disable next-line BlockStatement: a safety net; onText and what it calls catch their own failures
    catch (error) {
      // Stryker disable next-line StringLiteral,ObjectLiteral,OptionalChaining: the safety net above, which no frame reaches
      log('ws.internal_error', { user: user?.name, message: messageOf(error), connection: id });
    }
  });
  ws.on('pong', () => {
    alive = true;
  });
  ws.on('error', (error) => {
    // ws closes the socket itself (1009 for an oversize frame, 1007 for bad UTF-8, 1002 ...).
    log('ws.protocol_error', { user: user?.name, ip, reason: error.message, connection: id });
  });
  ws.on('close', (code) => {
    closed = true;
    phase = 'closing';
    clearTimeout(authTimer);
    clearTimeout(expiryTimer);
    abort(new Error('the connection closed'));
    settings.onClosed(live);
    log('ws.close', { user: user?.name, ip, code, connection: id });
    for (const resolve of closedWaiters) resolve();
  });

  const live: LiveConnection = {
    id,
    get user() {
      return user;
    },
    applyPermissions(permissions) {
      if (phase === 'ready') syncPermissions(permissions);
    },
    sendEvent(permissions, frame) {
      if (phase !== 'ready') return;
      syncPermissions(permissions);
      send(frame);
    },
    closeWith(code, message) {
      closeWith(code, message);
    },
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
      abort(new Error('the server is shutting down'));
      if (closed) return;
      const closing = new Promise<void>((resolve) => closedWaiters.add(resolve));
      // Already closing (a 4xxx close sent): closeWith does nothing, the close handshake runs on.
      closeWith(CloseCode.GoingAway, 'server shutting down');
      await Promise.race([closing, new Promise<void>((resolve) => setTimeout(resolve, CLOSE_HANDSHAKE_MS + 100).unref())]);
    },
    checkAlive() {
      if (closed) return;
      if (!alive) {
        live.dropIfSilent();
        return;
      }
      alive = false;
      ws.ping();
    },
    dropIfSilent() {
      if (closed || alive) return;
      log('ws.idle', { user: user?.name, ip, connection: id });
      ws.terminate();
    },
  };

  log('ws.open', { ip, connection: id });
  if (ws.protocol !== SUBPROTOCOL) closeWith(CloseCode.UnsupportedProtocol, `offer the subprotocol ${SUBPROTOCOL}`);
  return live;
}
