/**
 * One connection to the fake server: the protocol's server side, frame for frame as PROTOCOL.md
 * and the reference servers have it (auth first, refresh, expiry, the order of checks, the
 * `error` frame before every 4xxx close), played over one msw client connection.
 * @packageDocumentation
 */
import { checkAction, validatePayload, type ActionDefinition, type Contract } from '../contract';
import type { PermissionSet } from '../permissions';
import {
  CloseCode,
  ErrorCode,
  KEYS_FEATURE,
  SUBPROTOCOL,
  closeErrorCode,
  parseClientFrame,
  type ClientFrame,
  type RequestFrame,
  type ServerFrame,
  type UserInfo,
  type WireError,
} from '../protocol';
import { readClaims } from './token';
import type { FakeConnection, FakeHandlerContext } from './types';

/** The msw client connection, reduced to what the fake uses. */
export interface MswClient {
  readonly url: URL;
  readonly socket: { readonly readyState: number; addEventListener(type: 'open', listener: () => void, options?: { once?: boolean }): void };
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  addEventListener(type: 'close', listener: (event: CloseEvent) => void): void;
}

/** What a connection asks of the server it belongs to. */
export interface ConnectionHost {
  readonly contract: Contract;
  readonly user: UserInfo;
  readonly permissions: PermissionSet;
  readonly active: boolean;
  readonly latency: number;
  readonly tokenTtl: number;
  readonly authTimeout: number;
  /** Consumes one pending refusal (see `reject()`); true when this token must be refused. */
  takeRejection(): boolean;
  handler(action: string): ((payload: unknown, context: FakeHandlerContext) => unknown) | undefined;
  recordRequest(id: string, action: string, payload: unknown): void;
  onHandlerError(error: unknown, action: string): void;
  /** With the keys option: the answers by request key (one fake user, so the key alone). */
  readonly keys: Map<string, Promise<Outcome>> | undefined;
}

type Outcome = { ok: true; data: unknown } | { ok: false; error: WireError };
/** Whether a keyed run's answer is remembered: set where the handler answered or threw. */
type Kept = { value?: boolean };
/** Most keys the fake remembers; the oldest go first. */
const MAX_KEYS = 1_000;

/** The controls the server keeps for one live connection. */
export interface LiveConnection {
  readonly info: FakeConnection;
  /** Open and signed in. */
  readonly ready: boolean;
  /** Sends `perms` when this connection's snapshot is older than the server's. */
  syncPermissions(): void;
  sendEvent(name: string, data: unknown): void;
  /** Ends the connection from the server side (`error` frame first for a 4xxx code). */
  closeWith(code: number, message: string): void;
  /** Drops the connection as a lost network would: 1006, no frame, no delay. */
  drop(): void;
}

const CONNECTING = 0;
// setTimeout's 32-bit limit: a token that lasts longer is re-armed in steps.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Whether a handler's throw asks for a specific error code (permsocket's or the server's RequestError). */
function requestErrorOf(error: unknown): WireError | undefined {
  // Object() makes null, undefined and primitives into objects without a RequestError's name.
  const e = Object(error) as { name?: unknown; code?: unknown; message?: unknown; retryAfterMs?: unknown };
  if (e.name !== 'RequestError' || typeof e.code !== 'string') return undefined;
  const wire: WireError = { code: e.code, message: typeof e.message === 'string' ? e.message : e.code };
  if (typeof e.retryAfterMs === 'number') wire.retryAfterMs = e.retryAfterMs;
  return wire;
}

