/**
 * The handshake's Origin allowlist (exact string equality, the default built from the bound port),
 * the environment both servers refuse or accept at start, and who may call the admin API: 401
 * without a valid token of a known user, 403 for an inactive user or a non-superuser.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PYTHON } from './django-server';
import { HandshakeRefused, RawClient, adminCall, adminChange, decodeClaims, forgeToken, grantPath, login, type Session } from './helpers';
import type { TestServer } from './server';
import { servers } from './servers';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Opens a socket with `origin` and reports 101 (open) or the refusing HTTP status. */
async function handshakeStatus(server: Pick<TestServer, 'wsUrl' | 'origin'>, origin: string | null): Promise<number> {
  try {
    const client = await RawClient.open(server, { origin });
    client.close();
    await client.waitClosed();
    return 101;
  } catch (error) {
    if (error instanceof HandshakeRefused) return error.status;
    throw error;
  }
}

/** A handshake carrying the raw `Origin` header lines given (several lines: several headers). */
function rawHandshakeStatus(httpUrl: string, origins: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${httpUrl}/ws`, {
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        'Sec-WebSocket-Protocol': 'permsocket.v1',
        Origin: origins,
      },
    });
    req.on('upgrade', (_response, socket) => {
      socket.destroy();
      resolve(101);
    });
    req.on('response', (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each(servers)('$name server Origin allowlist', ({ start }) => {
  let server: TestServer;
  let port: string;

  beforeAll(async () => {
    server = await start();
    port = new URL(server.httpUrl).port;
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('upgrades the listed origins, compared as exact strings', async () => {
    expect(await handshakeStatus(server, `http://127.0.0.1:${port}`)).toBe(101);
    expect(await handshakeStatus(server, `http://localhost:${port}`)).toBe(101);
  });

  it.each([
    ['with a path', (p: string) => `http://127.0.0.1:${p}/x`],
    ['with a trailing slash', (p: string) => `http://127.0.0.1:${p}/`],
    ['with user info', (p: string) => `http://user@127.0.0.1:${p}`],
    ['with an upper-case scheme', (p: string) => `HTTP://127.0.0.1:${p}`],
    ['with an upper-case host', (p: string) => `http://LOCALHOST:${p}`],
    ['with a query', (p: string) => `http://localhost:${p}?q`],
    ['with a fragment', (p: string) => `http://localhost:${p}#f`],
    ['with another scheme', (p: string) => `https://127.0.0.1:${p}`],
    ['without the port', () => 'http://127.0.0.1'],
    ['with a leading-zero port', (p: string) => `http://127.0.0.1:0${p}`],
    ['of port 0', () => 'http://127.0.0.1:0'],
    ['"null"', () => 'null'],
    ['that is a bare word', () => 'evil'],
    ['without a host', () => 'http://'],
    ['with a port out of range', () => 'http://127.0.0.1:99999'],
    ['of a file page', () => 'file://'],
  ])('answers HTTP 403 without upgrading for an Origin %s', async (_name, origin) => {
    expect(await handshakeStatus(server, origin(port))).toBe(403);
  });

  it('answers HTTP 403 for an empty Origin and for two Origin headers, even two listed ones', async () => {
    expect(await rawHandshakeStatus(server.httpUrl, [''])).toBe(403);
    expect(await rawHandshakeStatus(server.httpUrl, [server.origin, server.origin])).toBe(403);
    expect(await rawHandshakeStatus(server.httpUrl, [server.origin])).toBe(101);
  });
});

describe.each(servers)('$name server with ALLOWED_ORIGINS set or empty', ({ start }) => {
  it('allows exactly the configured origins, trimmed', async () => {
    const server = await start({ env: { ALLOWED_ORIGINS: ' https://app.example ,, http://Other.Example:81 ' } });
    try {
      expect(await handshakeStatus(server, 'https://app.example')).toBe(101);
      expect(await handshakeStatus(server, 'http://Other.Example:81')).toBe(101);
      expect(await handshakeStatus(server, 'http://other.example:81')).toBe(403);
      expect(await handshakeStatus(server, 'https://app.example:443')).toBe(403);
      expect(await handshakeStatus(server, server.origin)).toBe(403);
      expect(await handshakeStatus(server, null)).toBe(403);
    } finally {
      await server.stop();
    }
  });

  it('uses 127.0.0.1 and localhost on its port when ALLOWED_ORIGINS is empty', async () => {
    const server = await start({ env: { ALLOWED_ORIGINS: '' } });
    try {
      const port = new URL(server.httpUrl).port;
      expect(await handshakeStatus(server, `http://127.0.0.1:${port}`)).toBe(101);
      expect(await handshakeStatus(server, `http://localhost:${port}`)).toBe(101);
      expect(await handshakeStatus(server, `http://127.0.0.1:${Number(port) + 1}`)).toBe(403);
      expect(await handshakeStatus(server, null)).toBe(403);
    } finally {
      await server.stop();
    }
  });
});

