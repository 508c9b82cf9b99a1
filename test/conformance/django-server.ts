/**
 * The Django Channels reference server as a {@link ServerFactory}: a child process
 * (`/usr/bin/python3 demo/django/run.py`) on a free 127.0.0.1 port with its own temporary SQLite
 * file and secret. It needs Debian's Django packages; {@link djangoServers} says what to install
 * when they are missing (and fails under CI, where they must be there).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './helpers';
import type { ServerFactory, TestServer } from './server';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
/** Debian's interpreter: a pyenv or venv `python3` on PATH cannot see Debian's packages. */
export const PYTHON = '/usr/bin/python3';
/** The one command that provides everything the Django server and its tests need. */
export const INSTALL_HINT =
  'apt-get install -y python3-django python3-django-channels python3-daphne python3-channels-redis python3-jwt redis-server';
// First start migrates and seeds (hashing five passwords), so allow more than the Node server.
const STARTUP_MS = 45_000;
const STOP_MS = 5_000;

let availability: string | null | undefined;

/**
 * Why the Django server cannot run here (a missing interpreter or package), or null when it can.
 * Checked once per test process.
 */
export function djangoUnavailable(): string | null {
  if (availability !== undefined) return availability;
  try {
    execFileSync(PYTHON, ['-c', 'import django, channels, daphne, channels_redis, jwt'], { stdio: 'pipe', timeout: 20_000 });
    availability = null;
  } catch (error) {
    const detail = (error as { stderr?: Buffer }).stderr?.toString().trim().split('\n').pop() ?? String(error);
    availability = `the Django reference server needs Debian's packages (${detail}); install them with:\n  ${INSTALL_HINT}`;
  }
  return availability;
}

interface Running {
  child: ChildProcess;
  exited: Promise<void>;
}

/** Starts the Django reference server; resolves once it prints its URL and /healthz answers 200. */
export const startDjangoServer: ServerFactory = async (options = {}) => {
  const missing = djangoUnavailable();
  if (missing) throw new Error(missing);
  const port = await freePort();
  const tempDir = mkdtempSync(join(tmpdir(), 'permsocket-django-'));
  const database = options.database ?? join(tempDir, 'db.sqlite3');
  const jwtSecret = options.jwtSecret ?? randomBytes(32).toString('base64url');
  const origin = `http://127.0.0.1:${port}`;
  const httpUrl = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE: database,
    JWT_SECRET: jwtSecret,
    ALLOWED_ORIGINS: `${origin},http://localhost:${port}`,
    // Python buffers stdout when it is a pipe; the "listening on" line must arrive at once.
    PYTHONUNBUFFERED: '1',
    ...options.env,
  };
  let output = '';
  let running: Running | undefined;

  const launch = async (): Promise<void> => {
    const child = spawn(PYTHON, ['demo/django/run.py'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    running = { child, exited };
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`django server did not start within ${STARTUP_MS} ms:\n${output}`));
      }, STARTUP_MS);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes(`listening on ${httpUrl}`)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`django server exited with ${code} while starting:\n${output}`));
      });
    });
    const health = await fetch(`${httpUrl}/healthz`);
    if (health.status !== 200) throw new Error(`/healthz answered ${health.status}`);
  };

  const halt = async (): Promise<void> => {
    if (!running) return;
    const { child, exited } = running;
    running = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_MS);
    await exited;
    clearTimeout(timer);
  };

  try {
    await launch();
  } catch (error) {
    await halt();
    rmSync(tempDir, { recursive: true, force: true });
    throw error;
  }
  const server: TestServer = {
    name: 'django',
    httpUrl,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    origin,
    jwtSecret,
    database,
    logs: () => output,
    async restart() {
      await halt();
      await launch();
    },
    async stop() {
      await halt();
      rmSync(tempDir, { recursive: true, force: true });
    },
  };
  return server;
};

let warned = false;

/**
 * The Django entry for the conformance suite's server list. Under CI=true it is always there, so
 * missing packages fail its cases with the install command; locally it is left out with the same
 * message printed once, and the Node cases still run.
 */
export function djangoServers(): { name: string; start: ServerFactory }[] {
  const missing = djangoUnavailable();
  if (missing && process.env.CI !== 'true') {
    if (!warned) console.warn(`\nSkipping the Django conformance cases: ${missing}\n`);
    warned = true;
    return [];
  }
  return [{ name: 'django', start: startDjangoServer }];
}
