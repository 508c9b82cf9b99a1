import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (file: string) => fileURLToPath(new URL(`./src/${file}`, import.meta.url));

// Tests import the package by its public name, resolved to the sources.
const alias = [
  { find: /^permsocket\/protocol$/, replacement: src('protocol.ts') },
  { find: /^permsocket\/react$/, replacement: src('react/index.ts') },
  { find: /^permsocket\/server$/, replacement: src('server/index.ts') },
  { find: /^permsocket\/testing$/, replacement: src('testing/index.ts') },
  { find: /^permsocket$/, replacement: src('index.ts') },
];

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/types/**/*.test-d.ts'],
          setupFiles: ['test/unit/setup.ts'],
          environment: 'node',
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'testing',
          include: ['test/testing/**/*.test.ts'],
          setupFiles: ['test/testing/setup.ts'],
          environment: 'node',
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'react',
          include: ['test/react/**/*.test.tsx'],
          environment: 'happy-dom',
        },
      },
      {
        resolve: { alias },
        test: {
          // The server engine against real ws servers on port 0 and a local JWKS, in-process and
          // fast enough for mutation testing; test/server/redis is server-redis, and
          // test/server/integration (the README example as a process) runs with the integration project.
          name: 'server-unit',
          include: ['test/server/*.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
      {
        resolve: { alias },
        test: {
          // redisKeys and redisHub against a private redis-server per file (a free 127.0.0.1 port,
          // stopped by PID): fast enough to run per mutant, so Stryker runs it too.
          name: 'server-redis',
          include: ['test/server/redis/*.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/conformance/**/*.test.ts', 'test/server/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
