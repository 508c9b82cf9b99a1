/**
 * createClient: the connection lifecycle (connect, sign in, refresh, reconnect, stop) and the
 * wiring between the socket, the token manager, the request tracker and the listeners.
 * @packageDocumentation
 */
import * as partysocketWs from 'partysocket/ws';
import { checkAction, type ActionName, type Contract, type EventDataOf, type EventName, type PayloadOf, type ResultOf } from './contract';
import {
  AuthError,
  ConnectionLostError,
  PermissionDeniedError,
  PermsocketError,
  ProtocolError,
  RequestError,
} from './errors';
import { createEmitter } from './emitter';
import { defaults, type ClientEvents, type ClientOptions, type ConnectionState, type PermissionDenial } from './options';
import { EMPTY_PERMISSIONS, createPermissionSet, type PermissionSet } from './permissions';
import { CloseCode, SUBPROTOCOL, parseServerFrame, type AuthOkFrame, type ClientFrame, type UserInfo, type WireError } from './protocol';
import { backoffDelay, decideOnClose } from './reconnect';
import { createRequestTracker, type PendingRequest, type RequestOptions } from './requests';
import { createTokenManager, isNewerToken, type TokenInfo } from './token';

export type { RequestOptions } from './requests';

/** A permsocket client, typed by its contract. */
export interface Client<C extends Contract> {
  /** The connection state. */
  readonly state: ConnectionState;
  /** The signed-in user from the last `auth.ok`, or null. */
  readonly user: UserInfo | null;
  /** The current permission snapshot (immutable; replaced, never changed in place). */
  readonly permissions: PermissionSet;
  /** Local time (ms) at which the current access token expires, or null when not signed in. */
  readonly expiresAt: number | null;
  /** The contract the client was created with. */
  readonly contract: C;
  /**
   * Whether the current permissions allow an action, by the contract's rule. Without a payload an
   * action that checks a resource asks for the permission on every resource.
   */
  can<A extends ActionName<C>>(action: A, payload?: PayloadOf<C, A>): boolean;
  /**
   * Sends a request and resolves with its typed result. Refused locally (PermissionDeniedError,
   * source `local`) when the permissions do not allow it; waits in the queue while not ready.
   */
  request<A extends ActionName<C>>(action: A, payload: PayloadOf<C, A>, options?: RequestOptions): Promise<ResultOf<C, A>>;
  /** Listens to a contract event; returns a function that removes the listener. */
  onEvent<E extends EventName<C>>(name: E, listener: (data: EventDataOf<C, E>) => void): () => void;
  /** Listens to a client event; returns a function that removes the listener. */
  on<K extends keyof ClientEvents>(event: K, listener: ClientEvents[K]): () => void;
  /**
   * Calls `listener` whenever `state`, `user`, `permissions` or `expiresAt` change; for
   * `useSyncExternalStore` and other UI bindings. Returns the unsubscribe function.
   */
  subscribe(listener: () => void): () => void;
  /** Connects (again) after `close()`, a terminal state or with `autoConnect: false`. */
  connect(): void;
  /** Closes the socket for good; queued and in-flight requests reject with ConnectionLostError. */
  close(): void;
}

interface SocketLike {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  reconnect(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: any) => void): void;
}
type SocketConstructor = new (url: () => string, protocols: string[], options: object) => SocketLike;

// partysocket's CommonJS build hands out a module object rather than the class: unwrap it.
function socketClass(module: unknown): SocketConstructor {
  let value = module as { default?: unknown };
  while (typeof value !== 'function' && value && 'default' in value) value = value.default as { default?: unknown };
  return value as unknown as SocketConstructor;
}
const ReconnectingSocket = socketClass(partysocketWs);

const ACTIVE = new Set<ConnectionState>(['connecting', 'authenticating', 'ready', 'reconnecting']);

// Listener errors must not break the state machine: report them the way DOM events do.
function report(error: unknown) {
  if (typeof globalThis.reportError === 'function') globalThis.reportError(error);
  else setTimeout(() => {
    throw error;
  });
}
function guarded<F extends (...args: any[]) => void>(listener: F): F {
  return ((...args: unknown[]) => {
    try {
      listener(...args);
    } catch (error) {
      report(error);
    }
  }) as F;
}

/**
 * Creates a client. It connects at once unless `autoConnect` is false.
 * @example
 * const client = createClient({
 *   url: 'wss://example.com/ws',
 *   contract: chat,
 *   getToken: async () => (await fetch('/auth/refresh', { method: 'POST' }).then((r) => r.json())).accessToken,
 * });
 * const { message } = await client.request('chat.send', { room: 'general', text: 'hi' });
 */
