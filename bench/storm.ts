/**
 * Section 4: a reconnect storm. Many SDK clients sit on one reference server; the server restarts
 * (SIGKILL, as in a crash or a forced deploy: every socket drops at the same instant; then a new
 * process on the same port and data). Measured:
 * the time until every client is ready again, and the busiest 100 ms of connection attempts: each
 * attempt timestamped as it starts (the SDK calls getToken first) and as the client constructs its
 * WebSocket. The same run with `retry.jitter` off is the baseline: without jitter every client
 * retries at the same instant.
 */
import { performance } from 'node:perf_hooks';
import type { ChatContract } from '../demo/contract';
import type { Client } from '../src/index';
import { startReferenceServer } from './reference-server';
import { num, times, type Row } from './report';
import { chatClient, sleep, waitFor } from './sdk-clients';
import { peakInWindow } from './stats';

/** What one storm measured. */
export interface StormFigures {
  jitter: boolean;
  clients: number;
  /** From the kill until the last client was ready again, ms. */
  readyMs: number;
  /** From the new process listening until the last client was ready, ms. */
  readyAfterUpMs: number;
  /** How long the server was away (kill to listening again), ms. */
  downMs: number;
  /**
   * Attempts started in the busiest 100 ms window after the kill: each attempt starts with a
   * getToken call when the client's backoff timer fires, so this is the SDK's own schedule.
   */
  peak: number;
  /**
   * Sockets constructed in the busiest 100 ms. One Node process opens a socket in a few hundred
   * microseconds, one after another, so this is capped by this process (a few hundred per
   * 100 ms), where a thousand browsers would each open theirs at once.
   */
  constructedPeak: number;
  /** Attempts after the kill, in total. */
  attempts: number;
  /** From the kill until the last client saw its socket close, ms (this process delivers them in turn). */
  closeSpreadMs: number;
  /** Clients not ready again when the wait gave up (0 is the goal). */
  notReady: number;
}

const SECTION = '4. Reconnect storm (server restarted under connected clients)';
const BATCH = 100;
const READY_WAIT_MS = 60_000;

/** Runs one storm with `clients` clients, jitter on or off. */
export async function storm(clients: number, jitter: boolean): Promise<StormFigures> {
  const server = await startReferenceServer({ env: { RATE_LIMIT: 'off' }, raiseFileLimit: true });
  const attempts: number[] = [];
  const constructed: number[] = [];
  const closedAt: number[] = [];
  const list: Client<ChatContract>[] = [];
  const readyAt = new Map<Client<ChatContract>, number>();
  let restartedAt = Number.POSITIVE_INFINITY;
  // One long-lived token for all: getToken answers at once, so the timeline is the SDK's backoff
  // and not this process signing a thousand JWTs in the middle of the storm.
  const token = await server.token('alice', 3600);
  try {
    for (let i = 0; i < clients; i += BATCH) {
      for (let j = i; j < Math.min(clients, i + BATCH); j++) {
        const client = chatClient(
          server,
          () => {
            attempts.push(performance.now());
            return token;
          },
          { retry: { jitter }, onAttempt: (at) => constructed.push(at) },
        );
        client.on('ready', () => {
          if (performance.now() >= restartedAt) readyAt.set(client, performance.now());
        });
        client.on('close', () => {
          if (performance.now() >= restartedAt && closedAt[j] === undefined) closedAt[j] = performance.now();
        });
        list.push(client);
      }
      // Connecting in batches keeps the set-up itself from being a storm.
      await waitFor(() => list.every((client) => client.state === 'ready'), READY_WAIT_MS, `${list.length} clients to be ready`);
    }
    await sleep(500);
    restartedAt = performance.now();
    await server.process.kill('SIGKILL');
    await server.process.start();
    const upAt = performance.now();
    await waitFor(() => readyAt.size === clients, READY_WAIT_MS, 'every client to be ready again').catch(() => {});
    const last = Math.max(...readyAt.values());
    const after = attempts.filter((at) => at >= restartedAt);
    return {
      jitter,
      clients,
      readyMs: readyAt.size === clients ? last - restartedAt : Number.POSITIVE_INFINITY,
      readyAfterUpMs: readyAt.size === clients ? last - upAt : Number.POSITIVE_INFINITY,
      downMs: upAt - restartedAt,
      peak: peakInWindow(after, 100),
      constructedPeak: peakInWindow(constructed.filter((at) => at >= restartedAt), 100),
      attempts: after.length,
      closeSpreadMs: Math.max(0, ...closedAt.filter((at) => at !== undefined).map((at) => at - restartedAt)),
      notReady: clients - readyAt.size,
    };
  } finally {
    for (const client of list) client.close();
    await server.stop();
  }
}

/** Runs the storm with and without jitter and returns the section's rows. */
export async function stormSection(clients: number): Promise<{ rows: Row[]; figures: StormFigures[] }> {
  const withJitter = await storm(clients, true);
  const without = await storm(clients, false);
  const ms = (value: number) => (Number.isFinite(value) ? `${num(value)} ms` : 'not all ready');
  const rows: Row[] = [
    {
      section: SECTION,
      figure: `${num(clients)} clients: all ready again (from the kill)`,
      value: `${ms(withJitter.readyMs)} (server away ${ms(withJitter.downMs)})`,
      baseline: `no jitter: ${ms(without.readyMs)} (away ${ms(without.downMs)})`,
      comparison: `${times(withJitter.readyMs / without.readyMs)} no jitter`,
      target: '<= 10,000 ms',
      pass: withJitter.readyMs <= 10_000,
      data: { withJitter, without },
    },
    {
      section: SECTION,
      figure: 'peak attempts started per 100 ms',
      value: `${num(withJitter.peak)} (of ${num(withJitter.attempts)} attempts)`,
      baseline: `no jitter: ${num(without.peak)} (of ${num(without.attempts)})`,
      comparison: `${times(withJitter.peak / without.peak)} no jitter`,
      target: '<= 0.25x no jitter',
      pass: withJitter.peak <= 0.25 * without.peak,
    },
    {
      section: SECTION,
      figure: 'peak sockets constructed per 100 ms (this process)',
      value: `${num(withJitter.constructedPeak)} (closes delivered over ${ms(withJitter.closeSpreadMs)})`,
      baseline: `no jitter: ${num(without.constructedPeak)} (over ${ms(without.closeSpreadMs)})`,
      comparison: `${times(withJitter.constructedPeak / without.constructedPeak)} no jitter`,
    },
  ];
  return { rows, figures: [withJitter, without] };
}