/** Accepts one msw client connection and serves the protocol on it. */
export function acceptConnection(client: MswClient, protocols: string | string[] | undefined, host: ConnectionHost): LiveConnection {
  const offered = protocols === undefined ? [] : Array.isArray(protocols) ? [...protocols] : [protocols];
  const frames: ClientFrame[] = [];
  let phase: 'awaiting-auth' | 'ready' | 'closing' = 'awaiting-auth';
  let closed: FakeConnection['closed'] = null;
  let subject: string | undefined;
  let tokenExp = 0;
  // Set by auth.ok, before anything can read it (perms go to signed-in connections only).
  let sentVersion = 0;
  let expiryTimer: ReturnType<typeof setTimeout> | undefined;
  let authTimer: ReturnType<typeof setTimeout> | undefined;
  const inFlight = new Set<string>();
  const lifetime = new AbortController();

  const info: FakeConnection = {
    url: client.url.href,
    protocols: offered,
    get ready() {
      return phase === 'ready';
    },
    frames,
    get closed() {
      return closed;
    },
  };

  /** Runs `work` after the latency; at once without one, so tests without fake timers need no waits. */
  const later = (work: () => void) => {
    if (host.latency > 0) setTimeout(work, host.latency);
    else work();
  };

  // msw emits the connection before the socket opens: what the fake says at once (4406) waits for the open.
  const whenOpen = (work: () => void) => {
    // A socket opens once: the listener never runs twice.
    if (client.socket.readyState === CONNECTING) client.socket.addEventListener('open', work);
    else work();
  };

  // msw drops a frame sent on a closing or closed socket, as a socket would.
  const deliver = (frame: ServerFrame) => later(() => whenOpen(() => client.send(JSON.stringify(frame))));
  /** Sends a frame, unless a close was announced: after it a server writes nothing but that close's error frame. */
  const send = (frame: ServerFrame) => {
    if (phase !== 'closing') deliver(frame);
  };

  const finished = (code: number, reason: string, by: 'client' | 'server') => {
    if (closed) return;
    closed = { code, reason, by };
    // Stryker disable next-line StringLiteral: once closed, any phase but 'ready' reads the same (no frame comes in, msw drops what goes out)
    phase = 'closing';
    clearTimeout(authTimer);
    clearTimeout(expiryTimer);
    lifetime.abort(new Error(`the connection closed (${code})`));
  };

  const closeWith = (code: number, message: string) => {
    if (phase === 'closing') return;
    phase = 'closing';
    clearTimeout(authTimer);
    clearTimeout(expiryTimer);
    const errorCode = (closeErrorCode as Record<number, string | undefined>)[code];
    if (errorCode) deliver({ type: 'error', error: { code: errorCode, message } });
    later(() =>
      whenOpen(() =>
        // msw drops a frame still queued once a close has started: close after it, as a real server would.
        // Closed meanwhile, finished() keeps the first close and msw's close does nothing.
        queueMicrotask(() => {
          finished(code, message, 'server');
          client.close(code, message.slice(0, 120));
        }),
      ),
    );
  };

  // Closed already, finished() keeps the first close and msw's close does nothing.
  const drop = () => {
    finished(CloseCode.Abnormal, '', 'server');
    client.close(CloseCode.Abnormal);
  };

  const syncPermissions = () => {
    const current = host.permissions;
    if (current.version <= sentVersion) return;
    sentVersion = current.version;
    send({ type: 'perms', version: current.version, grants: [...current.grants] });
  };

  const sendAuthOk = () => {
    const current = host.permissions;
    sentVersion = current.version;
    send({
      type: 'auth.ok',
      user: { ...host.user },
      exp: tokenExp,
      now: Date.now(),
      perms: { version: current.version, grants: [...current.grants] },
      ...(host.keys && { features: [KEYS_FEATURE] }),
    });
  };

  const armExpiry = () => {
    clearTimeout(expiryTimer);
    const fire = () => {
      const left = tokenExp * 1000 - Date.now();
      if (left > 0) expiryTimer = setTimeout(fire, Math.min(left, MAX_TIMER_MS));
      else closeWith(CloseCode.Unauthenticated, 'token expired');
    };
    fire();
  };

  /** The fake's token check: refusals asked for, a missing or expired token, an inactive user. */
  const verify = (token: string): { exp: number; sub: string | undefined } | undefined => {
    if (host.takeRejection()) return void closeWith(CloseCode.Unauthenticated, 'token rejected');
    if (token === '') return void closeWith(CloseCode.Unauthenticated, 'no token');
    const claims = readClaims(token);
    const exp = claims.exp ?? Math.floor(Date.now() / 1000) + host.tokenTtl;
    if (exp * 1000 <= Date.now()) return void closeWith(CloseCode.Unauthenticated, 'token expired');
    if (!host.active) return void closeWith(CloseCode.Forbidden, 'user inactive');
    return { exp, sub: claims.sub };
  };

  const onAuth = (token: string) => {
    const result = verify(token);
    if (!result) return;
    clearTimeout(authTimer);
    subject = result.sub;
    tokenExp = result.exp;
    phase = 'ready';
    armExpiry();
    sendAuthOk();
  };

  const onRefresh = (token: string) => {
    const result = verify(token);
    if (!result) return;
    if (result.sub !== undefined && subject !== undefined && result.sub !== subject) {
      closeWith(CloseCode.Forbidden, 'auth.refresh with a token of another user');
      return;
    }
    // A refresh never shortens the session.
    tokenExp = Math.max(tokenExp, result.exp);
    armExpiry();
    sendAuthOk();
  };

  const answer = (id: string, outcome: { ok: true; data: unknown } | { ok: false; error: WireError }) => {
    send(outcome.ok ? { type: 'res', id, ok: true, data: outcome.data } : { type: 'res', id, ok: false, error: outcome.error });
  };

  /**
   * Runs a request; `kept.value` says whether its answer is remembered for its key (the engine's
   * rule). It stays unset, not kept, for a refusal before the handler: nothing ran.
   */
  const run = async (action: string, payload: unknown, key?: string, kept: Kept = {}): Promise<Outcome> => {
    const fail = (code: string, message: string, extra?: Partial<WireError>) => ({ ok: false as const, error: { code, message, ...extra } });
    if (!Object.prototype.hasOwnProperty.call(host.contract.actions, action)) {
      return fail(ErrorCode.UnknownAction, `unknown action "${action.slice(0, 64)}"`);
    }
    const definition = host.contract.actions[action] as ActionDefinition<unknown, unknown, unknown>;
    // The contract's own check, as the servers run it: the schema, then the resource template's fields.
    const checked = await validatePayload(definition, payload);
    if (!checked.ok) return fail(ErrorCode.BadRequest, `"${action}": ${checked.message}`);
    // The check uses the server's current grants; a client that has not seen them yet gets them first.
    syncPermissions();
    const permissions = host.permissions;
    const check = checkAction(definition, checked.value, permissions);
    if (!check.allowed) {
      const message = `"${action}" needs ${check.permission}${check.resource ? ` on ${check.resource}` : ''}`;
      // Stryker disable next-line ConditionalExpression: JSON leaves out an undefined resource; the guard is for exactOptionalPropertyTypes
      return fail(ErrorCode.PermissionDenied, message, { permission: check.permission, ...(check.resource !== undefined && { resource: check.resource }) });
    }
    const handler = host.handler(action);
    if (!handler) return fail(ErrorCode.Internal, `permsocketServer has no handler for "${action}": add one to its handlers`);
    try {
      const context: FakeHandlerContext = { user: { ...host.user }, permissions, signal: lifetime.signal };
      if (key !== undefined) context.key = key;
      const data = await handler(checked.value, context);
      kept.value = true;
      // JSON cannot carry undefined: a handler that returns nothing answers null.
      return { ok: true, data: data === undefined ? null : data };
    } catch (error) {
      const wire = requestErrorOf(error);
      kept.value = !!wire && wire.code !== 'internal' && wire.code !== 'rate_limited' && wire.retryAfterMs === undefined;
      if (wire) return { ok: false, error: wire };
      host.onHandlerError(error, action);
      return fail(ErrorCode.Internal, 'internal error');
    }
  };

  /** A keyed request: the first answer of its key, waited for while that run goes on. */
  const runKeyed = (keys: Map<string, Promise<Outcome>>, action: string, payload: unknown, key: string): Promise<Outcome> => {
    const first = keys.get(key);
    if (first) return first;
    const kept: Kept = {};
    const running = run(action, payload, key, kept).then((outcome) => {
      if (!kept.value) keys.delete(key);
      return outcome;
    });
    keys.set(key, running);
    if (keys.size > MAX_KEYS) keys.delete(keys.keys().next().value as string);
    return running;
  };

  const onRequest = (id: string, action: string, payload: unknown, key: string | undefined) => {
    if (inFlight.has(id)) {
      closeWith(CloseCode.BadRequest, `request id "${id}" is already in flight`);
      return;
    }
    inFlight.add(id);
    host.recordRequest(id, action, payload);
    void (host.keys && key !== undefined ? runKeyed(host.keys, action, payload, key) : run(action, payload)).then((outcome) => {
      inFlight.delete(id);
      answer(id, outcome);
    });
  };

  const onText = (text: string) => {
    const parsed = parseClientFrame(text);
    if (!parsed.ok && parsed.action === 'close') {
      closeWith(parsed.code, parsed.message);
      return;
    }
    if (parsed.ok) frames.push(parsed.frame);
    const type = parsed.ok ? parsed.frame.type : 'req';
    if (parsed.ok && parsed.frame.type === 'auth') {
      if (phase !== 'awaiting-auth') closeWith(CloseCode.BadRequest, 'already authenticated');
      else onAuth(parsed.frame.token);
      return;
    }
    if (phase !== 'ready') {
      closeWith(CloseCode.Unauthenticated, `"${type}" before auth.ok`);
      return;
    }
    if (!parsed.ok) {
      // A good id still in flight is a bad id (4400) before it is a bad payload.
      if (inFlight.has(parsed.id)) closeWith(CloseCode.BadRequest, `request id "${parsed.id}" is already in flight`);
      else answer(parsed.id, { ok: false, error: { code: parsed.errorCode, message: parsed.message } });
      return;
    }
    const frame = parsed.frame;
    if (frame.type === 'ping') send({ type: 'pong' });
    else if (frame.type === 'auth.refresh') onRefresh(frame.token);
    else {
      // A req is the only frame left: auth returned above (TypeScript does not carry that over).
      const request = frame as RequestFrame;
      onRequest(request.id, request.action, request.payload, request.key);
    }
  };

  client.addEventListener('message', (event) => {
    if (phase === 'closing') return;
    if (typeof event.data !== 'string') {
      // Binary frames are a protocol bug: 1003, and no error frame (that is for 4xxx closes).
      phase = 'closing';
      queueMicrotask(() => {
        finished(CloseCode.UnsupportedData, 'binary frames are not part of the protocol', 'server');
        client.close(CloseCode.UnsupportedData, 'binary frames are not part of the protocol');
      });
      return;
    }
    onText(event.data);
  });
  client.addEventListener('close', (event) => finished(event.code, event.reason, 'client'));

  // Cleared by the auth that signs in and by every close, so it only ever fires while awaiting auth.
  authTimer = setTimeout(() => closeWith(CloseCode.AuthTimeout, `no auth frame within ${host.authTimeout} ms`), host.authTimeout);
  if (!offered.includes(SUBPROTOCOL)) closeWith(CloseCode.UnsupportedProtocol, `the client must offer the subprotocol ${SUBPROTOCOL}`);

  return {
    info,
    get ready() {
      return phase === 'ready';
    },
    syncPermissions,
    // The server only calls it on signed-in connections.
    sendEvent: (name, data) => send({ type: 'event', name, data }),
    closeWith,
    drop,
  };
}
