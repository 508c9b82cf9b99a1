/**
 * The permsocket wire protocol, v1: frame types, a validating parser for each direction, close
 * codes and error codes. Imported by the browser client and by the reference servers, so both
 * sides read and write the very same shapes. Nothing here touches a browser-only API.
 * @packageDocumentation
 */

/** The subprotocol a client offers and a server selects. */
export const SUBPROTOCOL = 'permsocket.v1';
/** Largest frame either side accepts, in bytes of UTF-8 (64 KiB); larger ones close with 1009. */
export const MAX_FRAME_BYTES = 65536;
/** Largest access token a server verifies, in bytes (8 KiB). */
export const MAX_TOKEN_BYTES = 8192;
/** Longest request id, in characters. */
export const MAX_REQUEST_ID_LENGTH = 64;
/** Longest request key (`req.key`), in characters. */
export const MAX_REQUEST_KEY_LENGTH = 64;
/** The `auth.ok.features` entry of a server that honours request keys (PROTOCOL.md, "Request keys"). */
export const KEYS_FEATURE = 'keys';

/** WebSocket close codes used by the protocol, standard ones and the 4xxx application ones. */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  UnsupportedData: 1003,
  Abnormal: 1006,
  MessageTooBig: 1009,
  InternalError: 1011,
  ServiceRestart: 1012,
  TryAgainLater: 1013,
  /** Sent by the client itself when the server stopped answering pings. */
  PingTimeout: 4000,
  BadRequest: 4400,
  Unauthenticated: 4401,
  Forbidden: 4403,
  UnsupportedProtocol: 4406,
  AuthTimeout: 4408,
  RateLimited: 4429,
} as const;
/** One of the {@link CloseCode} values. */
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Error codes carried in `res.error.code` and `error.error.code`. A handler may add its own. */
export const ErrorCode = {
  BadRequest: 'bad_request',
  Unauthenticated: 'unauthenticated',
  PermissionDenied: 'permission_denied',
  UnknownAction: 'unknown_action',
  NotFound: 'not_found',
  RateLimited: 'rate_limited',
  AuthTimeout: 'auth_timeout',
  Forbidden: 'forbidden',
  UnsupportedProtocol: 'unsupported_protocol',
  Internal: 'internal',
} as const;
/** One of the {@link ErrorCode} values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The error code an `error` frame carries before each server-initiated 4xxx close. */
// Literal values (not ErrorCode.X reads) keep this table out of client bundles that never use it.
export const closeErrorCode = {
  4400: 'bad_request',
  4401: 'unauthenticated',
  4403: 'forbidden',
  4406: 'unsupported_protocol',
  4408: 'auth_timeout',
  4429: 'rate_limited',
} as const satisfies Record<number, ErrorCode>;

/** The authenticated user, as the server reports it in `auth.ok`. */
export interface UserInfo {
  id: string;
  name: string;
}

/** A full permission snapshot: `version` only grows for one user within a session. */
export interface PermissionSnapshot {
  version: number;
  grants: string[];
}

/** An error as it travels in `res` and `error` frames. */
export interface WireError {
  code: string;
  message: string;
  permission?: string;
  resource?: string;
  retryAfterMs?: number;
}

/** Client -> server: the first frame, carrying the access token. */
export interface AuthFrame {
  type: 'auth';
  token: string;
}
/** Client -> server: a newer token of the same subject, sent on the open socket. */
export interface AuthRefreshFrame {
  type: 'auth.refresh';
  token: string;
}
/** Client -> server: one request. */
export interface RequestFrame {
  type: 'req';
  id: string;
  action: string;
  payload: unknown;
  /**
   * The request's key: the same on every re-send of this request, so a server that lists
   * `"keys"` in `auth.ok.features` answers a repeat with the first answer instead of running it
   * twice. 1-64 characters; absent for a server without keys (undefined, which JSON leaves out).
   */
  key?: string | undefined;
}
/** Client -> server: a liveness probe. */
export interface PingFrame {
  type: 'ping';
}
/** Any frame a client may send. */
export type ClientFrame = AuthFrame | AuthRefreshFrame | RequestFrame | PingFrame;

