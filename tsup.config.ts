import { defineConfig } from 'tsup';

/**
 * The naming convention for internal members: a property whose name ends in `_` (`connection.move_`)
 * belongs to one of the client's parts, never to the public API, the wire or a dependency, so the
 * minifier may shorten it. bench/size.ts measures with the same setting.
 */
export const manglePrivateProps = /_$/;

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
  esbuildOptions(options) {
    options.mangleProps = manglePrivateProps;
  },
});
