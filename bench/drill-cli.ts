/**
 * The command line the fault drills share (`npm run soak`, `npm run soak:django`): the size flags
 * with their full and --quick defaults, the usage line on bad input, and the exit code from the
 * violations. Each drill's own flags and its summary lines stay in its script.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { exitOnSignals } from './server-process';

/** A drill's size at full scale and with --quick. */
export interface DrillSizes {
  clients: { full: number; quick: number };
  /** SIGKILL restarts. */
  kills: { full: number; quick: number };
}

/**
 * Parses --clients, --restarts, --seed and --quick plus `extra` flags; prints `usage` and exits 2
 * when a number is off or `valid` refuses the extra values.
 */
export function drillArgs(
  usage: string,
  sizes: DrillSizes,
  extra: NonNullable<ParseArgsConfig['options']> = {},
  valid: (values: Record<string, string | boolean | undefined>) => boolean = () => true,
): { clients: number; kills: number; seed: number; values: Record<string, string | boolean | undefined> } {
  // Ctrl-C ends the drill through `exit`, so its server children die with it.
  exitOnSignals();
  const values = parseArgs({
    options: {
      clients: { type: 'string' },
      restarts: { type: 'string' },
      seed: { type: 'string' },
      quick: { type: 'boolean', default: false },
      ...extra,
    },
  }).values as Record<string, string | boolean | undefined>;
  const quick = values.quick === true;
  const clients = Number(values.clients ?? (quick ? sizes.clients.quick : sizes.clients.full));
  const kills = Number(values.restarts ?? (quick ? sizes.kills.quick : sizes.kills.full));
  const seed = Number(values.seed ?? 1);
  if (![clients, kills, seed].every((n) => Number.isInteger(n) && n >= 0) || clients < 1 || !valid(values)) {
    process.stderr.write(`${usage}\n`);
    process.exit(2);
  }
  return { clients, kills, seed, values };
}

/** Prints the summary after a blank line and exits 1 on any violation, 0 otherwise. */
export function finishDrill(lines: readonly string[], violations: readonly string[]): never {
  process.stdout.write(`${['', ...lines].join('\n')}\n`);
  process.exit(violations.length === 0 ? 0 : 1);
}
