/**
 * `npm run soak`: the fault drill (bench/soak-drill.ts) at full size: 200 clients, 20 SIGKILL
 * restarts and one SIGTERM, at the pace SOAK_PACE. Prints each restart and the totals; exits 1 on
 * any violation.
 *
 * Flags: --clients N, --restarts N (SIGKILL restarts), --seed N, --quick (20 clients, 2 SIGKILL restarts).
 */
import { drillArgs, finishDrill } from './drill-cli';
import { runDrill } from './soak-drill';
import { mib } from './stats';

const { clients, kills, seed } = drillArgs('usage: npm run soak -- [--clients N] [--restarts N] [--seed N] [--quick]', { clients: { full: 200, quick: 20 }, kills: { full: 20, quick: 2 } });

const begin = Date.now();
const report = await runDrill({ clients, kills, terms: 1, seed, log: (line) => process.stdout.write(`${line}\n`) });

finishDrill(
  [
    `soak: ${clients} clients, ${kills} SIGKILL + 1 SIGTERM restarts, seed ${seed}, ${((Date.now() - begin) / 1000).toFixed(0)} s`,
    `requests: ${report.requests.total} made, ${report.requests.resolved} resolved (${report.requests.acrossRestart} of them made before a restart and answered after it), ${report.requests.total - report.requests.resolved} rejected (${report.requests.lostConnection} for a lost connection; by error ${JSON.stringify(report.requests.rejected)})`,
    `chat.send: ${report.sends.resolved} resolved, each stored once with its key (${report.sends.keyed} keyed rows); ${report.sends.unresolved} rejected (${report.sends.appliedThoughUnresolved} of them applied anyway); applied twice: ${report.sends.duplicates + report.sends.keyDuplicates} (${report.sends.duplicates} texts, ${report.sends.keyDuplicates} keys stored twice)`,
    `restarts: slowest all-ready ${Math.round(Math.max(...report.restarts.map((r) => r.readyMs)))} ms, most attempts by one client in one restart ${Math.max(...report.restarts.map((r) => r.maxAttempts))}`,
    `server RSS ${mib(report.memory.serverRssBefore)} before, ${mib(report.memory.serverRssAfter)} after; client heap ${mib(report.memory.clientHeapBefore)} before, ${mib(report.memory.clientHeapAfter)} after`,
    report.violations.length === 0 ? 'PASS: no violations' : `FAIL: ${report.violations.length} violations:\n  ${report.violations.join('\n  ')}`,
  ],
  report.violations,
);
