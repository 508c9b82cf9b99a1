/**
 * The Django reference server (`/usr/bin/python3 demo/django/run.py`, daphne) as a child process
 * for the Django fault drill: a fixed 127.0.0.1 port, its own SQLite file and JWT secret, killed by
 * its PID (SIGKILL or SIGTERM) and started again on the same port and data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './machine';
import { rssOf } from './server-process';

/** The first start migrates and seeds (five password hashes): slower than the Node server. */
const STARTUP_MS = 90_000;
const STOP_MS = 10_000;
const KEEP_OUTPUT = 16_000;

/** A Django server that can be killed and started again. */
export interface DjangoServer {
  readonly port: number;
  readonly wsUrl: string;
  readonly httpUrl: string;
  readonly origin: string;
  /** Its SQLite file. */
  readonly database: string;
  readonly pid: number | undefined;
  start(): Promise<void>;
  kill(signal: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** Resident memory of the running process, bytes. */
  rss(): number;
  output(): string;
  /** Kills it and removes its files. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Creates (does not start) the Django server on `port`, with `env` added to its environment. */
export function djangoServer(port: number, env: Record<string, string> = {}): DjangoServer {
  const dir = mkdtempSync(join(tmpdir(), 'permsocket-django-drill-'));
  const removeFiles = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeFiles);
  const database = join(dir, 'db.sqlite3');
  const origin = `http://127.0.0.1:${port}`;
  const fullEnv = {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE: database,
    JWT_SECRET: randomBytes(32).toString('base64url'),
    ALLOWED_ORIGINS: origin,
    // Python buffers a piped stdout: the "listening on" line must arrive at once.
    PYTHONUNBUFFERED: '1',
    ...env,
  };
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = '';
  const alive = () => (child && child.exitCode === null && child.signalCode === null ? child : undefined);

  const server: DjangoServer = {
    port,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    httpUrl: origin,
    origin,
    database,
    get pid() {
      return alive()?.pid;
    },
    async start() {
      if (alive()) throw new Error('the Django server is already running');
      const started = spawn('/usr/bin/python3', ['demo/django/run.py'], { cwd: repoRoot, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      child = started;
      running.add(started);
      exited = new Promise((resolve) =>
        started.once('exit', () => {
          running.delete(started);
          resolve();
        }),
      );
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the Django server did not start within ${STARTUP_MS} ms:\n${output}`)), STARTUP_MS);
        const onData = (chunk: Buffer) => {
          output = (output + chunk.toString()).slice(-KEEP_OUTPUT);
          if (output.includes(`listening on ${origin}`)) {
            clearTimeout(timer);
            resolve();
          }
        };
        started.stdout?.on('data', onData);
        started.stderr?.on('data', onData);
        started.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`the Django server exited (${code ?? signal}) while starting:\n${output}`));
        });
      });
      // Later lines are kept for error messages only; the marker of the next start must be new.
      output = '';
    },
    async kill(signal) {
      const target = alive();
      if (!target) return;
      target.kill(signal);
      const timer = setTimeout(() => target.kill('SIGKILL'), STOP_MS);
      await exited;
      clearTimeout(timer);
    },
    rss() {
      const pid = alive()?.pid;
      if (pid === undefined) throw new Error('the Django server is not running');
      return rssOf(pid);
    },
    output: () => output,
    async stop() {
      await server.kill('SIGKILL');
      process.off('exit', removeFiles);
      removeFiles();
    },
  };
  return server;
}
