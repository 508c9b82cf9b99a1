/**
 * permsocket/server: the protocol's server side for Node, on `ws`. Every check PROTOCOL.md
 * promises (auth within the timeout, refresh, expiry, the rate limit, validation, the contract's
 * permission rule on fresh grants, pushes, the 4xxx discipline, the slow-reader cap) in one
 * engine that any Node backend mounts on its HTTP server. `ws` is needed; `jose` for `hs256` and
 * `jwks`, `ioredis` for `redisHub` (optional peer dependencies).
 * @packageDocumentation
 */
export { createServer, serverDefaults } from './engine';
export type { PermsocketServer, ServerOptions, Authenticated, Handlers, HandlerContext, Audience, DisconnectCode, PingOptions } from './types';
export { RequestError, ForbiddenError, AuthenticationError } from './errors';
export { memoryHub } from './hub';
export type { Hub, HubMessage } from './hub';
export { redisHub } from './redis-hub';
export { memoryKeys, memoryKeysDefaults } from './keys';
export type { KeyStore, KeyClaim, MemoryKeysOptions } from './keys';
export { redisKeys } from './redis-keys';
export type { RedisKeysOptions } from './redis-keys';
export type { RedisHubOptions } from './redis-hub';
export { hs256, jwks } from './jwt';
export type { Hs256Options, JwksOptions, JwtOptions } from './jwt';
export type { Logger, LogFields } from './log';
export type { RateLimit } from './rate-limit';
