/**
 * The Node reference server (demo/server) started for a benchmark: a child process with its own
 * SQLite file and JWT secret, plus token minting for its seeded users. Tokens are signed here with
 * the server's secret instead of through POST /auth/login, because login hashes a password on
 * purpose (slow) and thousands of clients would measure scrypt rather than the socket.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { compiledEntry } from './compiled';
import { freePort, serverProcess, type ServerProcess } from './server-process';

/** A running reference server and what a client needs to reach it. */
export interface ReferenceServer {
  readonly process: ServerProcess;
  readonly wsUrl: string;
  readonly httpUrl: string;
  readonly origin: string;
  readonly database: string;
  /** The seeded users' ids, by username (from a real login at start). */
  readonly userIds: Readonly<Record<string, string>>;
  /** Signs an access token for a seeded user that expires in `ttlSeconds`. */
  token(username: string, ttlSeconds: number): Promise<string>;
  /** Stops the process and removes its files. */
  stop(): Promise<void>;
}

/** Options of {@link startReferenceServer}. */
export interface ReferenceOptions {
  /** Extra environment, e.g. { RATE_LIMIT: 'off' }. */
  env?: Record<string, string>;
  /** A port to use (default: a free one). */
  port?: number;
  raiseFileLimit?: boolean;
}

const USERS = ['alice', 'bob', 'carol', 'dave', 'admin'];

/** Starts the reference server; resolves once it listens and the seeded users' ids are known. */
export async function startReferenceServer(options: ReferenceOptions = {}): Promise<ReferenceServer> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'permsocket-bench-'));
  const database = join(dir, 'db.sqlite3');
  // An interrupted run still removes its files (the server process itself is killed on exit too).
  const removeFiles = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeFiles);
  const secret = randomBytes(32).toString('base64url');
  const origin = `http://127.0.0.1:${port}`;
  const httpUrl = origin;
  const child = serverProcess({
    // Compiled as an app ships it, not through tsx (bench/compiled.ts says why).
    args: [await compiledEntry('demo/server/main.ts')],
    port,
    env: { DATABASE: database, JWT_SECRET: secret, ALLOWED_ORIGINS: origin, ...options.env },
    raiseFileLimit: options.raiseFileLimit ?? false,
  });
  await child.start();
  const key = new TextEncoder().encode(secret);
  const userIds: Record<string, string> = {};
  // One real login per seeded user: the ids come from the server, not from guessing the seed order.
  for (const username of USERS) {
    const response = await fetch(`${httpUrl}/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password: `${username}-pass` }),
    });
    if (response.status !== 200) throw new Error(`login ${username}: HTTP ${response.status}`);
    const { accessToken } = (await response.json()) as { accessToken: string };
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub: string };
    userIds[username] = claims.sub;
  }
  return {
    process: child,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    httpUrl,
    origin,
    database,
    userIds,
    token(username, ttlSeconds) {
      const sub = userIds[username];
      if (sub === undefined) throw new Error(`no seeded user "${username}"`);
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ name: username })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(sub)
        .setAudience('permsocket')
        .setIssuedAt(now)
        .setExpirationTime(now + ttlSeconds)
        .sign(key);
    },
    async stop() {
      await child.kill('SIGKILL');
      process.off('exit', removeFiles);
      removeFiles();
    },
  };
}
