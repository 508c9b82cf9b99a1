/**
 * The vitest config StrykerJS runs (`npm run mutation`): the fast in-process projects of
 * vitest.config.ts and nothing else. The vitest runner cannot pick projects itself, and the
 * integration and e2e projects (real servers, Chromium) are far too slow to run per mutant.
 * server-redis is in: each of its files starts one private redis-server, which takes milliseconds.
 * A project listed here that does not exist yet (server-unit) is simply skipped until it lands.
 */
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import base from './vitest.config';

const MUTATION_PROJECTS = new Set(['unit', 'react', 'testing', 'server-unit', 'server-redis']);

const projects = (base.test?.projects ?? []) as TestProjectInlineConfiguration[];

export default defineConfig({
  ...(base.resolve ? { resolve: base.resolve } : {}),
  test: {
    projects: projects
      .filter((project) => MUTATION_PROJECTS.has(project.test?.name as string))
      // Instrumented code with per-test coverage runs several times slower, on a shared machine.
      // isolate: false shares one module cache among a run's test files (the whole suite: 17 s
      // against 110 s isolated). Static mutants are still tested: the runner starts each mutant's
      // run in a fresh worker thread, so module-level code runs again under that mutant.
      .map((project) => ({ ...project, test: { ...project.test, testTimeout: 30_000, isolate: false } })),
  },
});