/** Server -> client: the answer to `auth` and `auth.refresh`. */
export interface AuthOkFrame {
  type: 'auth.ok';
  user: UserInfo;
  /** Token expiry, unix seconds. */
  exp: number;
  /** The server's clock, unix milliseconds. */
  now: number;
  perms: PermissionSnapshot;
  /** What the server supports beyond the base protocol: `"keys"` ({@link KEYS_FEATURE}); absent means none. */
  features?: string[];
}
/** Server -> client: the user's permission set changed (a full snapshot). */
export interface PermsFrame extends PermissionSnapshot {
  type: 'perms';
}
/** Server -> client: a successful answer to one `req`. */
export interface ResultOkFrame {
  type: 'res';
  id: string;
  ok: true;
  data: unknown;
}
/** Server -> client: a refused or failed `req`. */
export interface ResultErrorFrame {
  type: 'res';
  id: string;
  ok: false;
  error: WireError;
}
/** Server -> client: a push of a contract event. */
export interface EventFrame {
  type: 'event';
  name: string;
  data: unknown;
}
/** Server -> client: sent just before a server-initiated close. */
export interface ErrorFrame {
  type: 'error';
  error: WireError;
}
/** Server -> client: the answer to `ping`. */
export interface PongFrame {
  type: 'pong';
}
/** Any frame a server may send. */
export type ServerFrame =
  | AuthOkFrame
  | PermsFrame
  | ResultOkFrame
  | ResultErrorFrame
  | EventFrame
  | ErrorFrame
  | PongFrame;

/** The outcome of {@link parseServerFrame}: the frame, or why it was refused. */
export type ParsedServerFrame = { ok: true; frame: ServerFrame } | { ok: false; message: string };

/**
 * The outcome of {@link parseClientFrame}. A refused frame says what the server must do:
 * `close` with `code` (after an `error` frame with `errorCode`), or `reply` with a `res` error for
 * request `id`.
 */
export type ParsedClientFrame =
  | { ok: true; frame: ClientFrame }
  | { ok: false; action: 'close'; code: 1009 | 4400; errorCode: ErrorCode; message: string }
  | { ok: false; action: 'reply'; id: string; errorCode: 'bad_request'; message: string };

/** Describes a value's kind for error messages: `number`, `null`, `array`, `object`, ... */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** UTF-8 length of a string, without allocating for the common short case. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    // A surrogate pair is 4 bytes in UTF-8: 2 for each half.
    else if (c >= 0xd800 && c <= 0xdfff) bytes += 2;
    else bytes += 3;
  }
  return bytes;
}

type Fields = Record<string, unknown>;

function parseObject(text: string): Fields | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'expected a JSON object, got invalid JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `expected a JSON object, got ${describe(value)}`;
  }
  const type = (value as Fields).type;
  if (typeof type !== 'string') return `expected 'type' to be a string, got ${describe(type)}`;
  return value as Fields;
}

