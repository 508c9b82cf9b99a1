/**
 * The server's configuration, read from the environment names in PROTOCOL.md. With no environment
 * at all the server runs on an embedded default: a SQLite file under demo/server/.data and a dev
 * JWT secret generated once and kept beside it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseLoginRateLimit, parseSwitch, type LoginRateLimit } from './http-config';

/** A token bucket's size and refill rate. */
export interface RateLimit {
  burst: number;
  perSecond: number;
}

/** Everything {@link startServer} needs; {@link loadConfig} builds it from the environment. */
export interface ServerConfig {
  host: string;
  /** 0 picks a free port; the server reports the one it got. */
  port: number;
  jwtSecret: string;
  /** Access token lifetime, seconds. */
  accessTokenTtl: number;
  /** Origins allowed at the WebSocket handshake; undefined: 127.0.0.1 and localhost on the bound port. */
  allowedOrigins: readonly string[] | undefined;
  /** The SQLite file. */
  database: string;
  /** Optional: several nodes share permission pushes and chat events through it. */
  redisUrl: string | undefined;
  /** Per-connection token bucket; null turns it off (benchmarks only). */
  rateLimit: RateLimit | null;
  /** How long a new socket may take to send `auth`, milliseconds. */
  authTimeoutMs: number;
  /** Folder of the built demo web app, served as static files when it exists. */
  staticDir: string;
  /**
   * How often sockets are pinged (WebSocket ping); one that did not answer the previous ping is
   * dropped as idle. Not an environment variable: tests shorten it in-process.
   */
  heartbeatMs: number;
  /**
   * Most bytes a connection may have queued for sending. A peer that stops reading while answers
   * and pushes pile up is closed with 1013 past it, so one slow reader cannot exhaust the memory.
   * Not an environment variable: tests lower it in-process.
   */
  maxBufferedBytes: number;
  /** Failed sign-ins allowed per username and per address (`LOGIN_RATE_LIMIT`); null: off. */
  loginRateLimit: LoginRateLimit | null;
  /** `SECURE_COOKIES=1`: the refresh cookie is always `Secure`. */
  secureCookies: boolean;
  /** `TRUST_PROXY=1`: the scheme and client address come from X-Forwarded-Proto / X-Forwarded-For. */
  trustProxy: boolean;
}

const here = dirname(fileURLToPath(import.meta.url));
/** Where the embedded default keeps its SQLite file and dev secret (gitignored). */
export const DEFAULT_DATA_DIR = join(here, '.data');
const DEFAULT_STATIC_DIR = join(here, '..', 'web', 'dist');

/** A configuration error, reported on stderr before the server starts. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

function positiveNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new ConfigError(`${name} expects a positive number, got "${raw}"`);
  return value;
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 8787;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT expects 0-65535, got "${raw}"`);
  return port;
}

/** Parses `RATE_LIMIT`: `<burst>,<per second>`, or `off`. */
export function parseRateLimit(raw: string | undefined): RateLimit | null {
  if (raw === undefined || raw === '') return { burst: 100, perSecond: 50 };
  if (raw.trim().toLowerCase() === 'off') return null;
  const [burst, perSecond, extra] = raw.split(',').map((part) => Number(part.trim()));
  if (extra !== undefined || !burst || !perSecond || burst < 1 || perSecond <= 0 || !Number.isFinite(burst + perSecond)) {
    throw new ConfigError(`RATE_LIMIT expects "<burst>,<per second>" or "off", got "${raw}"`);
  }
  return { burst, perSecond };
}

/**
 * The JWT secret: `JWT_SECRET`, or a dev secret generated once and kept in a file beside the
 * database so tokens survive a restart. `warn` is told when the dev secret is used.
 */
function jwtSecret(env: NodeJS.ProcessEnv, database: string, warn: (message: string) => void): string {
  const configured = env.JWT_SECRET;
  if (configured) return configured;
  const file = `${database}.jwt-secret`;
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
  warn(`JWT_SECRET is not set: using a dev secret kept in ${file}; set JWT_SECRET in production`);
  return readFileSync(file, 'utf8').trim();
}

/** Builds the configuration from environment variables (see PROTOCOL.md for the names). */
export function loadConfig(env: NodeJS.ProcessEnv, warn: (message: string) => void): ServerConfig {
  const database = env.DATABASE || join(DEFAULT_DATA_DIR, 'permsocket.sqlite3');
  mkdirSync(dirname(database), { recursive: true });
  const origins = env.ALLOWED_ORIGINS?.split(',').map((o) => o.trim()).filter(Boolean);
  return {
    host: env.HOST || '127.0.0.1',
    port: parsePort(env.PORT),
    jwtSecret: jwtSecret(env, database, warn),
    accessTokenTtl: positiveNumber(env, 'ACCESS_TOKEN_TTL', 300),
    allowedOrigins: origins && origins.length > 0 ? origins : undefined,
    database,
    redisUrl: env.REDIS_URL || undefined,
    rateLimit: parseRateLimit(env.RATE_LIMIT),
    authTimeoutMs: positiveNumber(env, 'AUTH_TIMEOUT', 5) * 1000,
    staticDir: DEFAULT_STATIC_DIR,
    heartbeatMs: 30_000,
    maxBufferedBytes: 8 * 1024 * 1024,
    loginRateLimit: parseLoginRateLimit(env.LOGIN_RATE_LIMIT),
    secureCookies: parseSwitch(env, 'SECURE_COOKIES'),
    trustProxy: parseSwitch(env, 'TRUST_PROXY'),
  };
}

/** The default allowlist for a bound port: the same origin by IP and by name. */
export function defaultOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
}
