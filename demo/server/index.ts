/**
 * The Node reference server's in-process API, for tests and benchmarks:
 * `await startServer(loadConfig({ PORT: '0', RATE_LIMIT: 'off' }, warn), () => {})`.
 * The second argument of startServer is the logger; pass a no-op to keep a benchmark quiet.
 */
export { startServer, type RunningServer } from './server';
export { loadConfig, parseRateLimit, defaultOrigins, ConfigError, type ServerConfig, type RateLimit } from './config';
export { createLogger, type Logger, type LogFields } from './log';
