/**
 * Section 6: token refresh under load. SDK clients send requests back to back while their tokens
 * expire every few seconds, so the SDK keeps sending `auth.refresh` on the open sockets. Goal: no
 * failed request and no reconnect. The baseline is the same load with long-lived tokens (no
 * refresh at all), to show what refreshing costs the requests flowing beside it.
 */
import { performance } from 'node:perf_hooks';
import type { ChatContract } from '../demo/contract';
import type { Client } from '../src/index';
import { startReferenceServer, type ReferenceServer } from './reference-server';
import { num, times, type Row } from './report';
import { chatClient, sleep, waitFor } from './sdk-clients';
import { percentile } from './stats';

/** Counts for the section. */
export interface RefreshCounts {
  clients: number;
  /** Refreshes to reach in the refreshing phase. */
  refreshes: number;
  /** Longest the refreshing phase may run, ms. */
  maxMs: number;
  /** Each client's pause between requests, ms: a steady load below the server's capacity. */
  pauseMs: number;
}

/** What one phase measured. */
export interface RefreshFigures {
  ttlSeconds: number;
  durationMs: number;
  requests: number;
  failed: number;
  /** Refreshes the server answered (a new `auth.ok` on an open socket). */
  refreshes: number;
  /** Sockets that closed during the phase (each one a reconnect). */
  reconnects: number;
  p50: number;
  p99: number;
  failures: string[];
}

const SECTION = '6. Token refresh under load';
/** Refresh this long before expiry: far enough ahead for a loaded machine, short enough to refresh often. */
const REFRESH_SKEW_MS = 1_500;

/** Runs one phase: `ttlSeconds` tokens, requests flowing until `done` says stop. */
async function phase(server: ReferenceServer, clients: number, pauseMs: number, ttlSeconds: number, done: (figures: { refreshes: number; elapsed: number }) => boolean): Promise<RefreshFigures> {
  const list: Client<ChatContract>[] = [];
  let refreshes = 0;
  let reconnects = 0;
  let requests = 0;
  const failures: string[] = [];
  const latencies: number[] = [];
  let running = true;
  try {
    for (let i = 0; i < clients; i++) {
      const client = chatClient(server, () => server.token('alice', ttlSeconds), { refreshSkew: REFRESH_SKEW_MS });
      let sessions = 0;
      // auth.ok on an open socket emits a new snapshot without a new `ready`: that is a refresh.
      client.on('ready', () => sessions++);
      client.on('permissions', () => {
        if (sessions > 0 && client.state === 'ready') refreshes++;
      });
      client.on('close', () => reconnects++);
      list.push(client);
    }
    await waitFor(() => list.every((client) => client.state === 'ready'), 30_000, 'every client to be ready');
    // The first `permissions` of each session came with `ready`: count only what follows.
    refreshes = 0;
    reconnects = 0;
    const begin = performance.now();
    const loop = async (client: Client<ChatContract>) => {
      while (running) {
        const start = performance.now();
        try {
          await client.request('chat.history', { room: 'random' });
          latencies.push((performance.now() - start) * 1000);
        } catch (error) {
          failures.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
        }
        requests++;
        // The pause keeps the offered load below capacity, so latencies show the refresh, not a queue.
        await sleep(pauseMs);
      }
    };
    const loops = list.map(loop);
    await waitFor(() => done({ refreshes, elapsed: performance.now() - begin }), 10 * 60_000, 'the phase to end');
    running = false;
    await Promise.all(loops);
    return {
      ttlSeconds,
      durationMs: performance.now() - begin,
      requests,
      failed: failures.length,
      refreshes,
      reconnects,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      failures: failures.slice(0, 10),
    };
  } finally {
    running = false;
    for (const client of list) client.close();
  }
}

/** Runs the baseline phase and the refreshing phase. */
export async function refreshSection(counts: RefreshCounts): Promise<{ rows: Row[]; figures: RefreshFigures[] }> {
  const server = await startReferenceServer({ env: { RATE_LIMIT: 'off' } });
  try {
    // A short unrecorded phase first, so neither recorded phase pays for a cold server.
    await phase(server, counts.clients, counts.pauseMs, 3600, ({ elapsed }) => elapsed >= 2_000);
    const refreshing = await phase(server, counts.clients, counts.pauseMs, 4, ({ refreshes, elapsed }) => refreshes >= counts.refreshes || elapsed >= counts.maxMs);
    const baseline = await phase(server, counts.clients, counts.pauseMs, 3600, ({ elapsed }) => elapsed >= refreshing.durationMs);
    const rate = (figures: RefreshFigures) => figures.requests / (figures.durationMs / 1000);
    const us = (value: number) => `${num(value)} µs`;
    const rows: Row[] = [
      {
        section: SECTION,
        figure: `${num(counts.clients)} clients, 4 s tokens: refreshes done`,
        value: `${num(refreshing.refreshes)} in ${num(refreshing.durationMs / 1000, 1)} s`,
        baseline: `1 h tokens: ${num(baseline.refreshes)}`,
        comparison: `${num(refreshing.refreshes)} refreshes on open sockets`,
        target: `>= ${num(counts.refreshes)}`,
        pass: refreshing.refreshes >= counts.refreshes,
        data: { refreshing, baseline },
      },
      {
        section: SECTION,
        figure: 'failed requests / reconnects while refreshing',
        value: `${num(refreshing.failed)} failed of ${num(refreshing.requests)}; ${num(refreshing.reconnects)} reconnects`,
        baseline: `1 h tokens: ${num(baseline.failed)} failed of ${num(baseline.requests)}; ${num(baseline.reconnects)} reconnects`,
        comparison: `${num(refreshing.failed)} failed; ${num(refreshing.reconnects)} reconnects`,
        target: '0 and 0',
        pass: refreshing.failed === 0 && refreshing.reconnects === 0,
      },
      {
        section: SECTION,
        figure: 'requests while refreshing: rate, p50, p99',
        value: `${num(rate(refreshing))} req/s; ${us(refreshing.p50)}; ${us(refreshing.p99)}`,
        baseline: `1 h tokens: ${num(rate(baseline))} req/s; ${us(baseline.p50)}; ${us(baseline.p99)}`,
        comparison: `${times(rate(refreshing) / rate(baseline))} rate; ${times(refreshing.p50 / baseline.p50)} p50; ${times(refreshing.p99 / baseline.p99)} p99`,
      },
    ];
    return { rows, figures: [refreshing, baseline] };
  } finally {
    await server.stop();
  }
}
