/**
 * Requests: the call-time permission check, the bounded offline queue, the requests in flight with
 * their ids, timeouts and abort signals, and sending them once the client is ready. Each request
 * settles exactly once.
 * @packageDocumentation
 */
import { refusal, type ActionDefinition } from './contract';
import { ConnectionLostError, PermissionDeniedError, QueueFullError, RequestError, TimeoutError, type PermissionDenial } from './errors';
import { EMPTY_PERMISSIONS, type PermissionSet } from './permissions';
import { Deadline } from './deadline';
import type { RequestFrame, ResultErrorFrame, ResultOkFrame } from './protocol';

/** Per-request settings. */
export interface RequestOptions {
  /** Milliseconds from the call, queued time included; defaults to the client's `requestTimeout`. */
  timeout?: number;
  /** Aborting rejects the request with the signal's reason; an answer that comes later is ignored. */
  signal?: AbortSignal;
}

/** One request from the call to `request()` until it settles, exactly once. */
class PendingRequest extends Deadline<unknown> {
  /** The id of the frame in flight, if one is; a re-sent request gets a new one. */
  declare id_: string | undefined;
  /** Whether a frame for it ever left this client. */
  declare sent_: boolean;
  /** Whether it was already re-sent once after a lost connection. */
  declare resent_: boolean;
  /** Its key (the id of its first send to a server with keys), kept for the re-send. */
  declare key_: string | undefined;
  declare readonly action_: string;
  declare readonly payload_: unknown;
  declare readonly definition_: ActionDefinition<unknown, unknown>;
  declare readonly timeout_: number;

  constructor(action: string, payload: unknown, definition: ActionDefinition<unknown, unknown>, timeout: number, signal: AbortSignal | undefined, done: (request: PendingRequest) => void) {
    super(timeout, signal, done as (settled: Deadline<unknown>) => void);
    this.action_ = action;
    this.payload_ = payload;
    this.definition_ = definition;
    this.timeout_ = timeout;
    this.id_ = undefined;
    this.sent_ = false;
    this.resent_ = false;
  }
  override timedOut_() {
    const where = this.sent_ ? 'it was sent, so the server may still have acted on it' : 'it was never sent';
    return new TimeoutError(`"${this.action_}" got no answer within ${this.timeout_} ms (${where})`, { action: this.action_, sent: this.sent_ });
  }
}

/** What the requests need from the client. */
export interface RequestsHost {
  /** Whether frames may be sent now (the client is ready). */
  ready_(): boolean;
  /** The current permission snapshot. */
  permissions_(): PermissionSet;
  send_(frame: RequestFrame): void;
  /** Whether the last `auth.ok` listed the `keys` feature: requests then carry keys and any is re-sent. */
  keys_(): boolean | undefined;
  /** A request was refused for a missing permission (the `permission-denied` event). */
  denied_(denial: PermissionDenial): void;
}

/** The requests of one client. */
export interface Requests {
  /**
   * Checks the permissions (when a snapshot exists), then sends the request or queues it for the
   * next ready connection; resolves with the result.
   */
  request_(action: string, payload: unknown, definition: ActionDefinition<unknown, unknown>, timeout: number, signal: AbortSignal | undefined): Promise<unknown>;
  /** Sends the queued requests, oldest first, each checked against the current permissions. */
  flush_(): void;
  /** Settles the request a `res` frame answers; an unknown or late id is ignored. */
  answer_(frame: ResultOkFrame | ResultErrorFrame): void;
  /**
   * The socket dropped: requests in flight are rejected with ConnectionLostError, except those
   * not yet re-sent that are idempotent or were sent with a key, which go back to the front of
   * the queue (one with a key only, if the next `auth.ok` has no keys, is rejected then instead).
   */
  connectionLost_(): void;
  /** Rejects everything queued and in flight (the client entered a terminal state). */
  rejectAll_(error: (action: string, sent: boolean) => Error): void;
}

const lostError = (request: PendingRequest, why: string) =>
  new ConnectionLostError(`the connection dropped before "${request.action_}" was answered; it was not re-sent because ${why}`, {
    action: request.action_,
    sent: true,
  });

