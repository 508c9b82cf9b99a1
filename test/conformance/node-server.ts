/**
 * The Node reference server as a {@link ServerFactory}: a child process (`node --import tsx
 * demo/server/main.ts`) on a free 127.0.0.1 port with its own temporary SQLite file and secret.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './helpers';
import type { ServerFactory, TestServer } from './server';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const STARTUP_MS = 20_000;
const STOP_MS = 5_000;

interface Running {
  child: ChildProcess;
  exited: Promise<void>;
}

/** Starts the Node reference server; resolves once it prints its URL and /healthz answers 200. */
export const startNodeServer: ServerFactory = async (options = {}) => {
  const port = await freePort();
  const tempDir = mkdtempSync(join(tmpdir(), 'permsocket-node-'));
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
    ...options.env,
  };
  let output = '';
  let running: Running | undefined;

  const launch = async (): Promise<void> => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'demo/server/main.ts'], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    running = { child, exited };
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`node server did not start within ${STARTUP_MS} ms:\n${output}`)), STARTUP_MS);
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
        reject(new Error(`node server exited with ${code} while starting:\n${output}`));
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

  await launch();
  const server: TestServer = {
    name: 'node',
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
