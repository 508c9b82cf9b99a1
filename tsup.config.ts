import { defineConfig } from 'tsup';

/**
 * The naming convention for internal members: a property whose name ends in `_` (`connection.move_`)
 * belongs to one of the client's parts, never to the public API, the wire or a dependency, so the
 * minifier may shorten it. bench/size.ts measures with the same setting.
 */
export const manglePrivateProps = /_$/;

export default defineConfig({
  entry: { index: 'src/index.ts', protocol: 'src/protocol.ts', react: 'src/react/index.ts', server: 'src/server/index.ts', testing: 'src/testing/index.ts', cli: 'src/bin.ts' },
  // Peer dependencies stay imports, so no bundle ever contains them: the react entry needs React,
  // the server entry ws, jose and ioredis, the testing entry msw (all optional; a second, bundled
  // copy of msw fails with `handler[kConnect] is not a function`); the cli loads tsx only for a .ts module.
  external: ['react', 'ws', 'jose', 'ioredis', 'tsx', 'msw', 'msw/node'],
  format: ['esm', 'cjs'],
  dts: { compilerOptions: { ignoreDeprecations: '6.0', lib: ['ES2022', 'ESNext.Disposable', 'DOM', 'DOM.Iterable'] } },
  clean: true,
  sourcemap: true,
  target: 'es2022',
  treeshake: true,
  esbuildOptions(options) {
    options.mangleProps = manglePrivateProps;
  },
});
