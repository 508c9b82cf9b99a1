/** A private redis-server for one test file: a free 127.0.0.1 port, no persistence, stopped by PID. */
import { spawn, spawnSync } from 'node:child_process';
import { freePort } from '../conformance/helpers';

/** A running redis-server. */
export interface TestRedis {
  url: string;
  stop(): Promise<void>;
}

/**
 * Why redis-server cannot run here, or null when it can. Under CI it must be there (.ci/run
 * installs it), so a missing one throws; locally the caller skips with this message.
 */
export function redisUnavailable(): string | null {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  if (!probe.error && probe.status === 0) return null;
  const message = 'redis-server is not installed; install it with:\n  apt-get install -y redis-server';
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`\nSkipping the Redis tests: ${message}\n`);
  return message;
}

/**
 * How many SET commands the Redis behind `client` (an ioredis client) has served so far: a
 * redisKeys repeat waiting for another run sends one per look, so a rising count shows it polls.
 */
export async function setCalls(client: { info(section: string): Promise<string> }): Promise<number> {
  return Number(/cmdstat_set:calls=(\d+)/.exec(await client.info('commandstats'))?.[1] ?? 0);
}

/** Starts redis-server and resolves once it accepts connections. */
export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${output}`));
    });
  });
  return {
    url: `redis://127.0.0.1:${port}/0`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
