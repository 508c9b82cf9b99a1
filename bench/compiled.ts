/**
 * Compiles a server entry (TypeScript) to one JavaScript file, the way an app ships it, so a
 * benchmark child runs plain `node <file>` instead of `node --import tsx <entry>`.
 *
 * Why: tsx compiles with esbuild's `keepNames`, which wraps every function the code creates in a
 * `__name(...)` call. permsocket's TypeScript paid that on every request (about 12% of a busy
 * server's samples, bench notes of 2026-12-02) while socket.io, published as JavaScript, did not:
 * the comparison was of tsx's overhead, not of the servers. Both sides now run compiled the same way.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { repoRoot } from './machine';

const OUT_DIR = join(repoRoot, 'bench/.tmp/compiled');
const compiled = new Map<string, Promise<string>>();

/** The path of `entry` compiled to an ES module (once per process); its packages stay imports. */
export function compiledEntry(entry: string): Promise<string> {
  let file = compiled.get(entry);
  if (!file) {
    file = compile(entry);
    compiled.set(entry, file);
  }
  return file;
}

async function compile(entry: string): Promise<string> {
  mkdirSync(OUT_DIR, { recursive: true });
  // One file per process: two processes compiling the same entry at once must not share a half-written file.
  const outfile = join(OUT_DIR, `${entry.replace(/[/\\.]/g, '_')}-${process.pid}.mjs`);
  await build({
    entryPoints: [resolve(repoRoot, entry)],
    outfile,
    bundle: true,
    // node_modules stay imports: they resolve from the repository's node_modules, as for tsx.
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: `node${process.versions.node}`,
    logLevel: 'warning',
    plugins: [ownUrls],
  });
  process.once('exit', () => rmSync(outfile, { force: true }));
  return outfile;
}

/**
 * A module that finds files from its own URL (demo/server/config.ts) would get the bundle's; each
 * keeps its own instead.
 */
const ownUrls: Plugin = {
  name: 'own-import-meta-url',
  setup(builder) {
    builder.onLoad({ filter: /\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      return { contents: source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' };
    });
  },
};
