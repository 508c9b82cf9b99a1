/**
 * `npm run soak:django`: the Django fault drill (bench/django-drill.ts): 40 clients, 5 SIGKILL
 * restarts and one SIGTERM of daphne, requests with keys, at the pace DJANGO_SOAK_PACE. Prints each
 * restart and the totals; exits 1 on any violation (a request not resolved, a send stored twice or lost).
 *
 * Flags: --clients N, --restarts N (SIGKILL restarts), --seed N, --client raw|sdk (sdk: the SDK,
 * the default once it re-sends with keys; raw: the bare-protocol KeyedClient, the default before
 * that), --quick (10 clients, 2 restarts).
 */
import * as protocol from '../src/protocol';
import { runDjangoDrill } from './django-drill';
import { drillArgs, finishDrill } from './drill-cli';
import { mib } from './stats';

const isClient = (value: unknown): value is 'raw' | 'sdk' => value === 'raw' || value === 'sdk';
const { clients, kills, seed, values } = drillArgs(
  'usage: npm run soak:django -- [--clients N] [--restarts N] [--seed N] [--client raw|sdk] [--quick]',
  { clients: { full: 40, quick: 10 }, kills: { full: 5, quick: 2 } },
  // The SDK knows request keys when its protocol module names the feature.
  { client: { type: 'string', default: 'KEYS_FEATURE' in protocol ? 'sdk' : 'raw' } },
  (parsed) => isClient(parsed.client),
);
const client = isClient(values.client) ? values.client : 'raw';

const begin = Date.now();
const report = await runDjangoDrill({ clients, kills, terms: 1, seed, client, log: (line) => process.stdout.write(`${line}\n`) });

const lostConnection = report.requests.rejected.ConnectionLostError ?? 0;
finishDrill(
  [
    `soak:django: ${clients} ${client} clients, ${kills} SIGKILL + 1 SIGTERM restarts, seed ${seed}, ${((Date.now() - begin) / 1000).toFixed(0)} s`,
    `requests: ${report.requests.total} made, ${report.requests.resolved} resolved, ${report.requests.total - report.requests.resolved} not; ${report.requests.resent === undefined ? 'the SDK does not count its re-sends' : `${report.requests.resent} re-sent with their key after a drop`}`,
    `rejected: ${JSON.stringify(report.requests.rejected)}; ${lostConnection} for a lost connection`,
    `chat.send: ${report.sends.resolved} resolved and stored once; ${report.sends.unresolved} not resolved (${report.sends.appliedThoughUnresolved} of them applied); applied twice: ${report.sends.duplicates}`,
    `restarts: slowest down ${Math.round(Math.max(...report.restarts.map((r) => r.downMs)))} ms, slowest all-ready ${Math.round(Math.max(...report.restarts.map((r) => r.readyMs)))} ms, at most ${Math.max(...report.restarts.map((r) => r.pendingAtKill))} requests pending at a kill, most attempts by one client in one restart ${Math.max(...report.restarts.map((r) => r.maxAttempts))}`,
    `server RSS ${mib(report.memory.serverRssBefore)} before, ${mib(report.memory.serverRssAfter)} after`,
    report.violations.length === 0 ? 'PASS: every request resolved, 0 rejected for a lost connection, 0 applied twice' : `FAIL: ${report.violations.length} violations:\n  ${report.violations.join('\n  ')}`,
  ],
  report.violations,
);
