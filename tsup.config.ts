import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', protocol: 'src/protocol.ts', react: 'src/react/index.ts', testing: 'src/testing/index.ts' },
  // React and msw are optional peer dependencies: the react and testing entries import them, no bundle
  // contains them (a second, bundled copy of msw fails with `handler[kConnect] is not a function`).
  external: ['react', 'msw', 'msw/node'],
  format: ['esm', 'cjs'],
  dts: { compilerOptions: { ignoreDeprecations: '6.0', lib: ['ES2022', 'ESNext.Disposable', 'DOM', 'DOM.Iterable'] } },
  clean: true,
  sourcemap: true,
  target: 'es2022',
  treeshake: true,
});
