/** Starts the Node server inside the test process on port 0, with a temporary database. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type ServerConfig } from '../../demo/server/config';
import type { Logger } from '../../demo/server/log';
import { startServer, type RunningServer } from '../../demo/server/server';
import type { TestServer } from '../conformance/server';

/** An in-process server with the parts of {@link TestServer} the helpers use. */
export interface InProcessServer extends Pick<TestServer, 'httpUrl' | 'wsUrl' | 'origin' | 'jwtSecret' | 'database' | 'logs'> {
  running: RunningServer;
  config: ServerConfig;
  /** Stops the server (if still running) and removes its files. */
  dispose(): Promise<void>;
}

/** Options of {@link startInProcess}. */
export interface InProcessOptions {
  env?: Record<string, string>;
  /** Replaces parts of the configuration read from `env`. */
  overrides?: Partial<ServerConfig>;
  /** Sees every log line as it is written. */
  onLog?: Logger;
}

/** Starts one on a free port with its own database and secret. */
export async function startInProcess({ env = {}, overrides = {}, onLog }: InProcessOptions = {}): Promise<InProcessServer> {
  const dir = mkdtempSync(join(tmpdir(), 'permsocket-inproc-'));
  const jwtSecret = randomBytes(32).toString('base64url');
  const config = { ...loadConfig({ PORT: '0', DATABASE: join(dir, 'db.sqlite3'), JWT_SECRET: jwtSecret, ...env }, () => {}), ...overrides };
  let output = '';
  const log: Logger = (event, fields) => {
    output += `${event} ${JSON.stringify(fields ?? {})}\n`;
    onLog?.(event, fields);
  };
  const running = await startServer(config, log);
  return {
    running,
    config,
    httpUrl: running.url,
    wsUrl: `ws://127.0.0.1:${running.port}/ws`,
    origin: `http://127.0.0.1:${running.port}`,
    jwtSecret,
    database: config.database,
    logs: () => output,
    async dispose() {
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