describe.each(servers)('$name server with RATE_LIMIT " OFF " and a fractional ACCESS_TOKEN_TTL', ({ start }) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await start({ env: { RATE_LIMIT: ' OFF ', ACCESS_TOKEN_TTL: '58.5' } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('turns the rate limit off: 300 pings in one write are all answered', async () => {
    const alice = await login(server, 'alice');
    const { client } = await RawClient.signedIn(server, alice.accessToken);
    client.sendTogether(Array.from({ length: 300 }, () => ({ type: 'ping' })));
    for (let i = 0; i < 300; i++) await client.next('pong');
    expect(client.received('error')).toEqual([]);
    client.close();
    await client.waitClosed();
  });

  it('rounds the token lifetime half up to whole seconds', async () => {
    const alice = await login(server, 'alice');
    expect(alice.expiresIn).toBe(59);
    const claims = decodeClaims(alice.accessToken);
    expect(Number(claims.exp) - Number(claims.iat)).toBe(59);
  });
});

describe.each(servers)('$name server admin API authorization', ({ start }) => {
  let server: TestServer;
  let admin: Session;

  beforeAll(async () => {
    server = await start();
    admin = await login(server, 'admin');
  });
  afterAll(async () => {
    await server?.stop();
  });

  const status = async (token: string | undefined) => (await adminCall(server, 'GET', '/admin/users', token)).status;
  const withHeader = async (authorization: string) =>
    (await fetch(`${server.httpUrl}/admin/users`, { headers: { Authorization: authorization } })).status;

  it('answers 401 without a token, with a bad one, or with one of an unknown user', async () => {
    expect(await status(undefined)).toBe(401);
    expect(await status('not-a-token')).toBe(401);
    expect(await status(await forgeToken('another secret', { sub: admin.userId, name: 'admin', aud: 'permsocket', expiresIn: 60 }))).toBe(401);
    expect(await status(await forgeToken(server.jwtSecret, { sub: admin.userId, name: 'admin', aud: 'permsocket', expiresIn: -10 }))).toBe(401);
    expect(await status(await forgeToken(server.jwtSecret, { sub: '999999', name: 'ghost', aud: 'permsocket', expiresIn: 60 }))).toBe(401);
    expect(await status(await forgeToken(server.jwtSecret, { sub: '12345678901234567', name: 'ghost', aud: 'permsocket', expiresIn: 60 }))).toBe(401);
    expect(await withHeader(`Basic ${admin.accessToken}`)).toBe(401);
    expect(await withHeader(`Bearer ${admin.accessToken} extra`)).toBe(401);
  });

  it('reads the bearer scheme case-insensitively, after any run of whitespace', async () => {
    expect(await withHeader(`bearer ${admin.accessToken}`)).toBe(200);
    expect(await withHeader(`Bearer \t ${admin.accessToken}`)).toBe(200);
    expect(await withHeader(`Bearer\t${admin.accessToken}`)).toBe(200);
  });

  it('answers 403 for an active user who is not a superuser', async () => {
    const carol = await login(server, 'carol');
    expect(await status(carol.accessToken)).toBe(403);
  });

  it('answers 403 for a superuser deactivated since their token was issued', async () => {
    await adminChange(server, admin.accessToken, 'PUT', grantPath('carol', '*'));
    const carol = await login(server, 'carol');
    expect(await status(carol.accessToken)).toBe(200);
    await adminChange(server, admin.accessToken, 'PUT', '/admin/users/carol/active', { active: false });
    try {
      expect(await status(carol.accessToken)).toBe(403);
      expect((await adminCall(server, 'PUT', grantPath('alice', 'chat.delete_message'), carol.accessToken)).status).toBe(403);
    } finally {
      await adminChange(server, admin.accessToken, 'PUT', '/admin/users/carol/active', { active: true });
      await adminChange(server, admin.accessToken, 'DELETE', grantPath('carol', '*'));
    }
  });
});

/** How to run each server as a bare process, with the environment given and nothing else. */
const commands: Record<string, { command: string; args: string[]; env: Record<string, string> }> = {
  node: { command: process.execPath, args: ['--import', 'tsx', 'demo/server/main.ts'], env: {} },
  django: { command: PYTHON, args: ['demo/django/run.py'], env: { PYTHONUNBUFFERED: '1' } },
};
const PROTOCOL_NAMES = ['HOST', 'PORT', 'JWT_SECRET', 'ACCESS_TOKEN_TTL', 'ALLOWED_ORIGINS', 'DATABASE', 'REDIS_URL', 'RATE_LIMIT', 'AUTH_TIMEOUT'];
const STARTUP_MS = 45_000;

/** A server process: started ("listening on <url>") or exited while starting. */
interface Started {
  url?: string;
  exitCode?: number | null;
  output: () => string;
  stop: () => Promise<void>;
}

/** Spawns one server with `env` over a clean protocol environment; stopped by its PID. */
async function launch(name: string, env: Record<string, string>): Promise<Started> {
  const launchWith = commands[name];
  if (!launchWith) throw new Error(`no command for ${name}`);
  const dir = mkdtempSync(join(tmpdir(), `permsocket-origins-${name}-`));
  const base: Record<string, string | undefined> = { ...process.env };
  for (const variable of PROTOCOL_NAMES) delete base[variable];
  const child = spawn(launchWith.command, launchWith.args, {
    cwd: repoRoot,
    env: { ...base, HOST: '127.0.0.1', DATABASE: join(dir, 'db.sqlite3'), JWT_SECRET: 'origins-config-secret', ...launchWith.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const result = await new Promise<{ url?: string; exitCode?: number | null }>((resolve) => {
    const timer = setTimeout(() => resolve({}), STARTUP_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1] as string });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      resolve({ exitCode: code });
    });
  });
  if (result.exitCode !== undefined) {
    // Let the last of the output arrive.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { ...result, output: () => output, stop };
}

describe.each(servers)('$name server process configuration', ({ name }) => {
  it('with PORT=0 prints the port it bound and allows 127.0.0.1 and localhost on that port', async () => {
    const started = await launch(name, { PORT: '0' });
    try {
      expect(started.url, started.output()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const port = Number(new URL(started.url as string).port);
      expect(port).toBeGreaterThan(0);
      expect((await fetch(`${started.url}/healthz`)).status).toBe(200);
      const target = { wsUrl: `ws://127.0.0.1:${port}/ws`, origin: `http://127.0.0.1:${port}` };
      expect(await handshakeStatus(target, `http://127.0.0.1:${port}`)).toBe(101);
      expect(await handshakeStatus(target, `http://localhost:${port}`)).toBe(101);
      expect(await handshakeStatus(target, 'http://127.0.0.1:0')).toBe(403);
      expect(await handshakeStatus(target, 'http://localhost:0')).toBe(403);
      expect(await handshakeStatus(target, null)).toBe(403);
    } finally {
      await started.stop();
    }
  });

  it.each([
    ['ACCESS_TOKEN_TTL', '0'],
    ['ACCESS_TOKEN_TTL', '-5'],
    ['ACCESS_TOKEN_TTL', 'soon'],
    ['ACCESS_TOKEN_TTL', 'Infinity'],
    ['ACCESS_TOKEN_TTL', '1_000'],
    ['AUTH_TIMEOUT', '0'],
    ['AUTH_TIMEOUT', 'NaN'],
    ['AUTH_TIMEOUT', ' '],
    ['RATE_LIMIT', 'lots'],
    ['RATE_LIMIT', '10'],
    ['RATE_LIMIT', '0,5'],
    ['RATE_LIMIT', '10,5,1'],
    ['RATE_LIMIT', 'of f'],
    ['PORT', '99999'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
  ])('refuses to start with %s=%j, naming the variable', async (variable, value) => {
    const started = await launch(name, { PORT: '0', [variable]: value });
    try {
      expect(started.url, started.output()).toBeUndefined();
      expect(started.exitCode, started.output()).toBe(1);
      expect(started.output()).toContain(variable);
      expect(started.output()).not.toContain('Traceback');
    } finally {
      await started.stop();
    }
  });
});
