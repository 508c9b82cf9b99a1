// StrykerJS mutation testing: `npm run mutation` (see docs/mutation.md for the policy).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // Only the fast projects (unit, react, testing, server-unit, server-redis): see vitest.stryker.config.ts.
  vitest: { configFile: 'vitest.stryker.config.ts' },
  // All of src/, so permsocket/server and permsocket/testing are covered as soon as they land.
  // Nothing is left out to raise a score: a mutant that cannot matter is disabled where it stands.
  mutate: ['src/**/*.ts', 'src/**/*.tsx', '!src/**/*.d.ts'],
  coverageAnalysis: 'perTest',
  // The machine has 2 cores.
  concurrency: 2,
  // Fake-timer tests advance minutes of fake time; a mutant that spins needs a hard stop.
  timeoutMS: 30_000,
  timeoutFactor: 3,
  dryRunTimeoutMinutes: 10,
  thresholds: { high: 95, low: 90, break: 90 },
  // Committed: a run on a change only tests the mutants the change touches.
  incremental: true,
  incrementalFile: 'stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportTests: false, reportScoreTable: true },
  // Not needed by the in-process tests, and large. The Django venv holds a lib64 symlink that the
  // sandbox copy cannot take (EISDIR), so it must stay out once the Django tests have made it.
  ignorePatterns: [
    'dist',
    'coverage',
    'bench/.tmp',
    'demo/web/dist',
    'demo/server/.data',
    'demo/django/.data',
    'demo/django/.venv',
    'permsocket-django/build',
    'permsocket-django/*.egg-info',
    '**/__pycache__',
    'test/e2e/artifacts',
  ],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
