/**
 * The `permsocket` command's main() in-process, with its output captured: arguments, choosing the
 * contract, refusals and exit statuses. (test/integration/cli.test.ts runs the built bin.)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli';

const fixture = (name: string) => fileURLToPath(new URL(`../integration/fixtures/${name}`, import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'permsocket-cli-unit-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const status = await main(argv, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { status, stdout, stderr };
}

describe('permsocket main()', () => {
  it('prints the usage for --help with status 0', async () => {
    const result = await run('--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^usage: permsocket export-contract <module> \[--out <file>\] \[--name <export>\]\n/);
  });

  it('writes the only contract of a module to --out and says so on stderr', async () => {
    const file = join(out, 'blog.json');
    const result = await run('export-contract', fixture('contract-built.mjs'), '--out', file);
    expect(result).toEqual({ status: 0, stdout: '', stderr: `wrote ${file}\n` });
    expect(JSON.parse(readFileSync(file, 'utf8')).actions['post.view']).toEqual({ permission: 'blog.view_post', resource: 'post:{id}', idempotent: true, payload: null });
  });

  it('refuses a module that exports no contract, and one that does not exist', async () => {
    const none = await run('export-contract', fixture('no-contract.mjs'), '--name', 'nothing');
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/has no contract exported as "nothing"\n$/);
    const bare = await run('export-contract', fixture('no-contract.mjs'));
    expect(bare.stderr).toMatch(/exports no contract \(an object with actions and events made by defineContract\)\n$/);
    const missing = await run('export-contract', join(out, 'missing.mjs'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^permsocket: /);
  });

  it.each([
    [['export-contract', 'a.mjs', 'b.mjs'], 'one module only, got "a.mjs" and "b.mjs"'],
    [['export-contract', 'a.mjs', '--name', '--out'], '--name expects a value'],
    [['--version'], 'unknown command "--version"'],
  ])('answers %j with a usage error', async (argv, message) => {
    const result = await run(...argv);
    expect(result.status).toBe(2);
    expect(result.stderr.startsWith(`permsocket: ${message}\n\nusage:`)).toBe(true);
  });
});
