/**
 * The fault drills' restarts, shared by the Node drill (bench/soak-drill.ts) and the Django drill
 * (bench/django-drill.ts): the server is killed (SIGKILL, or SIGTERM for a graceful stop) at seeded
 * moments and started again, every client must be ready again within a bound and a bounded number
 * of attempts, and none may attempt a connection once the server stays up.
 */
import { performance } from 'node:perf_hooks';
import type { DrillPace, DrillSize } from './drill-pace';
import type { DrillClient, Traffic } from './drill-traffic';
import { sleep, waitFor } from './sdk-clients';
import type { ServerProcess } from './server-process';
import { between, seededRandom } from './stats';

/** After the last restart the server stays up this long; no client may attempt a connection. */
const QUIET_MS = 2_000;

/** The size and pace of the restarts. */
export interface RestartOptions extends Pick<DrillPace, 'trafficMs' | 'readyWaitMs' | 'maxAttemptsPerRestart'>, Pick<DrillSize, 'kills' | 'terms' | 'seed' | 'log'> {
  violate: (message: string) => void;
}

/** One restart as it happened. */
export interface RestartRecord {
  signal: 'SIGKILL' | 'SIGTERM';
  /** Kill to the new process listening, ms. */
  downMs: number;
  /** Kill to the last client ready again, ms (Infinity when some never were). */
  readyMs: number;
  /** Requests in flight or queued at the kill. */
  pendingAtKill: number;
  /** The most attempts one client made to get back. */
  maxAttempts: number;
}

/** Each client's connection attempts and when it was last ready; the clients' hooks feed it. */
export class Reconnects {
  readonly attempts: number[] = [];
  readonly readyAt: number[] = [];

  /** Client `i` exists: no attempts yet, never ready. */
  add(i: number): void {
    this.attempts[i] = 0;
    this.readyAt[i] = 0;
  }

  attempted(i: number): void {
    this.attempts[i] = (this.attempts[i] ?? 0) + 1;
  }

  ready(i: number): void {
    this.readyAt[i] = performance.now();
  }

  total(): number {
    return this.attempts.reduce((a, b) => a + b, 0);
  }
}

/** Kills and restarts `server` kills + terms times under the traffic; the server's RSS before the first kill. */
export async function runRestarts(
  server: Pick<ServerProcess, 'kill' | 'start' | 'rss'>,
  clients: readonly DrillClient[],
  reconnects: Reconnects,
  traffic: Traffic,
  options: RestartOptions,
): Promise<{ restarts: RestartRecord[]; serverRssBefore: number }> {
  const { attempts, readyAt } = reconnects;
  const { violate } = options;
  const random = seededRandom(options.seed);
  const restarts: RestartRecord[] = [];
  let serverRssBefore = 0;
  const signals: ('SIGKILL' | 'SIGTERM')[] = [...Array(options.kills).fill('SIGKILL'), ...Array(options.terms).fill('SIGTERM')];
  // A seeded shuffle: where the graceful stop falls among the kills is part of the seed.
  for (let i = signals.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [signals[i], signals[j]] = [signals[j] as 'SIGKILL', signals[i] as 'SIGKILL'];
  }
  for (const [r, signal] of signals.entries()) {
    await sleep(between(options.trafficMs, random));
    if (r === 0) serverRssBefore = server.rss();
    const before = [...attempts];
    const pendingAtKill = traffic.pending();
    const killedAt = performance.now();
    traffic.killed(killedAt);
    await server.kill(signal);
    await server.start();
    const upAt = performance.now();
    const back = () => readyAt.every((at, i) => at > killedAt && clients[i]?.state === 'ready');
    await waitFor(back, options.readyWaitMs, 'every client to be ready again').catch(() => {
      const stuck = clients.map((client, i) => ({ i, state: client.state })).filter(({ i }) => !((readyAt[i] as number) > killedAt));
      violate(`restart ${r + 1} (${signal}): ${stuck.length} clients not ready within ${options.readyWaitMs} ms (e.g. ${JSON.stringify(stuck.slice(0, 5))})`);
    });
    const maxAttempts = Math.max(...attempts.map((n, i) => n - (before[i] as number)));
    if (maxAttempts > options.maxAttemptsPerRestart) {
      violate(`restart ${r + 1}: a client made ${maxAttempts} connection attempts (bound ${options.maxAttemptsPerRestart})`);
    }
    const record: RestartRecord = { signal, downMs: upAt - killedAt, readyMs: back() ? Math.max(...readyAt) - killedAt : Number.POSITIVE_INFINITY, pendingAtKill, maxAttempts };
    restarts.push(record);
    options.log(`restart ${r + 1}/${signals.length} ${signal}: down ${Math.round(record.downMs)} ms, all ready after ${Math.round(record.readyMs)} ms, ${pendingAtKill} requests pending at the kill, max ${maxAttempts} attempts`);
  }
  return { restarts, serverRssBefore };
}

/** Waits QUIET_MS with the server up: any connection attempt then is a reconnect loop. */
export async function checkQuiet(reconnects: Reconnects, violate: (message: string) => void): Promise<void> {
  const before = reconnects.total();
  await sleep(QUIET_MS);
  const extra = reconnects.total() - before;
  if (extra > 0) violate(`${extra} connection attempts while the server stayed up after the drill (a reconnect loop)`);
}
