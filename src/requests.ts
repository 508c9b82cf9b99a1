/**
 * Requests: the bounded offline queue, the requests in flight with their ids, timeouts and abort
 * signals. Each request settles exactly once.
 * @packageDocumentation
 */
import type { ActionDefinition } from './contract';
import { ConnectionLostError, QueueFullError, TimeoutError } from './errors';

/** One request from the call to `request()` until it settles. */
export interface PendingRequest {
  readonly action: string;
  readonly payload: unknown;
  readonly definition: ActionDefinition<unknown, unknown>;
  /** The id of the frame in flight, if one was sent; a re-sent request gets a new one. */
  id: string | undefined;
  /** Whether it was already re-sent once after a lost connection. */
  resent: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** Per-request settings. */
export interface RequestOptions {
  /** Milliseconds from the call, queued time included; defaults to the client's `requestTimeout`. */
  timeout?: number;
  /** Aborting rejects the request with the signal's reason; an answer that comes later is ignored. */
  signal?: AbortSignal;
}

/** The queue and the in-flight table of one client. */
export interface RequestTracker {
  /** Registers a request; it waits in the queue until {@link RequestTracker.next} or is sent now. */
  add(
    action: string,
    payload: unknown,
    definition: ActionDefinition<unknown, unknown>,
    timeout: number,
    signal: AbortSignal | undefined,
  ): { request: PendingRequest; promise: Promise<unknown> };
  /** Queues a request for the next connection; throws QueueFullError past `maxQueued`. */
  enqueue(request: PendingRequest): void;
  /** Removes and returns the oldest queued request, or undefined when none waits. */
  next(): PendingRequest | undefined;
  /** Records a request as sent under a new, connection-unique id. */
  sent(request: PendingRequest): string;
  /** Settles the request in flight under `id`; returns it, or undefined for an unknown or late id. */
  settle(id: string): PendingRequest | undefined;
  /**
   * The socket dropped: requests in flight are rejected with ConnectionLostError, except
   * idempotent ones not yet re-sent, which go back to the front of the queue.
   */
  connectionLost(): void;
  /** Rejects everything queued and in flight with `error` (the client entered a terminal state). */
  rejectAll(error: Error): void;
  /** How many requests are queued. */
  readonly queued: number;
}

/** Creates the request tracker; `maxQueued` bounds the offline queue. */
export function createRequestTracker(maxQueued: number): RequestTracker {
  let queue: PendingRequest[] = [];
  const inflight = new Map<string, PendingRequest>();
  let counter = 0;
  // A prefix per client makes ids readable in server logs and unique across clients' tabs.
  const prefix = Math.random().toString(36).slice(2, 8);

  const forget = (request: PendingRequest) => {
    if (request.id !== undefined) inflight.delete(request.id);
    const at = queue.indexOf(request);
    if (at >= 0) queue.splice(at, 1);
  };

  return {
    add(action, payload, definition, timeout, signal) {
      let request!: PendingRequest;
      const promise = new Promise<unknown>((resolve, reject) => {
        let done = false;
        const finish = (settle: () => void) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          forget(request);
          settle();
        };
        const onAbort = () => finish(() => reject(signal?.reason));
        const timer = setTimeout(
          () => finish(() => reject(new TimeoutError(`"${action}" got no answer within ${timeout} ms`))),
          timeout,
        );
        signal?.addEventListener('abort', onAbort, { once: true });
        request = {
          action,
          payload,
          definition,
          id: undefined,
          resent: false,
          resolve: (value) => finish(() => resolve(value)),
          reject: (error) => finish(() => reject(error)),
        };
      });
      return { request, promise };
    },
    enqueue(request) {
      if (queue.length >= maxQueued) {
        request.reject(new QueueFullError(maxQueued));
        return;
      }
      queue.push(request);
    },
    next() {
      return queue.shift();
    },
    sent(request) {
      const id = `${prefix}${(++counter).toString(36)}`;
      request.id = id;
      inflight.set(id, request);
      return id;
    },
    settle(id) {
      const request = inflight.get(id);
      if (request) inflight.delete(id);
      return request;
    },
    connectionLost() {
      const retry: PendingRequest[] = [];
      for (const request of [...inflight.values()]) {
        inflight.delete(request.id as string);
        request.id = undefined;
        if (request.definition.idempotent && !request.resent) {
          request.resent = true;
          retry.push(request);
        } else {
          request.reject(
            new ConnectionLostError(
              `the connection dropped before "${request.action}" was answered; it was not re-sent because ${
                request.resent ? 'it had been re-sent once already' : 'the action is not idempotent'
              }`,
            ),
          );
        }
      }
      queue = [...retry, ...queue];
    },
    rejectAll(error) {
      for (const request of [...queue, ...inflight.values()]) request.reject(error);
      queue = [];
      inflight.clear();
    },
    get queued() {
      return queue.length;
    },
  };
}
