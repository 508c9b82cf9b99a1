/** The machine and package versions a benchmark ran on, recorded beside its figures. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

/** Where the repository is; every bench path is relative to it. */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** The packages whose versions change what the figures mean. */
const PACKAGES = ['ws', 'partysocket', 'jwt-decode', 'socket.io', 'socket.io-client', 'centrifuge', 'graphql-ws', 'esbuild', 'better-sqlite3', 'jose', 'tsx'];

/** The installed version of a package in node_modules, or 'missing'. */
export function packageVersion(name: string): string {
  try {
    const manifest = JSON.parse(readFileSync(`${repoRoot}node_modules/${name}/package.json`, 'utf8')) as { version?: string };
    return manifest.version ?? 'unknown';
  } catch {
    return 'missing';
  }
}

/** A description of this machine: CPU, cores, memory, Node, the commit and package versions. */
export function describeMachine() {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    // Outside a git checkout the commit is simply unknown.
  }
  const own = JSON.parse(readFileSync(`${repoRoot}package.json`, 'utf8')) as { version: string };
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    commit,
    packages: { permsocket: own.version, ...Object.fromEntries(PACKAGES.map((name) => [name, packageVersion(name)])) },
  };
}

/** The machine description's type. */
export type Machine = ReturnType<typeof describeMachine>;
