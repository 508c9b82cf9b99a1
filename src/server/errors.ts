/**
 * The errors a backend throws to steer the engine: a handler's {@link RequestError} answers its
 * code, an `authenticate` or `loadPermissions` throwing {@link ForbiddenError} closes with 4403,
 * and {@link AuthenticationError} carries a reason that is safe to send and log (never a token).
 * @packageDocumentation
 */

/**
 * Thrown by a handler: the request is answered with `res` error `code` and `message` (and
 * `retryAfterMs` when given). The connection stays open.
 * @example
 * if (!rooms.has(room)) throw new RequestError('not_found', `no room "${room}"`);
 */
export class RequestError extends Error {
  override name = 'RequestError';
  /** The error code sent in `res.error.code`: one of PROTOCOL.md's or the app's own. */
  readonly code: string;
  /** Sent as `res.error.retryAfterMs`, for a code such as `rate_limited`. */
  readonly retryAfterMs: number | undefined;

  constructor(code: string, message: string, options: { retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * Thrown by `authenticate` (at `auth` or `auth.refresh`) or by `loadPermissions`: the user is
 * known but may not be here (inactive, banned). The connection gets `error` `forbidden` and 4403,
 * and the client stops reconnecting. The message is sent to the client and logged.
 */
export class ForbiddenError extends Error {
  override name = 'ForbiddenError';
}

/**
 * Thrown by `authenticate` for a token that is missing, invalid or expired; its message is sent
 * in the `error` frame before the 4401 close and logged, so it must never contain the token. Any
 * other error thrown by `authenticate` also closes with 4401, with the message `invalid token`.
 */
export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
}
