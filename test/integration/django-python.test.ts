/**
 * Runs the Django server's Python tests: frame parsing, validation, rate limit, contract, and the
 * consumer's channel-layer group membership across refreshes.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PYTHON, djangoUnavailable } from '../conformance/django-server';

const run = promisify(execFile);
const djangoDir = fileURLToPath(new URL('../../demo/django', import.meta.url));
const missing = djangoUnavailable();
if (missing && process.env.CI === 'true') throw new Error(missing);
if (missing) console.warn(`\nSkipping the Django Python unit tests: ${missing}\n`);

describe.skipIf(missing !== null)('the Django server in Python', () => {
  it('passes its unit tests', async () => {
    const result = await run(PYTHON, ['-m', 'unittest', 'discover', '-s', 'tests', '-t', '.'], { cwd: djangoDir, timeout: 60_000 })
      .then(({ stderr }) => ({ ok: true, stderr }))
      .catch((error: { stderr?: string }) => ({ ok: false, stderr: error.stderr ?? String(error) }));
    expect(result.ok, result.stderr).toBe(true);
    expect(result.stderr).toMatch(/\bOK\b/);
  });
});
