/**
 * Builds the demo web app into demo/web/dist: one ES module bundle (esbuild, with the SDK taken
 * from the sources through tsconfig's paths), the stylesheet and index.html. The reference server
 * serves that folder. Run: `npm run build:demo`.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const dist = join(here, 'dist');

/** `styles.css` -> `styles-1a2b3c4d.css`: a changed file gets a new name, so no browser keeps a stale copy. */
function hashedName(file: string, content: string | Buffer): string {
  const hash = createHash('sha256').update(content).digest('hex').slice(0, 8);
  const dot = file.lastIndexOf('.');
  return `${file.slice(0, dot)}-${hash}${file.slice(dot)}`;
}

/** Builds the app; resolves with the output folder. */
export async function buildDemo(options: { minify?: boolean } = {}): Promise<string> {
  await rm(dist, { recursive: true, force: true });
  await mkdir(dist, { recursive: true });
  const result = await build({
    entryPoints: { app: join(here, 'src', 'main.tsx') },
    outdir: dist,
    entryNames: '[name]-[hash]',
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    tsconfig: join(root, 'tsconfig.json'),
    minify: options.minify ?? true,
    sourcemap: true,
    define: { 'process.env.NODE_ENV': '"production"' },
    metafile: true,
    logLevel: 'warning',
  });
  const script = Object.keys(result.metafile.outputs).find((file) => file.endsWith('.js'));
  if (!script) throw new Error('esbuild wrote no JavaScript bundle');

  const css = await readFile(join(here, 'styles.css'));
  const stylesheet = hashedName('styles.css', css);
  await writeFile(join(dist, stylesheet), css);

  let html = await readFile(join(here, 'index.html'), 'utf8');
  for (const [from, to] of [['/app.js', `/${basename(script)}`], ['/styles.css', `/${stylesheet}`]] as const) {
    if (!html.includes(from)) throw new Error(`demo/web/index.html must reference ${from}`);
    html = html.replace(from, to);
  }
  await writeFile(join(dist, 'index.html'), html);
  return dist;
}

// Run directly (not imported by the e2e tests): build and say where.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = await buildDemo();
  console.log(`demo web app built into ${out}`);
}
