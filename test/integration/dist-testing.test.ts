import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const path = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

describe('the built permsocket/testing entry', () => {
  it.each(['testing-smoke.mjs', 'testing-smoke.cjs'])('serves a real client through the app’s own msw when loaded as %s', async (file) => {
    const { stdout } = await run(process.execPath, [path(`./fixtures/${file}`)], { timeout: 15_000 });
    expect(JSON.parse(stdout.trim())).toEqual({ user: 'tester', data: { n: 1 }, requests: 1 });
  });

  it.each(['testing.js', 'testing.cjs'])('leaves msw out of %s: it imports the app’s copy', (file) => {
    const code = readFileSync(path(`../../dist/${file}`), 'utf8');
    expect(code).toMatch(/from ['"]msw['"]|require\(['"]msw['"]\)/);
    expect(code).not.toContain('WebSocketInterceptor');
  });

  it('is exported with types first, for import and require', () => {
    const pkg = JSON.parse(readFileSync(path('../../package.json'), 'utf8'));
    expect(pkg.exports['./testing']).toEqual({
      import: { types: './dist/testing.d.ts', default: './dist/testing.js' },
      require: { types: './dist/testing.d.cts', default: './dist/testing.cjs' },
    });
    expect(pkg.peerDependenciesMeta.msw).toEqual({ optional: true });
  });
});
