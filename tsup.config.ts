import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', protocol: 'src/protocol.ts', react: 'src/react/index.ts' },
  // React is an optional peer dependency: the react entry imports it, the bundle never contains it.
  external: ['react'],
  format: ['esm', 'cjs'],
  dts: { compilerOptions: { ignoreDeprecations: '6.0', lib: ['ES2022', 'ESNext.Disposable', 'DOM', 'DOM.Iterable'] } },
  clean: true,
  sourcemap: true,
  target: 'es2022',
  treeshake: true,
});
