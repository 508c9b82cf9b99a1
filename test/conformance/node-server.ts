/**
 * The Node reference server as a {@link ServerFactory}: a child process (`node --import tsx
 * demo/server/main.ts`) on a free 127.0.0.1 port with its own temporary SQLite file and secret.
 */
import type { ServerFactory } from './server';
import { startServerProcess } from './server-process';

/** Starts the Node reference server; resolves once it prints its URL and /healthz answers 200. */
export const startNodeServer: ServerFactory = (options = {}) =>
  startServerProcess(
    { name: 'node', command: process.execPath, args: ['--import', 'tsx', 'demo/server/main.ts'], startupMs: 20_000 },
    options,
  );
