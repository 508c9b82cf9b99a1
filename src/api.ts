/**
 * The Client interface: what {@link createClient} returns, typed by the contract.
 * @packageDocumentation
 */
import type { ActionName, Contract, EventDataOf, EventName, PayloadOf, ResultOf } from './contract';
import type { ClientEvents, ConnectionState } from './options';
import type { PermissionSet } from './permissions';
import type { UserInfo } from './protocol';
import type { RequestOptions } from './requests';

/** Settings of {@link Client.ready}. */
export interface ReadyOptions {
  /** Rejects with a TimeoutError when the client is not ready this many milliseconds after the call; no limit when absent. */
  timeout?: number;
  /** Aborting rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** A permsocket client, typed by its contract. */
export interface Client<C extends Contract> {
  /** The connection state. */
  readonly state: ConnectionState;
  /** The signed-in user from the last `auth.ok`, or null. */
  readonly user: UserInfo | null;
  /**
   * The current permission snapshot (immutable; replaced, never changed in place): the
   * `initialPermissions` one until the first `auth.ok`, then the server's.
   */
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
   * source `local`) when the server's permissions do not allow it; waits in the queue while not
   * ready (and is checked when it leaves it, never against `initialPermissions`).
   */
  request<A extends ActionName<C>>(action: A, payload: PayloadOf<C, A>, options?: RequestOptions): Promise<ResultOf<C, A>>;
  /** Listens to a contract event; returns a function that removes the listener. */
  onEvent<E extends EventName<C>>(name: E, listener: (data: EventDataOf<C, E>) => void): () => void;
  /** Listens to a client event; returns a function that removes the listener. */
  on<K extends keyof ClientEvents>(event: K, listener: ClientEvents[K]): () => void;
  /** Listens to the next occurrence of a client event only; returns a function that removes the listener. */
  once<K extends keyof ClientEvents>(event: K, listener: ClientEvents[K]): () => void;
  /** Removes a listener added with `on` or `once` (every registration of that function for `event`). */
  off<K extends keyof ClientEvents>(event: K, listener: ClientEvents[K]): void;
  /**
   * Calls `listener` whenever `state`, `user`, `permissions` or `expiresAt` change; for
   * `useSyncExternalStore` and other UI bindings. Returns the unsubscribe function.
   */
  subscribe(listener: () => void): () => void;
  /**
   * Resolves when the client is ready (at once if it is). Rejects with the terminal state's error
   * (an AuthError, a ProtocolError, a ConnectionLostError after `close()`), a TimeoutError after
   * `timeout`, or the signal's reason.
   * @example await client.ready({ timeout: 5_000 });
   */
  ready(options?: ReadyOptions): Promise<void>;
  /** Connects (again) after `close()`, a terminal state or with `autoConnect: false`. */
  connect(): void;
  /** Closes the socket for good; queued and in-flight requests reject with ConnectionLostError. */
  close(): void;
  /** Closes the client like `close()`, for `using client = createClient(...)`. */
  [Symbol.dispose](): void;
}
