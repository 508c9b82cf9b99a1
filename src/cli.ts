/**
 * The `permsocket` command. `permsocket export-contract <module> [--out file] [--name export]`
 * writes a contract module's contract as JSON (see contract-json.ts). A built module (.js, .mjs,
 * .cjs) is imported by Node itself; a TypeScript one (.ts, .mts, .cts) through tsx, when the
 * project has it installed.
 * @packageDocumentation
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Contract } from './contract';
import { ContractExportError, contractJsonText } from './contract-json';

const USAGE = `usage: permsocket export-contract <module> [--out <file>] [--name <export>]

Writes the contract exported by <module> as JSON: each action's permission, resource template,
idempotence and payload JSON Schema (draft 2020-12), and each event's name. Without --out it goes
to stdout. The contract is the module's default export, or --name, or its only exported contract.
A .ts module needs tsx installed (npm install -D tsx); a built .js module runs on plain Node.`;

/** A command-line mistake: the message and the usage go to stderr, exit status 2. */
class UsageError extends Error {}

interface Arguments {
  module: string;
  out: string | undefined;
  name: string | undefined;
}

function parseArguments(argv: readonly string[]): Arguments {
  const [command, ...rest] = argv;
  if (command !== 'export-contract') throw new UsageError(command ? `unknown command "${command}"` : 'no command given');
  let module: string | undefined;
  let out: string | undefined;
  let name: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    if (arg === '--out' || arg === '--name') {
      const value = rest[++i];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${arg} expects a value`);
      if (arg === '--out') out = value;
      else name = value;
    } else if (arg.startsWith('--')) throw new UsageError(`unknown option "${arg}"`);
    else if (module === undefined) module = arg;
    else throw new UsageError(`one module only, got "${module}" and "${arg}"`);
  }
  if (module === undefined) throw new UsageError('export-contract expects a module path');
  return { module, out, name };
}

const isContract = (value: unknown): value is Contract =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Contract).actions === 'object' &&
  (value as Contract).actions !== null &&
  typeof (value as Contract).events === 'object' &&
  (value as Contract).events !== null;

async function importModule(path: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(resolve(path)).href;
  if (!/\.[mc]?ts$/.test(path)) return (await import(url)) as Record<string, unknown>;
  let tsImport: (specifier: string, parent: string) => Promise<unknown>;
  try {
    ({ tsImport } = (await import('tsx/esm/api')) as { tsImport: typeof tsImport });
  } catch {
    throw new ContractExportError(`${path} is TypeScript: install tsx (npm install -D tsx) or pass the built .js module`);
  }
  return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
}

function pickContract(exports: Record<string, unknown>, path: string, name: string | undefined): Contract {
  if (name !== undefined) {
    const chosen = exports[name];
    if (!isContract(chosen)) throw new ContractExportError(`${path} has no contract exported as "${name}"`);
    return chosen;
  }
  if (isContract(exports.default)) return exports.default;
  const found = Object.entries(exports).filter(([, value]) => isContract(value));
  if (found.length === 1) return found[0]![1] as Contract;
  if (found.length === 0) throw new ContractExportError(`${path} exports no contract (an object with actions and events made by defineContract)`);
  throw new ContractExportError(`${path} exports several contracts (${found.map(([key]) => key).join(', ')}): choose one with --name`);
}

/** Runs the command; returns the exit status. Output and errors go to the given streams. */
export async function main(
  argv: readonly string[],
  io: { stdout: (text: string) => void; stderr: (text: string) => void } = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  },
): Promise<number> {
  try {
    if (argv[0] === '--help' || argv[0] === '-h') {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    const args = parseArguments(argv);
    const contract = pickContract(await importModule(args.module), args.module, args.name);
    const text = contractJsonText(contract);
    if (args.out === undefined) io.stdout(text);
    else {
      writeFileSync(args.out, text);
      io.stderr(`wrote ${args.out}\n`);
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`permsocket: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`permsocket: ${message}\n`);
    return 1;
  }
}
