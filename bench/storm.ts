/**
 * Section 4: a reconnect storm. Many SDK clients sit on one reference server; the server restarts
 * (SIGKILL, as in a crash or a forced deploy: every socket drops at the same instant; then a new
 * process on the same port and data). Measured: the time until every client is ready again, and
 * the busiest 100 ms of connection attempts: each attempt timestamped as it starts (the SDK calls
 * getToken once its backoff is over) and as the client constructs its WebSocket. The same run with
 * `retry.jitter` off is the baseline: without jitter every client retries at the same instant.
 *
 * The clients run in several child processes (this file, forked with `--storm-worker`), so one
 * process firing timers late after a stall does not clump the jittered attempts. Timestamps are on
 * the epoch clock (`performance.timeOrigin + performance.now()`), which every process shares.
 *
 * A thousand browsers each learn of the drop at the same instant, on a CPU of their own; here the
 * thousand clients share two cores, and handling a close takes each a fraction of a millisecond,
 * so the last one acts on the kill 150 ms or more after the first. That delay is the harness's,
 * not the SDK's, and it spread the no-jitter burst over as long. So every client's timeline is
 * moved back by its own delivery delay (when its first backoff wait after the kill began, minus
 * the kill instant; in a browser that is the same instant, give or take a task): the figures are
 * those of clients that all learned of the drop at the kill, as real ones do. Everything after
 * that (the backoff, timers firing late on a busy worker, getToken) stays in. The unshifted peak
 * is printed beside it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { ChatContract } from '../demo/contract';
import type { Client } from '../src/index';
import { startReferenceServer } from './reference-server';
import { num, times, type Row } from './report';
import { chatClient, sleep, waitFor, type Target } from './sdk-clients';
import { peakInWindow } from './stats';

/** What one storm measured. */
export interface StormFigures {
  jitter: boolean;
  clients: number;
  /** How many child processes ran the clients. */
  processes: number;
  /** From the kill until the last client was ready again, ms. */
  readyMs: number;
  /** From the new process listening until the last client was ready, ms. */
  readyAfterUpMs: number;
  /** How long the server was away (kill to listening again), ms. */
  downMs: number;
  /**
   * Attempts started (getToken called after the backoff) in the busiest 100 ms window after the
   * kill, each client's timeline moved back by its close's delivery delay (see the file's comment).
   */
  peak: number;
  /** The same, unshifted: as the attempts started on this machine. */
  unshiftedPeak: number;
  /** Sockets constructed in the busiest 100 ms after the kill (shifted like `peak`). */
  constructedPeak: number;
  /**
   * Attempts the SDK scheduled in the busiest 100 ms: each backoff wait as the `debug` option
   * reports it (`{ kind: 'wait', delay }`), stamped at its end. This is the client's own schedule,
   * free of how late a busy worker runs its timers and builds its sockets (shifted like `peak`).
   */
  scheduledPeak: number;
  /** Attempts after the kill, in total. */
  attempts: number;
  /** From the kill until the last client saw its socket close, ms. */
  closeSpreadMs: number;
  /** From the kill until the last client began its backoff wait, ms: the largest delivery delay. */
  actSpreadMs: number;
  /** Clients not ready again when the wait gave up (0 is the goal). */
  notReady: number;
}

const SECTION = '4. Reconnect storm (server restarted under connected clients)';
const BATCH = 100;
const READY_WAIT_MS = 60_000;
/** Child processes the clients are spread over: enough to deliver closes and open sockets in parallel. */
export const STORM_PROCESSES = 8;

const now = () => performance.timeOrigin + performance.now();

/** Parent -> worker messages. */
type Command =
  | { type: 'start'; target: Target; token: string; clients: number; jitter: boolean }
  | { type: 'watch'; since: number }
  | { type: 'report' }
  | { type: 'stop' };
/** One client's timeline after `watch` (epoch ms). */
interface Timeline {
  attempts: number[];
  constructed: number[];
  scheduled: number[];
  readyAt?: number;
  /** Its first close after `watch`. */
  closedAt?: number;
  /** When its first backoff wait after `watch` began: when the SDK acted on the kill. */
  actedAt?: number;
}
/** Worker -> parent messages. */
type Report = { type: 'ready' } | { type: 'figures'; timelines: Timeline[] };

