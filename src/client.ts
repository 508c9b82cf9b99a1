/**
 * createClient: the facade that wires the parts together. The transport runs the socket, the
 * connection keeps the state and the backoff, the session the tokens, liveness the pings and
 * requests the queue; this file turns frames and closes into calls on them, and nothing else.
 * @packageDocumentation
 */
import type { Client } from './api';
import { refusal, type Contract, type ResultOf } from './contract';
import { createConnection, isTerminal } from './connection';
import { AuthError, ConnectionLostError, ProtocolError, RequestError, asAuthError, asPermsocketError, closeError, isAuthError, stateError, type PermsocketError } from './errors';
import { createListeners } from './listeners';
import { createLiveness } from './liveness';
import { resolveOptions, type ClientOptions } from './options';
import { EMPTY_PERMISSIONS, createPermissionSet, type PermissionSet } from './permissions';
import { parseServerFrame, type KEYS_FEATURE, type AuthOkFrame, type CloseCode, type ClientFrame, type WireError } from './protocol';
import { decideOnClose } from './reconnect';
import { createRequests, type RequestOptions } from './requests';
import { createSession } from './session';
import { createTransport, type CloseInfo } from './transport';
import { shareAcrossTabs } from './tabs/lazy';

export type { Client, ReadyOptions } from './api';
export type { RequestOptions } from './requests';

