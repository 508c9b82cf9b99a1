/**
 * Section 1: what each client costs a browser page. Every library is bundled the same way from the
 * same kind of entry (the names an app imports, dependencies included), minified by esbuild for
 * the browser and gzipped at level 9.
 */
import { build, type Plugin } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, packageVersion } from './machine';
import { kb, times, type Row } from './report';
import { manglePrivateProps } from '../tsup.config';

/** One measured bundle. */
export interface BundleSize {
  name: string;
  entry: string;
  minified: number;
  gzipped: number;
}

const SECTION = '1. Size (esbuild minify, gzip -9, dependencies included)';

/** The budget `npm run build` enforces (size-limit in package.json), as written there. */
function buildBudget(): string {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { 'size-limit'?: { limit?: string }[] };
  return pkg['size-limit']?.[0]?.limit ?? 'none';
}

/** The client's runtime dependencies, as the design card names them. */
export const DEPENDENCIES = ['partysocket', 'jwt-decode', 'eventemitter3'] as const;

/**
 * The tabs module (`shareAcrossTabs`) is imported dynamically, and the build makes it a chunk of its
 * own that a page loads only when the option is on (size-limit ignores it the same way). Without
 * code splitting esbuild would inline a dynamic import, so it is left out here: a single-tab app
 * does not download it. Its own size is measured separately ({@link TABS_ENTRY}).
 */
const lazyTabs: Plugin = {
  name: 'lazy-tabs',
  setup(build) {
    build.onResolve({ filter: /^\.\/share$/ }, (args) => (args.importer.endsWith(join('src', 'tabs', 'lazy.ts')) ? { path: args.path, external: true } : undefined));
  },
};

/**
 * Bundles `entry` (module source) and measures it. `external` leaves packages out (the client's
 * own code is measured with its dependencies external).
 */
export async function bundleSize(name: string, entry: string, external: string[] = []): Promise<BundleSize> {
  const result = await build({
    plugins: [lazyTabs],
    stdin: { contents: entry, resolveDir: repoRoot, loader: 'ts', sourcefile: `${name}-entry.ts` },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    // Browsers have WebSocket built in: a library's optional Node fallback is not part of its page cost.
    external: ['ws', ...external.flatMap((dependency) => [dependency, `${dependency}/*`])],
    define: { 'process.env.NODE_ENV': '"production"' },
    // As the build does (tsup.config.ts): internal `name_` members are shortened.
    mangleProps: manglePrivateProps,
  });
  const code = result.outputFiles[0]?.contents ?? new Uint8Array();
  return { name, entry, minified: code.byteLength, gzipped: gzipSync(code, { level: 9 }).byteLength };
}

const CLIENT_ENTRY = `export { createClient, defineContract, action, event } from './src/index.ts';`;
/** The tabs module with everything it needs (much of it shared with the main entry). */
const TABS_ENTRY = `export { shareTabs } from './src/tabs/share.ts';`;
/** Each dependency bundled alone, from the entry the client imports it by. */
const DEPENDENCY_ENTRIES: { name: string; entry: string }[] = [
  { name: `partysocket/ws ${packageVersion('partysocket')}`, entry: `export { default } from 'partysocket/ws';` },
  { name: `jwt-decode ${packageVersion('jwt-decode')}`, entry: `export { jwtDecode } from 'jwt-decode';` },
  { name: `eventemitter3 ${packageVersion('eventemitter3')}`, entry: `export { EventEmitter } from 'eventemitter3';` },
];

/** The bundles compared: the SDK's public entry and each alternative's client entry. */
export const ENTRIES: { name: string; entry: string }[] = [
  { name: 'permsocket', entry: CLIENT_ENTRY },
  { name: `socket.io-client ${packageVersion('socket.io-client')}`, entry: `export { io } from 'socket.io-client';` },
  { name: `centrifuge ${packageVersion('centrifuge')}`, entry: `export { Centrifuge } from 'centrifuge';` },
  { name: `graphql-ws ${packageVersion('graphql-ws')} (createClient)`, entry: `export { createClient } from 'graphql-ws';` },
  { name: `partysocket ${packageVersion('partysocket')} (root entry)`, entry: `export { default } from 'partysocket';` },
];

/** Measures every bundle and returns the section's rows. */
export async function sizeSection(): Promise<{ rows: Row[]; sizes: BundleSize[] }> {
  const sizes: BundleSize[] = [];
  for (const { name, entry } of ENTRIES) sizes.push(await bundleSize(name, entry));
  const [own, socketIo, ...others] = sizes as [BundleSize, BundleSize, ...BundleSize[]];
  const code = await bundleSize('permsocket without its dependencies', CLIENT_ENTRY, [...DEPENDENCIES]);
  const dependencies: BundleSize[] = [];
  for (const { name, entry } of DEPENDENCY_ENTRIES) dependencies.push(await bundleSize(name, entry));
  const tabs = await bundleSize('shareAcrossTabs module (loaded only when the option is on)', TABS_ENTRY);
  sizes.push(code, ...dependencies, tabs);
  const rows: Row[] = [
    {
      section: SECTION,
      figure: 'permsocket client with its 3 dependencies, gzipped',
      value: kb(own.gzipped),
      baseline: `issue target 10 KB; the build fails past ${buildBudget()}`,
      comparison: `${kb(own.gzipped)} of 10.00 KB (aim 9 KB)`,
      target: '<= 10 KB',
      pass: own.gzipped <= 10_000,
      data: { ...own },
    },
    {
      section: SECTION,
      figure: "the client's own code (dependencies left out)",
      value: kb(code.gzipped),
      baseline: `with dependencies: ${kb(own.gzipped)}`,
      comparison: `${times(code.gzipped / own.gzipped)} of the bundle`,
      target: '<= 4.5 KB',
      pass: code.gzipped <= 4_500,
      data: { ...code },
    },
    ...dependencies.map((dependency) => ({
      section: SECTION,
      figure: `dependency: ${dependency.name}`,
      value: kb(dependency.gzipped),
      baseline: `bundled alone; with dependencies: ${kb(own.gzipped)}`,
      comparison: `${times(dependency.gzipped / own.gzipped)} of the bundle`,
      data: { ...dependency },
    })),
    {
      section: SECTION,
      figure: 'shareAcrossTabs module, loaded only when the option is on (with the code it shares with the main entry)',
      value: kb(tabs.gzipped),
      baseline: `main bundle: ${kb(own.gzipped)}`,
      comparison: 'not in the main bundle',
      data: { ...tabs },
    },
    {
      section: SECTION,
      figure: 'permsocket vs socket.io-client',
      value: kb(own.gzipped),
      baseline: `${socketIo.name}: ${kb(socketIo.gzipped)}`,
      comparison: `${times(own.gzipped / socketIo.gzipped)} socket.io-client`,
      target: '< 0.50x',
      pass: own.gzipped < socketIo.gzipped / 2,
      data: { own: own.gzipped, baseline: socketIo.gzipped },
    },
    ...others.map((other) => ({
      section: SECTION,
      figure: `permsocket vs ${other.name.split(' ')[0]}`,
      value: kb(own.gzipped),
      baseline: `${other.name}: ${kb(other.gzipped)}`,
      comparison: `${times(own.gzipped / other.gzipped)} ${other.name.split(' ')[0]}`,
      data: { own: own.gzipped, baseline: other.gzipped },
    })),
  ];
  return { rows, sizes };
}