/** Runs one storm with `clients` clients over {@link STORM_PROCESSES} processes, jitter on or off. */
export async function storm(clients: number, jitter: boolean, processes = STORM_PROCESSES): Promise<StormFigures> {
  const server = await startReferenceServer({ env: { RATE_LIMIT: 'off' }, raiseFileLimit: true });
  const token = await server.token('alice', 3600);
  const workers: Worker[] = [];
  try {
    const share = Math.ceil(clients / processes);
    for (let i = 0; i < processes; i++) workers.push(startWorker());
    // Connecting one process at a time keeps the set-up itself from being a storm.
    for (const [i, worker] of workers.entries()) {
      const count = Math.max(0, Math.min(share, clients - i * share));
      worker.send({ type: 'start', target: { wsUrl: server.wsUrl, origin: server.origin }, token, clients: count, jitter });
      await worker.next('ready');
    }
    await sleep(500);
    const restartedAt = now();
    for (const worker of workers) worker.send({ type: 'watch', since: restartedAt });
    await sleep(50);
    const killedAt = now();
    await server.process.kill('SIGKILL');
    await server.process.start();
    const upAt = now();
    const collect = async () => {
      const reports = await Promise.all(workers.map(async (worker) => (worker.send({ type: 'report' }), worker.next('figures'))));
      return reports.flatMap((report) => report.timelines);
    };
    let timelines = await collect();
    const readyCount = () => timelines.filter((timeline) => timeline.readyAt !== undefined).length;
    const deadline = performance.now() + READY_WAIT_MS;
    while (readyCount() < clients && performance.now() < deadline) {
      await sleep(250);
      timelines = await collect();
    }
    const ready = readyCount() === clients;
    const last = Math.max(...timelines.map((timeline) => timeline.readyAt ?? Number.NEGATIVE_INFINITY));
    // Each client's delivery delay: how long after the kill this machine got round to it.
    const delay = (timeline: Timeline) => Math.max(0, (timeline.actedAt ?? killedAt) - killedAt);
    const shifted = (pick: (timeline: Timeline) => number[]) => timelines.flatMap((timeline) => pick(timeline).map((at) => at - delay(timeline)));
    return {
      jitter,
      clients,
      processes,
      readyMs: ready ? last - killedAt : Number.POSITIVE_INFINITY,
      readyAfterUpMs: ready ? last - upAt : Number.POSITIVE_INFINITY,
      downMs: upAt - killedAt,
      peak: peakInWindow(shifted((timeline) => timeline.attempts), 100),
      unshiftedPeak: peakInWindow(timelines.flatMap((timeline) => timeline.attempts), 100),
      constructedPeak: peakInWindow(shifted((timeline) => timeline.constructed), 100),
      scheduledPeak: peakInWindow(shifted((timeline) => timeline.scheduled), 100),
      attempts: timelines.reduce((sum, timeline) => sum + timeline.attempts.length, 0),
      closeSpreadMs: Math.max(0, ...timelines.map((timeline) => (timeline.closedAt ?? killedAt) - killedAt)),
      actSpreadMs: Math.max(0, ...timelines.map(delay)),
      notReady: clients - readyCount(),
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    await server.stop();
  }
}

interface Worker {
  send(command: Command): void;
  next<T extends Report['type']>(type: T): Promise<Extract<Report, { type: T }>>;
  stop(): Promise<void>;
}

/** Forks this file as a worker (under the same loader flags, so tsx compiles it too). */
function startWorker(): Worker {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--storm-worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting: { type: string; resolve(report: Report): void; reject(error: Error): void }[] = [];
  child.on('message', (report: Report) => {
    const at = waiting.findIndex((entry) => entry.type === report.type);
    if (at >= 0) waiting.splice(at, 1)[0]!.resolve(report);
  });
  child.on('exit', (code) => {
    for (const entry of waiting.splice(0)) entry.reject(new Error(`a storm worker exited (${code}) before it sent "${entry.type}"`));
  });
  return {
    send: (command) => void child.send(command),
    next: <T extends Report['type']>(type: T) =>
      new Promise<Extract<Report, { type: T }>>((resolve, reject) =>
        waiting.push({ type, resolve: (report) => resolve(report as Extract<Report, { type: T }>), reject }),
      ),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'stop' } satisfies Command);
      await Promise.race([exited, sleep(10_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** The worker side: runs its share of the clients and records their timeline after `watch`. */
function runWorker() {
  const list: Client<ChatContract>[] = [];
  const timelines: Timeline[] = [];
  let since = Number.POSITIVE_INFINITY;
  const watching = () => now() >= since;
  const reply = (report: Report) => void process.send?.(report);

  process.on('message', async (command: Command) => {
    if (command.type === 'start') {
      for (let i = 0; i < command.clients; i += BATCH) {
        for (let j = i; j < Math.min(command.clients, i + BATCH); j++) {
          const timeline: Timeline = { attempts: [], constructed: [], scheduled: [] };
          const client = chatClient(
            command.target,
            // Asynchronous, like the fetch a real getToken makes: each attempt's stamp is taken
            // before the worker builds any socket, so building the sockets of the clients whose
            // timers fired first does not delay the next clients' stamps.
            () => {
              if (watching()) timeline.attempts.push(now());
              return new Promise<string>((resolve) => setImmediate(resolve, command.token));
            },
            {
              retry: { jitter: command.jitter },
              onAttempt: () => watching() && timeline.constructed.push(now()),
              debug: (entry) => {
                if (entry.kind !== 'wait' || !watching()) return;
                timeline.actedAt ??= now();
                timeline.scheduled.push(now() + entry.delay);
              },
            },
          );
          client.on('ready', () => watching() && (timeline.readyAt ??= now()));
          client.on('close', () => watching() && (timeline.closedAt ??= now()));
          list.push(client);
          timelines.push(timeline);
        }
        await waitFor(() => list.every((client) => client.state === 'ready'), READY_WAIT_MS, `${list.length} clients to be ready`);
      }
      reply({ type: 'ready' });
    } else if (command.type === 'watch') {
      since = command.since;
    } else if (command.type === 'report') {
      reply({ type: 'figures', timelines });
    } else {
      for (const client of list) client.close();
      process.disconnect?.();
      setTimeout(() => process.exit(0), 100).unref();
    }
  });
}

if (process.argv.includes('--storm-worker')) runWorker();

/** Runs the storm with and without jitter and returns the section's rows. */
export async function stormSection(clients: number): Promise<{ rows: Row[]; figures: StormFigures[] }> {
  const withJitter = await storm(clients, true);
  const without = await storm(clients, false);
  const ms = (value: number) => (Number.isFinite(value) ? `${num(value)} ms` : 'not all ready');
  const rows: Row[] = [
    {
      section: SECTION,
      figure: `${num(clients)} clients in ${withJitter.processes} processes: all ready again (from the kill)`,
      value: `${ms(withJitter.readyMs)} (server away ${ms(withJitter.downMs)})`,
      baseline: `no jitter: ${ms(without.readyMs)} (away ${ms(without.downMs)})`,
      comparison: `${times(withJitter.readyMs / without.readyMs)} no jitter`,
      target: '<= 10,000 ms',
      pass: withJitter.readyMs <= 10_000,
      data: { withJitter, without },
    },
    {
      section: SECTION,
      figure: 'peak attempts started per 100 ms (every client told of the kill at once)',
      value: `${num(withJitter.peak)} (of ${num(withJitter.attempts)} attempts)`,
      baseline: `no jitter: ${num(without.peak)} (of ${num(without.attempts)})`,
      comparison: `${times(withJitter.peak / without.peak)} no jitter`,
      target: '<= 0.25x no jitter',
      pass: withJitter.peak <= 0.25 * without.peak,
    },
    {
      section: SECTION,
      figure: 'the same, unshifted (closes as this machine delivered them)',
      value: `${num(withJitter.unshiftedPeak)} (closes delivered over ${ms(withJitter.closeSpreadMs)}, acted on over ${ms(withJitter.actSpreadMs)})`,
      baseline: `no jitter: ${num(without.unshiftedPeak)} (over ${ms(without.closeSpreadMs)}, ${ms(without.actSpreadMs)})`,
      comparison: `${times(withJitter.unshiftedPeak / without.unshiftedPeak)} no jitter`,
    },
    {
      section: SECTION,
      figure: 'peak attempts scheduled per 100 ms (the backoff, from `debug`)',
      value: `${num(withJitter.scheduledPeak)}`,
      baseline: `no jitter: ${num(without.scheduledPeak)}`,
      comparison: `${times(withJitter.scheduledPeak / without.scheduledPeak)} no jitter`,
    },
    {
      section: SECTION,
      figure: 'peak sockets constructed per 100 ms (all processes)',
      value: `${num(withJitter.constructedPeak)}`,
      baseline: `no jitter: ${num(without.constructedPeak)}`,
      comparison: `${times(withJitter.constructedPeak / without.constructedPeak)} no jitter`,
    },
  ];
  return { rows, figures: [withJitter, without] };
}
