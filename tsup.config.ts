import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', protocol: 'src/protocol.ts', react: 'src/react/index.ts', server: 'src/server/index.ts', cli: 'src/bin.ts' },
  // Peer dependencies stay imports, so no bundle ever contains them: the react entry needs React,
  // the server entry ws, jose and ioredis (all optional); the cli loads tsx only for a .ts module.
  external: ['react', 'ws', 'jose', 'ioredis', 'tsx'],
  format: ['esm', 'cjs'],
  dts: { compilerOptions: { ignoreDeprecations: '6.0', lib: ['ES2022', 'ESNext.Disposable', 'DOM', 'DOM.Iterable'] } },
  clean: true,
  sourcemap: true,
  target: 'es2022',
  treeshake: true,
});
