/**
 * The error classes. Each carries its context as fields and a `code` from a closed union; guards
 * compare `name`, so they also work on errors from another realm (an iframe, a second copy of the
 * library).
 * @packageDocumentation
 */

/** Where a permission was refused: by the client's own check, or by the server. */
export type DenialSource = 'local' | 'server';

/** A refusal for a missing permission: the `permission-denied` event and {@link PermissionDeniedError} carry it. */
export interface PermissionDenial {
  /** The action that was refused. */
  action: string;
  /** The permission it needs, when known. */
  permission: string | undefined;
  /** The resource the permission was checked on (`room:general`), for an object-level check. */
  resource: string | undefined;
  /** Refused by the client's check before anything was sent, or by the server. */
  source: DenialSource;
  /** The id of the refused request frame (server refusals only). */
  requestId?: string;
}

/** The `code` of a {@link RequestError}: the server's error code (a handler may add its own). */
export type RequestErrorCode =
  | 'bad_request'
  | 'unauthenticated'
  | 'unknown_action'
  | 'not_found'
  | 'rate_limited'
  | 'auth_timeout'
  | 'forbidden'
  | 'unsupported_protocol'
  | 'internal'
  | (string & {});

/** Codes of a bare {@link PermsocketError}: a failed getToken or URL, a bad token, a setup mistake, a failed socket. */
export type BaseErrorCode = 'error' | 'bad_token' | 'setup' | 'connect_failed';

/** Every `code` a permsocket error can have. */
export type PermsocketErrorCode =
  | BaseErrorCode
  | PermissionDeniedError['code']
  | AuthError['code']
  | TimeoutError['code']
  | ConnectionLostError['code']
  | QueueFullError['code']
  | ProtocolError['code']
  | RequestErrorCode;