const isString = (v: unknown): v is string => typeof v === 'string';
// Number.isFinite is false for anything that is not a number: no typeof check needed.
const isNumber = (v: unknown): v is number => Number.isFinite(v);
const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A kind of field: its test, and what it wants, for the message. */
type Kind = [test: (value: unknown) => boolean, wanted: string];
/** The fields a frame (or an object inside it) must have; a nested shape is itself `an object`. */
type Shape = { [field: string]: Kind | Shape };
const STRING: Kind = [isString, 'a string'];
const NUMBER: Kind = [isNumber, 'a number'];
const GRANTS: Kind = [(v) => Array.isArray(v) && v.every(isString), 'an array of strings'];
const ANY: Kind = [(v) => v !== undefined, 'any JSON value'];
const optional = ([test, wanted]: Kind): Kind => [(v) => v === undefined || test(v), `${wanted} when present`];
const RESULT: Shape = { data: ANY };
const ERROR: Shape = { error: { code: STRING, message: STRING, permission: optional(STRING), resource: optional(STRING), retryAfterMs: optional(NUMBER) } };
// Shapes rather than code per type: smaller in the client bundle, and every message has one shape.
const serverShapes: Record<string, Shape> = {
  'auth.ok': {
    user: [(v) => isObject(v) && isString(v.id) && isString(v.name), '{id: string, name: string}'],
    exp: NUMBER,
    now: NUMBER,
    perms: { version: NUMBER, grants: GRANTS },
    features: optional(GRANTS),
  },
  perms: { version: NUMBER, grants: GRANTS },
  res: { id: STRING, ok: [(v) => typeof v === 'boolean', 'a boolean'] },
  event: { name: STRING, data: ANY },
  error: ERROR,
  pong: {},
};

/** The first field of `value` that breaks `shape`, as a message; `path` leads to `value` in the frame. */
function checkShape(type: string, value: Fields, shape: Shape, path = ''): string | undefined {
  // A plain loop over keys: no arrays allocated per field, as every frame goes through here.
  for (const key in shape) {
    const rule = shape[key] as Kind | Shape;
    const field = value[key];
    const nested = !Array.isArray(rule);
    if (!(nested ? isObject(field) : rule[0](field))) {
      return `"${type}" expects '${path + key}' to be ${nested ? 'an object' : rule[1]}, got ${describe(field)}`;
    }
    const broken = nested && checkShape(type, field as Fields, rule, `${path + key}.`);
    if (broken) return broken;
  }
  return undefined;
}

/**
 * Parses and validates one frame received by a client.
 * @example
 * const parsed = parseServerFrame('{"type":"perms","version":2,"grants":"x"}');
 * // { ok: false, message: `"perms" expects 'grants' to be an array of strings, got string` }
 */
export function parseServerFrame(text: string): ParsedServerFrame {
  const frame = parseObject(text);
  if (typeof frame === 'string') return { ok: false, message: frame };
  const type = frame.type as string;
  // Own keys only: a frame typed "toString" must be an unknown type, not Object.prototype's method.
  const shape = Object.hasOwn(serverShapes, type) ? serverShapes[type] : undefined;
  if (!shape) return { ok: false, message: `unknown frame type "${type}"` };
  const message = checkShape(type, frame, shape) ?? (type === 'res' ? checkShape(type, frame, frame.ok ? RESULT : ERROR) : undefined);
  return message ? { ok: false, message } : { ok: true, frame: frame as unknown as ServerFrame };
}

/** Whether a frame is larger than {@link MAX_FRAME_BYTES} in UTF-8. */
function isOversize(text: string): boolean {
  // UTF-8 takes 1 to 3 bytes per UTF-16 unit, so the length alone mostly decides without counting.
  // Stryker disable next-line ConditionalExpression: a fast path; counting UTF-8 below gives the same answer
  if (text.length > MAX_FRAME_BYTES) return true;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: a fast path; counting UTF-8 below gives the same answer
  if (text.length * 3 <= MAX_FRAME_BYTES) return false;
  return utf8Length(text) > MAX_FRAME_BYTES;
}

/** Whether `id` is a usable request id: a string of 1 to 64 characters. */
export function isRequestId(id: unknown): id is string {
  return typeof id === 'string' && id.length >= 1 && id.length <= MAX_REQUEST_ID_LENGTH;
}

/** Whether `key` is a usable request key: a string of 1 to 64 characters. */
export function isRequestKey(key: unknown): key is string {
  return typeof key === 'string' && key.length >= 1 && key.length <= MAX_REQUEST_KEY_LENGTH;
}

