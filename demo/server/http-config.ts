/**
 * The HTTP hardening settings of PROTOCOL.md: `LOGIN_RATE_LIMIT`, `SECURE_COOKIES` and
 * `TRUST_PROXY`. Parsed here, apart from the rest of config.ts, with the same rules as the Django
 * server's config/env.py, so both accept and refuse the same values.
 */
import { ConfigError } from './config';

/** How many failed sign-ins are allowed per username and per client address within one window. */
export interface LoginRateLimit {
  /** Failures allowed per username in a window; the next attempt gets 429. */
  perUser: number;
  /** Failures allowed per client address (an IPv6 /64) in a window. */
  perAddress: number;
  /** The window, milliseconds, counted from the first failure in it. */
  windowMs: number;
}

/** What `LOGIN_RATE_LIMIT` is when unset: 5 per username, 20 per address, per 60 s. */
export const DEFAULT_LOGIN_RATE_LIMIT: LoginRateLimit = { perUser: 5, perAddress: 20, windowMs: 60_000 };

/**
 * Parses `LOGIN_RATE_LIMIT`: `<failures per username>,<failures per address>,<window seconds>`
 * (whole failures of at least 1, a positive number of seconds), or `off` (benchmarks only).
 */
export function parseLoginRateLimit(raw: string | undefined): LoginRateLimit | null {
  if (raw === undefined || raw === '') return DEFAULT_LOGIN_RATE_LIMIT;
  if (raw.trim().toLowerCase() === 'off') return null;
  const parts = raw.split(',').map((part) => Number(part.trim()));
  const [perUser = NaN, perAddress = NaN, seconds = NaN] = parts;
  const whole = (n: number) => Number.isInteger(n) && n >= 1;
  if (parts.length !== 3 || !whole(perUser) || !whole(perAddress) || !(Number.isFinite(seconds) && seconds > 0)) {
    throw new ConfigError(
      `LOGIN_RATE_LIMIT expects "<failures per username>,<failures per address>,<window seconds>" (e.g. "5,20,60") or "off", got "${raw}"`,
    );
  }
  return { perUser, perAddress, windowMs: seconds * 1000 };
}

/** Parses an on/off setting: `1` is on; `0` or unset is off; anything else stops the server. */
export function parseSwitch(env: NodeJS.ProcessEnv, name: 'SECURE_COOKIES' | 'TRUST_PROXY'): boolean {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '' || raw.trim() === '0') return false;
  if (raw.trim() === '1') return true;
  throw new ConfigError(`${name} expects 1 (on) or 0 (off), got "${raw}"`);
}
