/**
 * `npm run bench`: every section in one run, each figure beside a baseline measured in the same
 * run. Prints the table and writes bench/results.json (figures, machine, versions).
 *
 * `--quick` uses small counts (under a minute) and writes bench/.tmp/results-quick.json instead;
 * the full run stays under ten minutes.
 * `--only 1,3` runs some sections only (for working on one; results.json is then not written).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { capacitySection } from './capacity';
import { describeMachine, repoRoot } from './machine';
import { permissionSection } from './permissions';
import { refreshSection } from './refresh';
import { renderTable, type Row } from './report';
import { roundTripSection } from './roundtrip';
import { sizeSection } from './size';
import { stormSection } from './storm';
import { exitOnSignals } from './server-process';

exitOnSignals();

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } } });
const quick = values.quick ?? false;
const only = values.only ? new Set(values.only.split(',').map((part) => Number(part.trim()))) : undefined;
const wanted = (section: number) => !only || only.has(section);

/** The counts of a full and a quick run. */
const COUNTS = quick
  ? {
      roundTrip: { warmup: 300, throughputRequests: 1_500, latencyRequests: 300, runs: 3, inFlight: 64, slowCap: 50 },
      permissions: { checks: 1_000_000, serverIterations: 5_000, runs: 3 },
      stormClients: 200,
      capacity: { connections: 1_000, settleMs: 1_000 },
      refresh: { clients: 50, refreshes: 80, maxMs: 20_000, pauseMs: 50 },
    }
  : {
      roundTrip: { warmup: 3_000, throughputRequests: 20_000, latencyRequests: 5_000, runs: 5, inFlight: 64, slowCap: 2_000 },
      permissions: { checks: 5_000_000, serverIterations: 20_000, runs: 5 },
      stormClients: 1_000,
      capacity: { connections: 10_000, settleMs: 2_000 },
      refresh: { clients: 200, refreshes: 1_000, maxMs: 60_000, pauseMs: 100 },
    };

const notes: string[] = [];
const note = (line: string) => {
  notes.push(line);
  process.stdout.write(`note: ${line}\n`);
};
const rows: Row[] = [];
const details: Record<string, unknown> = {};
const timings: Record<string, number> = {};
const begin = performance.now();

/** Runs one section, timing it; a failing section is reported and the others still run. */
async function section(number: number, name: string, run: () => Promise<Row[]>): Promise<void> {
  if (!wanted(number)) return;
  process.stdout.write(`running ${number}. ${name} ...\n`);
  const start = performance.now();
  try {
    rows.push(...(await run()));
  } catch (error) {
    note(`section ${number} (${name}) failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    process.exitCode = 1;
  }
  timings[name] = Math.round(performance.now() - start);
}

const machine = describeMachine();
// Other work on the machine skews every figure: the load average says how busy it was.
const loadAtStart = loadavg()[0] ?? 0;
let sdkP50: number | undefined;
await section(1, 'size', async () => {
  const { rows: sizeRows, sizes } = await sizeSection();
  details.sizes = sizes;
  return sizeRows;
});
await section(2, 'round trip', async () => {
  const result = await roundTripSection(COUNTS.roundTrip, note);
  details.roundTrip = result.figures;
  sdkP50 = result.figures[0]?.p50;
  return result.rows;
});
await section(3, 'permissions', () => permissionSection(COUNTS.permissions, sdkP50));
await section(4, 'reconnect storm', async () => {
  const result = await stormSection(COUNTS.stormClients);
  details.storm = result.figures;
  return result.rows;
});
await section(5, 'capacity', async () => {
  const result = await capacitySection(COUNTS.capacity.connections, COUNTS.capacity.settleMs);
  details.capacity = result.figures;
  return result.rows;
});
await section(6, 'refresh under load', async () => {
  const result = await refreshSection(COUNTS.refresh);
  details.refresh = result.figures;
  return result.rows;
});

const totalSeconds = (performance.now() - begin) / 1000;
const header = [
  `permsocket benchmark (${quick ? 'quick' : 'full'} run, ${new Date().toISOString()}, ${totalSeconds.toFixed(0)} s)`,
  `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}, commit ${machine.commit}`,
  `load average (1 min): ${loadAtStart.toFixed(1)} at the start, ${(loadavg()[0] ?? 0).toFixed(1)} at the end`,
  `packages: ${Object.entries(machine.packages).map(([name, version]) => `${name} ${version}`).join(', ')}`,
];
const passed = rows.filter((row) => row.pass === true).length;
const missed = rows.filter((row) => row.pass === false).length;
process.stdout.write(`\n${header.join('\n')}\n\n${renderTable(rows)}\n\ntargets: ${passed} pass, ${missed} miss\n`);
for (const line of notes) process.stdout.write(`note: ${line}\n`);

if (!only) {
  const load = { start: loadAtStart, end: loadavg()[0] ?? 0 };
  const results = { mode: quick ? 'quick' : 'full', date: new Date().toISOString(), totalSeconds, machine, load, counts: COUNTS, timings, rows, details, notes };
  // A quick run must not replace the committed figures of the last full run.
  const file = quick ? 'bench/.tmp/results-quick.json' : 'bench/results.json';
  mkdirSync(`${repoRoot}bench/.tmp`, { recursive: true });
  writeFileSync(`${repoRoot}${file}`, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`wrote ${file}\n`);
}
