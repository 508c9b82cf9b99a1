/**
 * Runs one reference server as a child process for tests: a free 127.0.0.1 port, its own temporary
 * SQLite file and secret, started when it prints its URL and /healthz answers 200, stopped by PID
 * (SIGTERM, then SIGKILL), restartable on the same port and data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './helpers';
import type { StartOptions, TestServer } from './server';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const STOP_MS = 5_000;

/** How to launch one kind of server. */
export interface ServerCommand {
  name: string;
  command: string;
  args: string[];
  /** Environment this kind of server needs besides the protocol's variables. */
  env?: Record<string, string>;
  /** How long the first start may take (migrations, seeding). */
  startupMs: number;
}

/** Starts `launch` as a {@link TestServer}; resolves once it is healthy. */
export async function startServerProcess(launchWith: ServerCommand, options: StartOptions = {}): Promise<TestServer> {
  const port = await freePort();
  const tempDir = mkdtempSync(join(tmpdir(), `permsocket-${launchWith.name}-`));
  const database = options.database ?? join(tempDir, 'db.sqlite3');
  const jwtSecret = options.jwtSecret ?? randomBytes(32).toString('base64url');
  const httpUrl = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE: database,
    JWT_SECRET: jwtSecret,
    ALLOWED_ORIGINS: `${httpUrl},http://localhost:${port}`,
    ...launchWith.env,
    ...options.env,
  };
  let output = '';
  let running: { child: ChildProcess; exited: Promise<void> } | undefined;

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

  const launch = async (): Promise<void> => {
    const child = spawn(launchWith.command, launchWith.args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    running = { child, exited };
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${launchWith.name} server did not start within ${launchWith.startupMs} ms:\n${output}`));
      }, launchWith.startupMs);
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
        reject(new Error(`${launchWith.name} server exited with ${code} while starting:\n${output}`));
      });
    });
    const health = await fetch(`${httpUrl}/healthz`);
    if (health.status !== 200) throw new Error(`/healthz answered ${health.status}`);
  };

  try {
    await launch();
  } catch (error) {
    await halt();
    rmSync(tempDir, { recursive: true, force: true });
    throw error;
  }
  return {
    name: launchWith.name,
    httpUrl,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    origin: httpUrl,
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
}
