/** The server's configuration from the environment: defaults, parsing and the dev secret. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, defaultOrigins, loadConfig, parseRateLimit } from '../../demo/server/config';

describe('the server configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'permsocket-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('uses the defaults of PROTOCOL.md when only DATABASE and JWT_SECRET are set', () => {
    const config = loadConfig({ DATABASE: join(dir, 'a.sqlite3'), JWT_SECRET: 's' }, () => {});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8787,
      accessTokenTtl: 300,
      allowedOrigins: undefined,
      redisUrl: undefined,
      rateLimit: { burst: 100, perSecond: 50 },
      authTimeoutMs: 5000,
    });
    expect(defaultOrigins(8787)).toEqual(['http://127.0.0.1:8787', 'http://localhost:8787']);
  });

  it('generates a dev JWT secret beside the database once, with a warning, and reuses it', () => {
    const warnings: string[] = [];
    const database = join(dir, 'b.sqlite3');
    const first = loadConfig({ DATABASE: database }, (message) => warnings.push(message));
    const second = loadConfig({ DATABASE: database }, () => {});
    expect(first.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(second.jwtSecret).toBe(first.jwtSecret);
    expect(readFileSync(`${database}.jwt-secret`, 'utf8')).toBe(first.jwtSecret);
    expect(warnings.join('\n')).toMatch(/JWT_SECRET is not set/);
  });

  it('reads every variable', () => {
    const config = loadConfig(
      {
        HOST: '0.0.0.0',
        PORT: '0',
        JWT_SECRET: 'secret',
        ACCESS_TOKEN_TTL: '2',
        ALLOWED_ORIGINS: 'https://a.example, https://b.example',
        DATABASE: join(dir, 'c.sqlite3'),
        REDIS_URL: 'redis://127.0.0.1:6399',
        RATE_LIMIT: '20,10',
        AUTH_TIMEOUT: '1',
      },
      () => {},
    );
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 0,
      jwtSecret: 'secret',
      accessTokenTtl: 2,
      allowedOrigins: ['https://a.example', 'https://b.example'],
      redisUrl: 'redis://127.0.0.1:6399',
      rateLimit: { burst: 20, perSecond: 10 },
      authTimeoutMs: 1000,
    });
  });

  it('turns the rate limit off with RATE_LIMIT=off', () => {
    expect(parseRateLimit('off')).toBeNull();
  });

  it.each([['RATE_LIMIT', 'lots'], ['RATE_LIMIT', '10'], ['PORT', '99999'], ['ACCESS_TOKEN_TTL', '-1'], ['AUTH_TIMEOUT', 'soon']])(
    'refuses %s=%s with a ConfigError',
    (name, value) => {
      expect(() => loadConfig({ DATABASE: join(dir, 'd.sqlite3'), JWT_SECRET: 's', [name]: value }, () => {})).toThrow(ConfigError);
    },
  );
});