// The default of request()'s options, shared: no object is made for a call without them.
const NO_OPTIONS: RequestOptions = {};

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
  if (options.shareAcrossTabs) return shareAcrossTabs(options, createClient);
  const { contract, debug } = options;
  const { retry, ping, requestTimeout, maxQueued, refreshSkew, autoConnect, initialPermissions } = resolveOptions(options);
  const listeners = createListeners(options);
  const emit = listeners.emit_;
  let permissions: PermissionSet = initialPermissions;
  let lastServerError: WireError | null = null;
  let terminalError: PermsocketError | null = null;
  // From the last auth.ok: whether the server honours request keys (requests then carry them).
  let keys: boolean | undefined;

  const connection = createConnection({ retry, debug, moved_: () => (emit('state', connection.state_), emit('change')), wokeReady_: sendPing });
  const session = createSession({ getToken: options.getToken, timeout: requestTimeout, refreshSkew, retry, refreshDue_: () => void refresh() });
  const liveness = createLiveness({ ...ping, ping_: sendPing, dead_: () => replace((4000 satisfies typeof CloseCode.PingTimeout), 'no answer to ping', false) });
  // A server-rendered snapshot may be stale: requests are checked against the server's, not against it.
  const requests = createRequests({ ready_: () => connection.state_ === 'ready', permissions_: () => (permissions === initialPermissions ? EMPTY_PERMISSIONS : permissions), send_: send, keys_: () => keys, denied_: (d) => emit('permission-denied', d) }, maxQueued);
  const transport = createTransport({
    url_: connection.urlProvider_(prepare, failed),
    WebSocket: options.WebSocket,
    connectTimeout_: retry.connectTimeout,
    shouldReconnect_: (code) => decideOnClose(code).action !== 'stop',
    events_: { open_: onOpen, message_: onMessage, close_: onClose },
  });

  function send(frame: ClientFrame) {
    debug?.({ kind: 'frame', direction: 'out', type: frame.type });
    transport.send_(JSON.stringify(frame));
  }
  function sendPing() {
    session.check_(); // timers drift while a device sleeps: every ping also checks the expiry
    send({ type: 'ping' });
    liveness.expect_();
  }
  function setPermissions(next: PermissionSet) {
    permissions = next;
    emit('permissions', next);
    emit('change');
  }

  /** Before every attempt (after the backoff): the URL and the token, fetched together. */
  async function prepare(): Promise<string> {
    const target = options.url;
    const [url] = await Promise.all([typeof target === 'function' ? target() : target, session.prepare_()]);
    new URL(url, (globalThis as { location?: { href: string } }).location?.href); // a bad URL fails here, with a clear message
    lastServerError = null;
    return url;
  }
  // What the connection does next it decides itself: a stop here (or in a listener) ends the run.
  function failed(error: unknown): void {
    if (isAuthError(error)) return stop('unauthenticated', asAuthError(error));
    emit('error', asPermsocketError(error, 'could not get a token or URL to connect with'));
  }

  function onOpen() {
    // Armed first: a state listener that closes the client on the move below clears it with the rest.
    liveness.expect_();
    const frame = session.authFrame_();
    if (!frame || !connection.move_('authenticating')) return;
    send(frame);
  }

  // A socket callback must never throw: whatever goes wrong is reported on `error` instead.
  function onMessage(data: unknown) {
    liveness.heard_();
    if (typeof data !== 'string') return emit('error', new ProtocolError('expected a text frame, got binary data'));
    const parsed = parseServerFrame(data);
    if (!parsed.ok) return emit('error', new ProtocolError(`dropped a malformed frame: ${parsed.message}`));
    const frame = parsed.frame;
    debug?.({ kind: 'frame', direction: 'in', type: frame.type });
    try {
      if (frame.type === 'auth.ok') onAuthOk(frame);
      // Within one session versions only grow: an older snapshot arrived late and is stale.
      else if (frame.type === 'perms') {
        if (connection.state_ === 'ready' && frame.version > permissions.version) setPermissions(createPermissionSet(frame.version, frame.grants));
      }
      else if (frame.type === 'res') requests.answer_(frame);
      else if (frame.type === 'error') lastServerError = frame.error;
      else if (frame.type === 'event') {
        if (Object.hasOwn(contract.events, frame.name)) listeners.emitEvent_(frame.name, frame.data);
        else emit('error', new ProtocolError(`dropped an event the contract does not declare: "${frame.name}"`));
      }
    } catch (error) {
      emit('error', asPermsocketError(error, 'could not handle a frame'));
    }
  }

  function onAuthOk(frame: AuthOkFrame) {
    const meaning = session.accept_(frame);
    keys = frame.features?.includes('keys' satisfies typeof KEYS_FEATURE);
    const snapshot = createPermissionSet(frame.perms.version, frame.perms.grants);
    // A refresh is sent only while ready, and a drop or a stop forgets it: 'refreshed' means ready.
    if (meaning === 'refreshed') return setPermissions(snapshot);
    // Stryker disable next-line ConditionalExpression,LogicalOperator: either test implies the other: the auth frame is sent as the client moves to authenticating, and the move is refused only to a stopped client, whose socket is gone
    if (meaning !== 'signed-in' || connection.state_ !== 'authenticating') return;
    const run = connection.run_;
    permissions = snapshot;
    // Timers first: a listener below may close the client, and stop() must find them to clear.
    liveness.start_();
    connection.stable_();
    connection.move_('ready');
    for (const next of [() => emit('permissions', permissions), () => session.user_ && emit('ready', { user: session.user_, permissions }), requests.flush_]) {
      // Stryker disable next-line ConditionalExpression: equivalent: a listener's stop leaves no user (so no ready) and no request to flush, and a run it starts has neither before its own auth.ok
      if (run !== connection.run_) return;
      next();
    }
  }

  async function refresh() {
    const run = connection.run_;
    if (connection.state_ !== 'ready') return;
    const decision = await session.refresh_();
    if (connection.state_ !== 'ready') return;
    // Stryker disable next-line ConditionalExpression: equivalent once ready: a run started meanwhile is ready only after its own auth.ok, and session.refresh_ answers wait for an older session
    if (run !== connection.run_) return;
    if (decision.do === 'send') return send(decision.frame), liveness.expect_();
    if (decision.do === 'stop') return stop('unauthenticated', decision.error);
    if (decision.do === 'switch-user') return replace((1000 satisfies typeof CloseCode.Normal), 'another user signed in', true);
    if (decision.error) emit('error', decision.error);
  }

  // Drops the socket on purpose and carries on: a dead socket (then backoff), or another user (at
  // once; until their auth.ok no grant of the old one is shown or checked, new requests wait).
  function replace(code: number, reason: string, switchUser: boolean) {
    const run = connection.run_;
    transport.drop_(code, reason);
    if (run !== connection.run_) return;
    if (switchUser) session.forgetUser_();
    lost({ code, reason }, switchUser);
    // A stop meanwhile (a listener's, or another run) has emptied them already.
    if (switchUser && permissions !== EMPTY_PERMISSIONS) setPermissions(EMPTY_PERMISSIONS);
  }

  function onClose(info: CloseInfo) {
    const run = connection.run_;
    emit('close', { code: info.code, reason: info.reason });
    // A close the client asked for is handled where it asked; a listener may have stopped it too.
    if (!info.requested_ && run === connection.run_) lost(info);
  }

  /** A socket is gone: what its close code means, decided in one place (reconnect.ts). */
  function lost({ code, reason, error }: Pick<CloseInfo, 'code' | 'reason' | 'error'>, atOnce = false) {
    liveness.stop_();
    session.lost_();
    requests.connectionLost_();
    const run = connection.run_;
    if (error) emit('error', error);
    if (run !== connection.run_) return;
    const decision = decideOnClose(code);
    debug?.({ kind: 'close', code, decision: decision.action });
    const why = lastServerError?.message ?? reason;
    if (decision.action === 'stop') return stop(decision.state, closeError(code, why));
    if (decision.action === 'reauthenticate' && !session.rejected_()) return stop('unauthenticated', closeError(code, why));
    if (decision.action === 'reauthenticate' || atOnce) connection.now_();
    else connection.backOff_(decision.rateLimited ? (lastServerError?.retryAfterMs ?? 0) : undefined);
    connection.move_('reconnecting');
  }

  /** Enters a terminal state: no socket, no timers, nothing pending. */
  function stop(next: 'unauthenticated' | 'forbidden' | 'closed', error: PermsocketError) {
    connection.newRun_();
    liveness.stop_();
    session.end_();
    transport.stop_('client stopped');
    terminalError = error;
    requests.rejectAll_((action, sent) => (error instanceof ConnectionLostError ? new ConnectionLostError(error.message, { action, sent }) : error));
    if (permissions !== EMPTY_PERMISSIONS) setPermissions(EMPTY_PERMISSIONS);
    connection.move_(next);
    if (error instanceof AuthError) emit('auth-error', error);
    else if (!(error instanceof ConnectionLostError)) emit('error', error);
  }

  // In a terminal state: ready() gets the state's own error, a request a short one naming the state.
  const closedError = (action?: string) => (!action && terminalError) || stateError(connection.state_, action);

  const client: Client<C> = {
    get state() { return connection.state_; },
    get user() { return session.user_; },
    get permissions() { return permissions; },
    get expiresAt() { return session.expiresAt_; },
    contract,
    can(action, payload) {
      const definition = contract.actions[action];
      if (!definition) return false;
      if (payload === undefined && definition.resource) return definition.permission === null || permissions.can(definition.permission);
      return !refusal(definition, payload, permissions);
    },
    request(action, payload, { timeout = requestTimeout, signal } = NO_OPTIONS) {
      const definition = contract.actions[action];
      if (!definition) return Promise.reject(new RequestError('unknown_action', `the contract has no action "${action}"`, action));
      if (isTerminal(connection.state_)) return Promise.reject(closedError(action));
      return requests.request_(action, payload, definition, timeout, signal) as Promise<ResultOf<C, typeof action>>;
    },
    onEvent: listeners.onEvent,
    on: listeners.on,
    once: listeners.once,
    off: listeners.off,
    subscribe: (listener) => listeners.on('change', listener),
    ready: (readyOptions = {}) => connection.ready_(readyOptions, closedError),
    connect() {
      if (!isTerminal(connection.state_)) return;
      transport.start_(); // throws first when there is no WebSocket to connect with
      connection.newRun_();
      terminalError = null;
      connection.move_('connecting');
    },
    close() {
      if (connection.state_ !== 'closed') stop('closed', new ConnectionLostError('the client was closed'));
    },
    [Symbol.dispose]: () => client.close(),
  };

  if (autoConnect) client.connect();
  return client;
}
