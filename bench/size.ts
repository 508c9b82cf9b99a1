/**
 * Section 1: what each client costs a browser page. Every library is bundled the same way from the
 * same kind of entry (the names an app imports, dependencies included), minified by esbuild for
 * the browser and gzipped at level 9.
 */
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { repoRoot, packageVersion } from './machine';
import { kb, times, type Row } from './report';

/** One measured bundle. */
export interface BundleSize {
  name: string;
  entry: string;
  minified: number;
  gzipped: number;
}

const SECTION = '1. Size (esbuild minify, gzip -9, dependencies included)';

/** Bundles `entry` (module source) and measures it. */
export async function bundleSize(name: string, entry: string): Promise<BundleSize> {
  const result = await build({
    stdin: { contents: entry, resolveDir: repoRoot, loader: 'ts', sourcefile: `${name}-entry.ts` },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    // Browsers have WebSocket built in: a library's optional Node fallback is not part of its page cost.
    external: ['ws'],
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const code = result.outputFiles[0]?.contents ?? new Uint8Array();
  return { name, entry, minified: code.byteLength, gzipped: gzipSync(code, { level: 9 }).byteLength };
}

/** The bundles compared: the SDK's public entry and each alternative's client entry. */
export const ENTRIES: { name: string; entry: string }[] = [
  { name: 'permsocket', entry: `export { createClient, defineContract, action, event } from './src/index.ts';` },
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
  const rows: Row[] = [
    {
      section: SECTION,
      figure: 'permsocket client, gzipped',
      value: kb(own.gzipped),
      baseline: 'fixed budget',
      comparison: `${kb(own.gzipped)} of 7.00 KB`,
      target: '<= 7 KB',
      pass: own.gzipped <= 7000,
      data: { ...own },
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