/**
 * Parses and validates one frame received by a server, and says what to do with a bad one:
 * oversize -> close 1009; not a JSON object, unknown type or bad request id -> close 4400; a `req`
 * with a good id but no action, or with a `key` that is not a string of 1-64 characters -> a
 * `res` error `bad_request`. An `auth` or `auth.refresh` without
 * a string token comes out with token '' for verification to refuse (4401). Whether a frame is allowed in the connection's current state
 * (for example a `req` before `auth.ok`) is the server's decision, not the parser's.
 */
export function parseClientFrame(text: string): ParsedClientFrame {
  if (isOversize(text)) {
    return { ok: false, action: 'close', code: 1009, errorCode: ErrorCode.BadRequest, message: `frame larger than ${MAX_FRAME_BYTES} bytes` };
  }
  const frame = parseObject(text);
  const bad = (message: string) =>
    ({ ok: false, action: 'close', code: 4400, errorCode: ErrorCode.BadRequest, message }) as const;
  if (typeof frame === 'string') return bad(frame);
  switch (frame.type) {
    case 'auth':
    case 'auth.refresh':
      // A missing token is an invalid one, which verification refuses (4401). It is not refused
      // here, so that the server's state rule still applies first: a second auth is 4400 either way.
      return { ok: true, frame: { type: frame.type, token: isString(frame.token) ? frame.token : '' } };
    case 'ping':
      return { ok: true, frame: { type: 'ping' } };
    case 'req': {
      if (!isRequestId(frame.id)) {
        return bad(`"req" expects 'id' to be a string of 1-${MAX_REQUEST_ID_LENGTH} characters, got ${describeId(frame.id)}`);
      }
      if (!isString(frame.action) || frame.action.length === 0) {
        const message = `"req" expects 'action' to be a non-empty string, got ${describe(frame.action)}`;
        return { ok: false, action: 'reply', id: frame.id, errorCode: ErrorCode.BadRequest, message };
      }
      const key = frame.key;
      if (key !== undefined && !isRequestKey(key)) {
        const message = `"req" expects 'key' to be a string of 1-${MAX_REQUEST_KEY_LENGTH} characters when present, got ${describeId(key)}`;
        return { ok: false, action: 'reply', id: frame.id, errorCode: ErrorCode.BadRequest, message };
      }
      // JSON cannot carry `undefined`: a request without a payload arrives as null.
      const request: RequestFrame = { type: 'req', id: frame.id, action: frame.action, payload: frame.payload ?? null };
      if (key !== undefined) request.key = key;
      return { ok: true, frame: request };
    }
    default:
      return bad(`unknown frame type "${String(frame.type).slice(0, 64)}"`);
  }
}

function describeId(id: unknown): string {
  return typeof id === 'string' ? `a string of ${id.length} characters` : describe(id);
}

/** Serializes a frame for the wire. */
export function encodeFrame(frame: ClientFrame | ServerFrame): string {
  return JSON.stringify(frame);
}

// The servers import the same permission rule the browser runs, from this one entry.
export { SUPERUSER_GRANT, isValidGrant, matchGrant, can, createPermissionSet } from './permissions';
export type { PermissionSet } from './permissions';
export { requiredPermission, checkAction, validatePayload, defineContract, action, event, returns, templateFields, renderTemplate } from './contract';
export type {
  Contract,
  ParsedPayloadOf,
  PayloadCheck,
  ResultType,
  ResourceTemplate,
  TemplateField,
  ActionDefinition,
  EventDefinition,
  ActionOptions,
  ActionName,
  PayloadOf,
  ResultOf,
  EventName,
  EventDataOf,
  RequiredPermission,
  ActionCheck,
} from './contract';
export { contractToJson, contractJsonText, ContractExportError, CONTRACT_JSON_SCHEMA_TARGET } from './contract-json';
export type { ContractJson, ActionJson } from './contract-json';
