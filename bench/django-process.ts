/**
 * The Django reference server (`/usr/bin/python3 demo/django/run.py`, daphne) as a child process
 * for the Django fault drill: a fixed 127.0.0.1 port, its own SQLite file and JWT secret, killed by
 * its PID (SIGKILL or SIGTERM) and started again on the same port and data. Starting, killing and
 * reading its memory are bench/server-process.ts's; this file owns its files and environment.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverProcess, type ServerProcess } from './server-process';

/** The first start migrates and seeds (five password hashes): slower than the Node server. */
const STARTUP_MS = 90_000;

/** A Django server that can be killed and started again. */
export interface DjangoServer extends ServerProcess {
  readonly wsUrl: string;
  readonly httpUrl: string;
  readonly origin: string;
  /** Its SQLite file. */
  readonly database: string;
  /** Kills it and removes its files. */
  stop(): Promise<void>;
}

/** Creates (does not start) the Django server on `port`, with `env` added to its environment. */
export function djangoServer(port: number, env: Record<string, string> = {}): DjangoServer {
  const dir = mkdtempSync(join(tmpdir(), 'permsocket-django-drill-'));
  const removeFiles = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeFiles);
  const database = join(dir, 'db.sqlite3');
  const origin = `http://127.0.0.1:${port}`;
  const child = serverProcess({
    command: '/usr/bin/python3',
    args: ['demo/django/run.py'],
    port,
    startupMs: STARTUP_MS,
    name: 'Django server',
    env: {
      DATABASE: database,
      JWT_SECRET: randomBytes(32).toString('base64url'),
      ALLOWED_ORIGINS: origin,
      // Python buffers a piped stdout: the "listening on" line must arrive at once.
      PYTHONUNBUFFERED: '1',
      ...env,
    },
  });
  return {
    port,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    httpUrl: origin,
    origin,
    database,
    get pid() {
      return child.pid;
    },
    start: () => child.start(),
    kill: (signal) => child.kill(signal),
    rss: () => child.rss(),
    output: () => child.output(),
    async stop() {
      await child.kill('SIGKILL');
      process.off('exit', removeFiles);
      removeFiles();
    },
  };
}
