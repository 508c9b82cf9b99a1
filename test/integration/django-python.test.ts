/**
 * Runs the Python tests: permsocket-django's own (settings checks, backends with UUID keys, the
 * consumer base class and its query cost, fan-out, frames, contract) and the demo's (channel-layer
 * group membership across refreshes, pushes behind a burst of events), each in the demo's
 * virtual environment where the package is pip-installed.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { djangoPython, djangoUnavailable } from '../conformance/django-server';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const missing = djangoUnavailable();
if (missing && process.env.CI === 'true') throw new Error(missing);
if (missing) console.warn(`\nSkipping the Django Python unit tests: ${missing}\n`);

async function unittest(python: string, folder: string) {
  return run(python, ['-m', 'unittest', 'discover', '-s', 'tests', '-t', '.'], { cwd: `${repoRoot}${folder}`, timeout: 120_000 })
    .then(({ stderr }) => ({ ok: true, stderr }))
    .catch((error: { stderr?: string }) => ({ ok: false, stderr: error.stderr ?? String(error) }));
}

describe.skipIf(missing !== null)('the Django side in Python', () => {
  let python: string;
  beforeAll(() => {
    python = djangoPython();
  }, 120_000);

  it('passes the unit tests of permsocket-django', async () => {
    const result = await unittest(python, 'permsocket-django');
    expect(result.ok, result.stderr).toBe(true);
    expect(result.stderr).toMatch(/\bOK\b/);
  }, 120_000);

  it('passes the unit tests of the demo Django project', async () => {
    const result = await unittest(python, 'demo/django');
    expect(result.ok, result.stderr).toBe(true);
    expect(result.stderr).toMatch(/\bOK\b/);
  }, 120_000);
});