export function createClient<C extends Contract>(options: ClientOptions<C>): Client<C> {
  const contract = options.contract;
  const retry = { ...defaults.retry, ...options.retry };
  const ping = { ...defaults.ping, ...options.ping };
  const requestTimeout = options.requestTimeout ?? defaults.requestTimeout;
  const clientEvents = createEmitter();
  const serverEvents = createEmitter();
  const requests = createRequestTracker(options.maxQueued ?? defaults.maxQueued);
  const tokens = createTokenManager({
    getToken: options.getToken,
    timeout: requestTimeout,
    refreshSkew: options.refreshSkew ?? defaults.refreshSkew,
    onRefreshDue: () => void refresh(),
  });

  let state: ConnectionState = 'closed';
  let user: UserInfo | null = null;
  let permissions: PermissionSet = EMPTY_PERMISSIONS;
  // Bumped whenever the client starts over or stops, so late async results of an older attempt are dropped.
  let generation = 0;
  let attempt = 0;
  let refreshFailures = 0;
  // A 4401 since the last auth.ok: a second one in a row means the user cannot sign in.
  let rejected = false;
  let closingOnPurpose = false;
  // Whether the current socket ever opened: partysocket reports a failed attempt as a 1000 close.
  let opened = false;
  let rateLimited = false;
  let url = '';
  let session: TokenInfo | null = null;
  let pendingAuth: TokenInfo | null = null;
  let pendingRefresh: TokenInfo | null = null;
  let lastServerError: WireError | null = null;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setInterval> | undefined;
  let livenessTimer: ReturnType<typeof setTimeout> | undefined;
  let stableTimer: ReturnType<typeof setTimeout> | undefined;

  const emit = <K extends keyof ClientEvents>(event: K, ...args: Parameters<ClientEvents[K]>) =>
    clientEvents.emit(event, ...args);
  const changed = () => clientEvents.emit('change');

  const socket = new ReconnectingSocket(() => url, [SUBPROTOCOL], {
    WebSocket: options.WebSocket,
    startClosed: true,
    // The client owns retries (jitter, close codes, auth): partysocket only opens one socket per call.
    maxRetries: 0,
    connectionTimeout: retry.connectTimeout,
  });
  socket.addEventListener('open', onOpen);
  socket.addEventListener('message', onMessage);
  socket.addEventListener('close', onClose);

  function setState(next: ConnectionState) {
    if (state === next) return;
    state = next;
    emit('state', next);
    changed();
  }

  function setPermissions(next: PermissionSet) {
    permissions = next;
    emit('permissions', next);
    changed();
  }

  function send(frame: ClientFrame) {
    if (socket.readyState === 1) socket.send(JSON.stringify(frame));
  }

  function clearTimers() {
    clearTimeout(reconnectTimer);
    clearInterval(pingTimer);
    clearTimeout(livenessTimer);
    clearTimeout(stableTimer);
    reconnectTimer = pingTimer = livenessTimer = stableTimer = undefined;
  }

  /** Expects a frame from the server within the ping timeout, or takes the socket as dead. */
  function expectFrame() {
    if (livenessTimer !== undefined) return;
    livenessTimer = setTimeout(() => {
      livenessTimer = undefined;
      // Closing ourselves dispatches the close at once: no waiting for a dead peer's TCP timeout.
      socket.close(CloseCode.PingTimeout, 'no answer to ping');
    }, ping.timeout);
  }

  /** Opens a new socket: token first, then the URL, then partysocket opens it. */
  function open(reason: 'connect' | 'rejected') {
    const current = ++generation;
    clearTimeout(reconnectTimer);
    reconnectTimer = undefined;
    const target = options.url;
    Promise.all([tokens.fetch(reason), Promise.resolve().then(() => (typeof target === 'function' ? target() : target))])
      .then(([token, next]) => {
        if (current !== generation) return;
        // partysocket swallows a constructor error on a first attempt: check the URL here instead.
        new URL(next, (globalThis as { location?: { href: string } }).location?.href);
        pendingAuth = token;
        url = next;
        lastServerError = null;
        opened = false;
        socket.reconnect();
      })
      .catch((error: unknown) => {
        if (current !== generation) return;
        if (isAuthError(error)) {
          stop('unauthenticated', asAuthError(error));
          return;
        }
        emit('error', asPermsocketError(error, 'could not get a token or URL to connect with'));
        scheduleReconnect();
      });
  }

  function scheduleReconnect() {
    const current = generation;
    setState('reconnecting');
    // A listener may have called close() (or connect()) just now: that decision wins.
    if (current !== generation) return;
    let delay = backoffDelay(attempt++, retry);
    if (rateLimited) delay = Math.max(delay, lastServerError?.retryAfterMs ?? 0, retry.rateLimitDelay);
    reconnectTimer = setTimeout(() => {
      if (current === generation) open('connect');
    }, delay);
  }

  function onOpen() {
    opened = true;
    if (!pendingAuth) return;
    setState('authenticating');
    send({ type: 'auth', token: pendingAuth.token });
    expectFrame();
  }

  // A socket callback must never throw: whatever goes wrong is reported on `error` instead.
  function onMessage(event: { data: unknown }) {
    try {
      handleFrame(event);
    } catch (error) {
      emit('error', asPermsocketError(error, 'could not handle a frame'));
    }
  }

  function handleFrame(event: { data: unknown }) {
    clearTimeout(livenessTimer);
    livenessTimer = undefined;
    if (typeof event.data !== 'string') {
      emit('error', new ProtocolError('expected a text frame, got binary data'));
      return;
    }
    const parsed = parseServerFrame(event.data);
    if (!parsed.ok) {
      emit('error', new ProtocolError(`dropped a malformed frame: ${parsed.message}`));
      return;
    }
    const frame = parsed.frame;
    switch (frame.type) {
      case 'auth.ok':
        return onAuthOk(frame);
      case 'perms':
        // Within one session versions only grow: an older snapshot arrived late and is stale.
        if (state === 'ready' && frame.version > permissions.version) {
          setPermissions(createPermissionSet(frame.version, frame.grants));
        }
        return;
      case 'res': {
        const request = requests.settle(frame.id);
        if (!request) return;
        if (frame.ok) request.resolve(frame.data);
        else request.reject(serverError(request, frame.id, frame.error));
        return;
      }
      case 'event':
        if (!Object.prototype.hasOwnProperty.call(contract.events, frame.name)) {
          emit('error', new ProtocolError(`dropped an event the contract does not declare: "${frame.name}"`));
          return;
        }
        serverEvents.emit(frame.name, frame.data);
        return;
      case 'error':
        lastServerError = frame.error;
        return;
      case 'pong':
        return;
    }
  }

  function onAuthOk(frame: AuthOkFrame) {
    // Same user, same object: a silent refresh must not re-render everything that shows the user.
    if (user?.id !== frame.user.id || user.name !== frame.user.name) user = frame.user;
    if (state === 'authenticating' && pendingAuth) {
      const current = generation;
      session = pendingAuth;
      pendingAuth = null;
      rejected = false;
      rateLimited = false;
      tokens.schedule(session, frame.exp, frame.now);
      permissions = createPermissionSet(frame.perms.version, frame.perms.grants);
      // Timers first: a listener below may close the client, and stop() must find them to clear.
      if (ping.interval > 0) pingTimer = setInterval(sendPing, ping.interval);
      stableTimer = setTimeout(() => (attempt = 0), retry.resetAfter);
      setState('ready');
      if (current !== generation) return;
      emit('permissions', permissions);
      if (current !== generation) return;
      emit('ready', { user, permissions });
      if (current !== generation) return;
      flush();
      return;
    }
    if (state === 'ready' && pendingRefresh) {
      // The answer to auth.refresh: same socket, longer session, fresh snapshot.
      session = pendingRefresh;
      pendingRefresh = null;
      refreshFailures = 0;
      tokens.schedule(session, frame.exp, frame.now);
      setPermissions(createPermissionSet(frame.perms.version, frame.perms.grants));
    }
  }

  function sendPing() {
    // Timers drift while a device sleeps: every tick is also a chance to notice a late refresh.
    tokens.check();
    send({ type: 'ping' });
    expectFrame();
  }

  async function refresh() {
    const current = generation;
    if (state !== 'ready' || !session) return;
    try {
      const next = await tokens.fetch('refresh');
      if (current !== generation || state !== 'ready' || !session) return;
      if (next.subject !== undefined && session.subject !== undefined && next.subject !== session.subject) {
        // Another user signed in: this socket belongs to the old one, so start over as the new one.
        pendingRefresh = null;
        restart();
        return;
      }
      if (!isNewerToken(session, next)) {
        tokens.retryIn(backoffDelay(refreshFailures++, retry));
        return;
      }
      pendingRefresh = next;
      send({ type: 'auth.refresh', token: next.token });
      expectFrame();
    } catch (error) {
      if (current !== generation) return;
      if (isAuthError(error)) {
        stop('unauthenticated', asAuthError(error));
        return;
      }
      emit('error', asPermsocketError(error, 'could not refresh the token'));
      tokens.retryIn(backoffDelay(refreshFailures++, retry));
    }
  }

  /**
   * Another user signed in: drops the socket on purpose and connects again at once as that user.
   * Until their auth.ok the client is reconnecting with no user and no permissions, so nothing is
   * shown or checked with the old user's grants and new requests wait for the new socket.
   */
  function restart() {
    const current = generation;
    closingOnPurpose = true;
    socket.close(CloseCode.Normal, 'starting over');
    closingOnPurpose = false;
    afterSocketLost();
    user = null;
    setState('reconnecting');
    if (current !== generation) return;
    if (permissions !== EMPTY_PERMISSIONS) setPermissions(EMPTY_PERMISSIONS);
    if (current !== generation) return;
    open('connect');
  }

  function afterSocketLost() {
    clearTimers();
    tokens.pause();
    pendingRefresh = null;
    requests.connectionLost();
  }

  function onClose(closeEvent: { code: number; reason: string }) {
    // A socket that never opened is reported as browsers report it: 1006, not partysocket's 1000.
    const event = opened ? closeEvent : { code: CloseCode.Abnormal, reason: '' };
    const current = generation;
    emit('close', { code: event.code, reason: event.reason ?? '' });
    if (closingOnPurpose) return;
    // A close listener called close() (and perhaps connect()): stop() has already cleaned up.
    if (current !== generation) return;
    afterSocketLost();
    const decision = decideOnClose(event.code);
    const why = lastServerError?.message ?? event.reason ?? '';
    if (decision.action === 'stop') {
      if (decision.state === 'forbidden') {
        stop('forbidden', new AuthError(`the server refused this user (4403${why ? `: ${why}` : ''})`, { code: 'forbidden' }));
      } else {
        stop('closed', new ProtocolError(`the server closed the connection with ${event.code}${why ? `: ${why}` : ''}`, event.code));
      }
      return;
    }
    if (decision.action === 'reauthenticate') {
      if (rejected) {
        stop('unauthenticated', new AuthError(`the server rejected a fresh token too (4401${why ? `: ${why}` : ''})`));
        return;
      }
      rejected = true;
      const current = generation;
      setState('reconnecting');
      if (current === generation) open('rejected');
      return;
    }
    rateLimited = decision.rateLimited;
    scheduleReconnect();
  }

  /** Enters a terminal state: no socket, no timers, nothing pending. */
  function stop(next: 'unauthenticated' | 'forbidden' | 'closed', error: PermsocketError) {
    generation++;
    clearTimers();
    tokens.stop();
    closingOnPurpose = true;
    socket.close(CloseCode.Normal, 'client stopped');
    closingOnPurpose = false;
    watchEnvironment(false);
    session = pendingAuth = pendingRefresh = null;
    user = null;
    requests.rejectAll(error);
    if (permissions !== EMPTY_PERMISSIONS) setPermissions(EMPTY_PERMISSIONS);
    setState(next);
    if (error instanceof AuthError) emit('auth-error', error);
    else if (!(error instanceof ConnectionLostError)) emit('error', error);
  }

  // One at a time from the live queue: a listener that closes the client stops the loop (the rest
  // were rejected while still queued), and a request made from a listener queues behind the rest.
  function flush() {
    let request: PendingRequest | undefined;
    while (state === 'ready' && (request = requests.next())) dispatch(request);
  }

  /** Sends one request now, unless the current permissions refuse it. */
  function dispatch(request: PendingRequest) {
    const verdict = checkAction(request.definition, request.payload, permissions);
    if (!verdict.allowed) {
      request.reject(deny(request.action, verdict.permission, verdict.resource, 'local'));
      return;
    }
    const id = requests.sent(request);
    send({ type: 'req', id, action: request.action, payload: request.payload ?? null });
  }

  function deny(action: string, permission: string | undefined, resource: string | undefined, source: 'local' | 'server', requestId?: string, message?: string) {
    const denial: PermissionDenial = { action, permission, resource, source };
    if (requestId !== undefined) denial.requestId = requestId;
    emit('permission-denied', denial);
    return new PermissionDeniedError(action, permission, resource, source, message);
  }

  function serverError(request: PendingRequest, id: string, error: WireError): PermsocketError {
    if (error.code === 'permission_denied') {
      return deny(request.action, error.permission, error.resource, 'server', id, error.message);
    }
    return new RequestError(error.code, error.message, request.action, error.retryAfterMs);
  }

  // A device waking up or coming back online: reconnect now instead of waiting out the backoff,
  // and on a live socket check the token and the connection at once.
  function wake() {
    if (state === 'reconnecting' && reconnectTimer !== undefined && !rateLimited) open('connect');
    else if (state === 'ready') {
      tokens.check();
      sendPing();
    }
  }
  const onVisibility = () => {
    if ((globalThis as { document?: { visibilityState?: string } }).document?.visibilityState === 'visible') wake();
  };
  let watching = false;
  function watchEnvironment(on: boolean) {
    if (on === watching) return;
    watching = on;
    const target = globalThis as { addEventListener?: Function; removeEventListener?: Function; document?: { addEventListener?: Function; removeEventListener?: Function } };
    const method = on ? 'addEventListener' : 'removeEventListener';
    target[method]?.call(target, 'online', wake);
    target.document?.[method]?.call(target.document, 'visibilitychange', onVisibility);
  }

  for (const [event, listener] of Object.entries(options.on ?? {})) {
    if (listener) clientEvents.on(event, guarded(listener as (...args: unknown[]) => void));
  }
  for (const [event, listener] of Object.entries(options.onEvent ?? {})) {
    if (listener) serverEvents.on(event, guarded(listener as (...args: unknown[]) => void));
  }

  const client: Client<C> = {
    get state() {
      return state;
    },
    get user() {
      return user;
    },
    get permissions() {
      return permissions;
    },
    get expiresAt() {
      return tokens.expiresAt;
    },
    contract,
    can(action, payload) {
      const definition = contract.actions[action];
      if (!definition) return false;
      if (payload === undefined && definition.resource) {
        return definition.permission === null || permissions.can(definition.permission);
      }
      return checkAction(definition, payload, permissions).allowed;
    },
    request(action, payload, requestOptions = {}) {
      const definition = contract.actions[action];
      if (!definition) {
        return Promise.reject(new RequestError('unknown_action', `the contract has no action "${action}"`, action));
      }
      if (!ACTIVE.has(state)) {
        return Promise.reject(
          state === 'closed'
            ? new ConnectionLostError('the client is closed: call connect() first')
            : new AuthError(`the client is ${state}`, { code: state === 'forbidden' ? 'forbidden' : 'unauthenticated' }),
        );
      }
      const signal = requestOptions.signal;
      if (signal?.aborted) return Promise.reject(signal.reason);
      // With a snapshot, refuse at call time; before the first one, the check runs at flush.
      if (permissions !== EMPTY_PERMISSIONS) {
        const verdict = checkAction(definition, payload, permissions);
        if (!verdict.allowed) return Promise.reject(deny(action, verdict.permission, verdict.resource, 'local'));
      }
      const { request, promise } = requests.add(action, payload, definition, requestOptions.timeout ?? requestTimeout, signal);
      if (state === 'ready' && requests.queued === 0) dispatch(request);
      else requests.enqueue(request);
      return promise as Promise<ResultOf<C, typeof action>>;
    },
    onEvent(name, listener) {
      return serverEvents.on(name, guarded(listener as (data: unknown) => void));
    },
    on(event, listener) {
      return clientEvents.on(event, guarded(listener as (...args: unknown[]) => void));
    },
    subscribe(listener) {
      return clientEvents.on('change', guarded(listener));
    },
    connect() {
      if (ACTIVE.has(state)) return;
      attempt = 0;
      rejected = false;
      rateLimited = false;
      watchEnvironment(true);
      setState('connecting');
      open('connect');
    },
    close() {
      if (state === 'closed') return;
      stop('closed', new ConnectionLostError('the client was closed'));
    },
  };

  if (options.autoConnect ?? defaults.autoConnect) client.connect();
  return client;
}

// getToken signals "signed out" with any error named AuthError, even one from another copy of the library.
function isAuthError(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'AuthError';
}

function asAuthError(error: unknown): AuthError {
  if (error instanceof AuthError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new AuthError(message, { cause: error });
}

function asPermsocketError(error: unknown, context: string): PermsocketError {
  if (error instanceof PermsocketError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new PermsocketError('error', `${context}: ${message}`, { cause: error });
}
