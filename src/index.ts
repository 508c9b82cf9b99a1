/**
 * permsocket: a typed WebSocket client that signs in on every connect, refreshes its token on
 * the open socket, keeps the server-issued permission set and reports every refusal.
 * @packageDocumentation
 */
export { createClient } from './client';
export type { Client, ReadyOptions, RequestOptions } from './client';
export { defineContract, action, event, returns, checkAction, requiredPermission } from './contract';
export type {
  Contract,
  ActionDefinition,
  ActionOptions,
  ParsedPayloadOf,
  ResultType,
  ResourceTemplate,
  EventDefinition,
  ActionName,
  PayloadOf,
  ResultOf,
  EventName,
  EventDataOf,
  ActionCheck,
  RequiredPermission,
} from './contract';
export {
  PermsocketError,
  PermissionDeniedError,
  AuthError,
  TimeoutError,
  ConnectionLostError,
  QueueFullError,
  ProtocolError,
  RequestError,
  isPermsocketError,
} from './errors';
export type { DenialSource, ErrorName, PermsocketErrorCode, BaseErrorCode, RequestErrorCode, RequestContext } from './errors';
export { defaults } from './options';
export type {
  ClientOptions,
  ClientEvents,
  ConnectionState,
  DebugEntry,
  PermissionDenial,
  PingOptions,
  RetryOptions,
  TokenReason,
  WebSocketConstructor,
} from './options';
export { matchGrant, can, createPermissionSet, isValidGrant, SUPERUSER_GRANT } from './permissions';
export type { PermissionSet } from './permissions';
export { CloseCode, ErrorCode, SUBPROTOCOL } from './protocol';
export type { UserInfo, PermissionSnapshot, WireError } from './protocol';
export { decideOnClose, backoffDelay } from './reconnect';
export type { CloseDecision, Backoff } from './reconnect';
