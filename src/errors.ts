/**
 * The error classes. Each has a stable `code`; guards compare `name`, so they also work on errors
 * from another realm (an iframe, a second copy of the library).
 * @packageDocumentation
 */

/** The base class of every error permsocket throws or emits. */
export class PermsocketError extends Error {
  override name = 'PermsocketError';
  /** A stable, machine-readable code. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Where a permission was refused: by the client's own check, or by the server. */
export type DenialSource = 'local' | 'server';

/** A request refused for a missing permission, by the client's check or by the server. */
export class PermissionDeniedError extends PermsocketError {
  override name = 'PermissionDeniedError';
  declare readonly code: 'permission_denied';
  constructor(
    readonly action: string,
    readonly permission: string | undefined,
    readonly resource: string | undefined,
    readonly source: DenialSource,
    message?: string,
  ) {
    super(
      'permission_denied',
      message ??
        `"${action}" needs permission ${permission ?? '(unknown)'}${resource ? ` on ${resource}` : ''} (refused ${source === 'local' ? 'locally' : 'by the server'})`,
    );
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

/** A request (or a getToken call) took longer than its timeout. */
export class TimeoutError extends PermsocketError {
  override name = 'TimeoutError';
  declare readonly code: 'timeout';
  constructor(message: string) {
    super('timeout', message);
  }
}

/** The connection dropped, or the client was closed, before a request was answered. */
export class ConnectionLostError extends PermsocketError {
  override name = 'ConnectionLostError';
  declare readonly code: 'connection_lost';
  constructor(message: string, options?: { cause?: unknown }) {
    super('connection_lost', message, options);
  }
}

/** More requests were waiting for a connection than `maxQueued` allows. */
export class QueueFullError extends PermsocketError {
  override name = 'QueueFullError';
  declare readonly code: 'queue_full';
  constructor(readonly limit: number) {
    super('queue_full', `the offline queue is full (${limit} requests are waiting for a connection)`);
  }
}

/** The peer broke the protocol: a malformed frame, or a fatal close (1003, 1009, 4400, 4406). */
export class ProtocolError extends PermsocketError {
  override name = 'ProtocolError';
  declare readonly code: 'protocol_error';
  constructor(
    message: string,
    readonly closeCode?: number,
  ) {
    super('protocol_error', message);
  }
}

/** Any other error the server answered a request with; `code` is the server's code. */
export class RequestError extends PermsocketError {
  override name = 'RequestError';
  constructor(
    code: string,
    message: string,
    readonly action: string,
    readonly retryAfterMs?: number,
  ) {
    super(code, message);
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
    ? typeof actual === 'string' && Object.prototype.hasOwnProperty.call(errorNames, actual) && typeof (error as { code?: unknown }).code === 'string'
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
