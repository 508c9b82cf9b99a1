/**
 * `npm run soak`: the fault drill (bench/soak-drill.ts) at full size: 200 clients, 20 SIGKILL
 * restarts and one SIGTERM. Prints each restart and the totals; exits 1 on any violation.
 *
 * Flags: --clients N, --restarts N (SIGKILL restarts), --seed N, --quick (20 clients, 3 restarts).
 */
import { parseArgs } from 'node:util';
import { runDrill } from './soak-drill';
import { exitOnSignals } from './server-process';

exitOnSignals();

const { values } = parseArgs({
  options: {
    clients: { type: 'string' },
    restarts: { type: 'string' },
    seed: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});

const quick = values.quick ?? false;
const clients = Number(values.clients ?? (quick ? 20 : 200));
const kills = Number(values.restarts ?? (quick ? 2 : 20));
const seed = Number(values.seed ?? 1);
if (![clients, kills, seed].every((n) => Number.isInteger(n) && n >= 0) || clients < 1) {
  process.stderr.write('usage: npm run soak -- [--clients N] [--restarts N] [--seed N] [--quick]\n');
  process.exit(2);
}

const begin = Date.now();
const report = await runDrill({
  clients,
  kills,
  terms: 1,
  seed,
  // As long as the drill lets a restart take (readyWaitMs): on a busy machine a restart and the
  // backoff after it took up to 10 s, and a request must be able to outlive one to resolve.
  requestTimeoutMs: 30_000,
  trafficMs: [300, 2_500],
  pauseMs: [20, 200],
  sendShare: 0.5,
  readyWaitMs: 30_000,
  maxAttemptsPerRestart: 10,
  log: (line) => process.stdout.write(`${line}\n`),
});

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const lines = [
  '',
  `soak: ${clients} clients, ${kills} SIGKILL + 1 SIGTERM restarts, seed ${seed}, ${((Date.now() - begin) / 1000).toFixed(0)} s`,
  `requests: ${report.requests.total} made, ${report.requests.resolved} resolved (${report.requests.acrossRestart} of them made before a restart and answered after it), ${report.requests.total - report.requests.resolved} rejected (${report.requests.lostConnection} for a lost connection; by error ${JSON.stringify(report.requests.rejected)})`,
  `chat.send: ${report.sends.resolved} resolved, each stored once with its key (${report.sends.keyed} keyed rows); ${report.sends.unresolved} rejected (${report.sends.appliedThoughUnresolved} of them applied anyway); applied twice: ${report.sends.duplicates + report.sends.keyDuplicates} (${report.sends.duplicates} texts, ${report.sends.keyDuplicates} keys stored twice)`,
  `restarts: slowest all-ready ${Math.round(Math.max(...report.restarts.map((r) => r.readyMs)))} ms, most attempts by one client in one restart ${Math.max(...report.restarts.map((r) => r.maxAttempts))}`,
  `server RSS ${mib(report.memory.serverRssBefore)} before, ${mib(report.memory.serverRssAfter)} after; client heap ${mib(report.memory.clientHeapBefore)} before, ${mib(report.memory.clientHeapAfter)} after`,
  report.violations.length === 0 ? 'PASS: no violations' : `FAIL: ${report.violations.length} violations:\n  ${report.violations.join('\n  ')}`,
];
process.stdout.write(`${lines.join('\n')}\n`);
process.exit(report.violations.length === 0 ? 0 : 1);