/** Creates the requests of one client; `maxQueued` bounds the offline queue. */
export function createRequests(host: RequestsHost, maxQueued: number): Requests {
  let queue: PendingRequest[] = [];
  const inflight = new Map<string, PendingRequest>();
  let counter = 0;
  // A random prefix per client (about 52 bits) makes ids, and so keys, unique across a user's
  // clients and page loads: a key must not meet another request's key of the same user.
  // Stryker disable next-line MethodExpression: equivalent: without slice the ids only gain a leading "0.", and stay unique and short
  const prefix = Math.random().toString(36).slice(2);
  const forget = (request: PendingRequest) => {
    // With no id (never sent, or back in the queue) there is nothing to delete.
    inflight.delete(request.id_!);
    const at = queue.indexOf(request);
    if (at >= 0) queue.splice(at, 1);
  };

  function deny(denial: PermissionDenial, message?: string) {
    host.denied_(denial);
    return new PermissionDeniedError(denial, message);
  }
  /** The local refusal of a request by the current permissions, if they refuse it. */
  function refused(action: string, definition: ActionDefinition<unknown, unknown>, payload: unknown) {
    const missing = refusal(definition, payload, host.permissions_());
    return missing && deny({ action, permission: missing.permission, resource: missing.resource, source: 'local' });
  }

  /** Sends one request now, unless the current permissions refuse it (`checked`: it was checked just now). */
  function dispatch(request: PendingRequest, checked?: boolean) {
    const error = !checked && refused(request.action_, request.definition_, request.payload_);
    if (error) return request.reject(error);
    const keys = host.keys_();
    // Re-sent for its key alone: without keys now, sending it again could apply it twice.
    if (request.resent_ && !keys && !request.definition_.idempotent) return request.reject(lostError(request, 'the action is not idempotent'));
    // Stryker disable next-line UpdateOperator: equivalent: counting down gives unique ids too
    const id = `${prefix}${(++counter).toString(36)}`;
    request.id_ = id;
    request.sent_ = true;
    inflight.set(id, request);
    // The key is the request's first id: unique per client, and across clients by the prefix. An
    // undefined key is left out of the JSON: a server without keys sees the frame as before.
    host.send_({ type: 'req', id, action: request.action_, payload: request.payload_ ?? null, key: keys ? (request.key_ ??= id) : undefined });
  }

  return {
    request_(action, payload, definition, timeout, signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      // With a snapshot, refuse at call time; before the first one, the check runs at flush.
      const checked = host.permissions_() !== EMPTY_PERMISSIONS;
      const error = checked && refused(action, definition, payload);
      if (error) return Promise.reject(error);
      const request = new PendingRequest(action, payload, definition, timeout, signal, forget);
      if (host.ready_() && queue.length === 0) dispatch(request, checked);
      else if (queue.length >= maxQueued) request.reject(new QueueFullError(maxQueued));
      else queue.push(request);
      return request.promise;
    },
    // One at a time from the live queue: a listener that closes the client stops the loop (the rest
    // were rejected while still queued), and a request made from a listener queues behind the rest.
    flush_() {
      let request: PendingRequest | undefined;
      while (host.ready_() && (request = queue.shift())) dispatch(request);
    },
    answer_(frame) {
      const request = inflight.get(frame.id);
      if (!request) return;
      if (frame.ok) return request.resolve(frame.data);
      const error = frame.error;
      request.reject(
        error.code === 'permission_denied'
          ? deny({ action: request.action_, permission: error.permission, resource: error.resource, source: 'server', requestId: frame.id }, error.message)
          : new RequestError(error.code, error.message, request.action_, error.retryAfterMs),
      );
    },
    connectionLost_() {
      const retry: PendingRequest[] = [];
      for (const [id, request] of [...inflight]) {
        inflight.delete(id);
        request.id_ = undefined;
        if ((request.definition_.idempotent || request.key_) && !request.resent_) {
          request.resent_ = true;
          retry.push(request);
        } else request.reject(lostError(request, request.resent_ ? 'it had been re-sent once already' : 'the action is not idempotent'));
      }
      queue = [...retry, ...queue];
    },
    rejectAll_(error) {
      for (const request of [...queue, ...inflight.values()]) request.reject(error(request.action_, request.sent_));
      queue = [];
      inflight.clear();
    },
  };
}