/** The base class of every error permsocket throws or emits. */
export class PermsocketError extends Error {
  override name = 'PermsocketError';
  /** A stable, machine-readable code. */
  readonly code: PermsocketErrorCode;
  constructor(code: PermsocketErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A request refused for a missing permission, by the client's check or by the server. */
export class PermissionDeniedError extends PermsocketError implements PermissionDenial {
  override name = 'PermissionDeniedError';
  declare readonly code: 'permission_denied';
  declare readonly action: string;
  declare readonly permission: string | undefined;
  declare readonly resource: string | undefined;
  declare readonly source: DenialSource;
  declare readonly requestId?: string;
  /** `message` defaults to one naming the action, the permission, the resource and who refused. */
  constructor(denial: PermissionDenial, message?: string) {
    const { action, permission, resource, source } = denial;
    super(
      'permission_denied',
      message ??
        `"${action}" needs permission ${permission ?? '(unknown)'}${resource ? ` on ${resource}` : ''} (refused ${source === 'local' ? 'locally' : 'by the server'})`,
    );
    Object.assign(this, denial);
  }
}

/**
 * The user is not (or no longer) signed in, or is not allowed to connect. Throw it from `getToken`
 * to say the user is signed out: the client stops instead of retrying.
 * @example
 * getToken: async () => {
 *   const res = await fetch('/auth/refresh', { method: 'POST' });
 *   if (res.status === 401) throw new AuthError('signed out');
 *   return (await res.json()).accessToken;
 * }
 */
export class AuthError extends PermsocketError {
  override name = 'AuthError';
  declare readonly code: 'unauthenticated' | 'forbidden';
  constructor(message: string, options?: { cause?: unknown; code?: 'unauthenticated' | 'forbidden' }) {
    super(options?.code ?? 'unauthenticated', message, options);
  }
}

/** What a request error knows about its request. */
export interface RequestContext {
  /** The action, or undefined when no request was involved (a getToken call, `ready()`). */
  action: string | undefined;
  /** Whether a frame for it left this client (the server may have acted on it). */
  sent: boolean;
  cause?: unknown;
}

// The fields TimeoutError and ConnectionLostError share, set once here.
class RequestContextError extends PermsocketError {
  /** The request's action; undefined when no request was involved (a getToken call, `ready()`). */
  declare readonly action: string | undefined;
  /** Whether the request frame left this client: if so the server may have acted on it. */
  declare readonly sent: boolean;
  constructor(code: 'timeout' | 'connection_lost', message: string, { action, sent = false, cause }: Partial<RequestContext> = {}) {
    super(code, message, { cause });
    Object.assign(this, { action, sent });
  }
}

/** A request, a getToken call or `ready()` took longer than its timeout. */
export class TimeoutError extends RequestContextError {
  override name = 'TimeoutError';
  declare readonly code: 'timeout';
  constructor(message: string, context?: RequestContext) {
    super('timeout', message, context);
  }
}

/** The connection dropped, or the client was closed, before a request was answered. */
export class ConnectionLostError extends RequestContextError {
  override name = 'ConnectionLostError';
  declare readonly code: 'connection_lost';
  constructor(message: string, context?: RequestContext) {
    super('connection_lost', message, context);
  }
}

/** More requests were waiting for a connection than `maxQueued` allows. */
export class QueueFullError extends PermsocketError {
  override name = 'QueueFullError';
  declare readonly code: 'queue_full';
  /** The `maxQueued` that was reached. */
  declare readonly limit: number;
  constructor(limit: number) {
    super('queue_full', `the offline queue is full (${limit} requests are waiting for a connection)`);
    Object.assign(this, { limit });
  }
}

/** The peer broke the protocol: a malformed frame, or a fatal close (1003, 1009, 4400, 4406). */
export class ProtocolError extends PermsocketError {
  override name = 'ProtocolError';
  declare readonly code: 'protocol_error';
  /** The close code, when the error is a fatal close. */
  declare readonly closeCode?: number;
  constructor(message: string, closeCode?: number) {
    super('protocol_error', message);
    Object.assign(this, { closeCode });
  }
}

/** Any other error the server answered a request with; `code` is the server's code. */
export class RequestError extends PermsocketError {
  override name = 'RequestError';
  declare readonly code: RequestErrorCode;
  /** The request's action. */
  declare readonly action: string;
  /** How long the server asks to wait before trying again (a `rate_limited` answer). */
  declare readonly retryAfterMs?: number;
  constructor(code: RequestErrorCode, message: string, action: string, retryAfterMs?: number) {
    super(code, message);
    Object.assign(this, { action, retryAfterMs });
  }
}

/** Whether `error` is a permsocket error, optionally of one class (compared by `name`). */
export function isPermsocketError<K extends ErrorName = 'PermsocketError'>(
  error: unknown,
  name?: K,
): error is ErrorByName[K] {
  if (typeof error !== 'object' || error === null) return false;
  const actual = (error as { name?: unknown }).name;
  return name === undefined || name === 'PermsocketError'
    ? typeof actual === 'string' && errorNames[actual as ErrorName] === true && typeof (error as { code?: unknown }).code === 'string'
    : actual === name;
}

interface ErrorByName {
  PermsocketError: PermsocketError;
  PermissionDeniedError: PermissionDeniedError;
  AuthError: AuthError;
  TimeoutError: TimeoutError;
  ConnectionLostError: ConnectionLostError;
  QueueFullError: QueueFullError;
  ProtocolError: ProtocolError;
  RequestError: RequestError;
}
/** The class names {@link isPermsocketError} understands. */
export type ErrorName = keyof ErrorByName;
// `=== true` above, not `in`: names inherited from Object.prototype (`constructor`) are no class.
const errorNames: Record<ErrorName, true> = {
  PermsocketError: true,
  PermissionDeniedError: true,
  AuthError: true,
  TimeoutError: true,
  ConnectionLostError: true,
  QueueFullError: true,
  ProtocolError: true,
  RequestError: true,
};

/** Whether an error means "signed out": any error named AuthError, even one from another copy of the library. */
export function isAuthError(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'AuthError';
}

/** `error` as an AuthError (a foreign one becomes the cause of a local one). */
export function asAuthError(error: unknown): AuthError {
  if (error instanceof AuthError) return error;
  return new AuthError(error instanceof Error ? error.message : String(error), { cause: error });
}

/** `error` as a PermsocketError, with `context` saying what failed. */
export function asPermsocketError(error: unknown, context: string): PermsocketError {
  if (error instanceof PermsocketError) return error;
  return new PermsocketError('error', `${context}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

/**
 * The error of a close that ends the client: 4403 (forbidden) and a second 4401 in a row are
 * AuthErrors, a fatal code (1003, 1009, 4400, 4406) a ProtocolError. `why` is the server's reason.
 */
export function closeError(code: number, why: string): AuthError | ProtocolError {
  const detail = why ? `: ${why}` : '';
  if (code === 4403) return new AuthError(`the server refused this user (4403${detail})`, { code: 'forbidden' });
  if (code === 4401) return new AuthError(`the server rejected a fresh token too (4401${detail})`);
  return new ProtocolError(`the server closed the connection with ${code}${detail}`, code);
}

/** The error of a request made in a terminal state: closed (connect() first), unauthenticated or forbidden. */
export function stateError(state: string, action?: string): ConnectionLostError | AuthError {
  if (state === 'closed') return new ConnectionLostError('the client is closed: call connect() first', { action, sent: false });
  return new AuthError(`the client is ${state}`, { code: state === 'forbidden' ? 'forbidden' : 'unauthenticated' });
}
