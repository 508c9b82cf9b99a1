/**
 * Builds the demo web app into demo/web/dist: one ES module bundle (esbuild, with the SDK taken
 * from the sources through tsconfig's paths), index.html and the stylesheet. The reference server
 * serves that folder. Run: `npm run build:demo`.
 */
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const dist = join(here, 'dist');

/** Builds the app; resolves with the output folder. */
export async function buildDemo(options: { minify?: boolean } = {}): Promise<string> {
  await rm(dist, { recursive: true, force: true });
  await mkdir(dist, { recursive: true });
  await build({
    entryPoints: [join(here, 'src', 'main.tsx')],
    outfile: join(dist, 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    tsconfig: join(root, 'tsconfig.json'),
    minify: options.minify ?? true,
    sourcemap: true,
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  });
  await Promise.all(['index.html', 'styles.css'].map((file) => copyFile(join(here, file), join(dist, file))));
  return dist;
}

// Run directly (not imported by the e2e tests): build and say where.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = await buildDemo();
  console.log(`demo web app built into ${out}`);
}
