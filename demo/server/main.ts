/**
 * The process entry (`npm run server`): reads the environment, starts the server, prints its URL
 * and stops gracefully on SIGTERM / SIGINT.
 */
import { ConfigError, loadConfig } from './config';
import { createLogger } from './log';
import { startServer } from './server';

const log = createLogger();

// The server must never fall over on a stray error; it is logged (without any token) instead.
process.on('uncaughtException', (error) => log('process.uncaught_exception', { message: error.message }));
process.on('unhandledRejection', (reason) => log('process.unhandled_rejection', { message: reason instanceof Error ? reason.message : String(reason) }));

try {
  const config = loadConfig(process.env, (message) => log('warning', { message }));
  const server = await startServer(config, log);
  process.stdout.write(`listening on ${server.url}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('server.stopping', { signal });
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log('server.stop_failed', { message: error instanceof Error ? error.message : String(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (error) {
  const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`permsocket server failed to start: ${message}\n`);
  process.exit(1);
}
