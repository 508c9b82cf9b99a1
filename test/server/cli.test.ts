/**
 * The `permsocket` command's main() in-process, with its output captured: arguments, choosing the
 * contract, refusals and exit statuses. (test/integration/cli.test.ts runs the built bin.)
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli';

const root = fileURLToPath(new URL('../../', import.meta.url));
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

  it('prints the usage for -h too, and says so on stdout', async () => {
    const result = await run('-h');
    expect(result).toMatchObject({ status: 0, stderr: '' });
    expect(result.stdout).toContain('A .ts module needs tsx installed (npm install -D tsx)');
  });

  it('prints the contract as JSON to stdout when no --out is given', async () => {
    const result = await run('export-contract', fixture('contract-built.mjs'));
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      actions: { 'post.view': { permission: 'blog.view_post', resource: 'post:{id}', idempotent: true, payload: null } },
      events: ['post.published'],
    });
  });

  it('imports a TypeScript contract module through tsx, byte for byte the committed demo/django/contract.json', async () => {
    const result = await run('export-contract', join(root, 'demo/contract.ts'));
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(readFileSync(join(root, 'demo/django/contract.json'), 'utf8'));
  });

  it('takes the default export over another contract of the module', async () => {
    const result = await run('export-contract', fixture('contract-default.mjs'));
    expect(Object.keys(JSON.parse(result.stdout).actions)).toEqual(['post.view']);
    const named = await run('export-contract', fixture('contract-default.mjs'), '--name', 'draft');
    expect(Object.keys(JSON.parse(named.stdout).actions)).toEqual(['draft.view']);
  });

  it('asks for --name when a module exports several contracts, naming them', async () => {
    const result = await run('export-contract', fixture('contract-several.mjs'));
    expect(result).toEqual({
      status: 1,
      stdout: '',
      stderr: `permsocket: ${fixture('contract-several.mjs')} exports several contracts (blog, shop): choose one with --name\n`,
    });
    const chosen = await run('export-contract', fixture('contract-several.mjs'), '--name', 'shop');
    expect(JSON.parse(chosen.stdout).actions).toEqual({ 'cart.view': { permission: 'shop.view_cart', resource: null, idempotent: false, payload: null } });
  });

  it.each(['default', 'noEvents', 'nullEvents', 'stringActions', 'stringEvents', 'text', 'nothing'])(
    'does not take the export %s, which only looks like a contract, for one',
    async (name) => {
      const result = await run('export-contract', fixture('contract-lookalikes.mjs'), '--name', name);
      expect(result).toEqual({ status: 1, stdout: '', stderr: `permsocket: ${fixture('contract-lookalikes.mjs')} has no contract exported as "${name}"\n` });
    },
  );

  it('finds no contract among exports that only look like one', async () => {
    const result = await run('export-contract', fixture('contract-lookalikes.mjs'));
    expect(result.stderr).toBe(
      `permsocket: ${fixture('contract-lookalikes.mjs')} exports no contract (an object with actions and events made by defineContract)\n`,
    );
  });

  it('refuses a function resource with a message that says what to write instead, and writes nothing', async () => {
    const file = join(out, 'refused.json');
    const result = await run('export-contract', fixture('contract-function-resource.mjs'), '--out', file);
    expect(result).toEqual({
      status: 1,
      stdout: '',
      stderr: `permsocket: action "chat.send": its resource is a function, which cannot leave JavaScript; write it as a template over payload fields, such as resource: 'room:{room}'\n`,
    });
    expect(() => readFileSync(file)).toThrow();
  });

  it('reports a module that throws something other than an Error with what it threw', async () => {
    const result = await run('export-contract', fixture('throws-string.mjs'));
    expect(result).toEqual({ status: 1, stdout: '', stderr: 'permsocket: the database is not configured\n' });
  });

  it.each([
    [[], 'no command given'],
    [['export'], 'unknown command "export"'],
    [['export-contract'], 'export-contract expects a module path'],
    [['export-contract', 'a.js', '--out'], '--out expects a value'],
    [['export-contract', 'a.js', '--out', '--name', 'x'], '--out expects a value'],
    [['export-contract', 'a.js', '--force'], 'unknown option "--force"'],
  ])('answers %j with a usage error and writes nothing to stdout', async (argv, message) => {
    const result = await run(...argv);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`permsocket: ${message}\n\n${(await run('--help')).stdout}`);
  });
});

describe('permsocket main() without streams of its own', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes to the process stdout and stderr', async () => {
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await main(['--help'])).toBe(0);
    expect(String(stdout.mock.calls[0]?.[0])).toMatch(/^usage: permsocket export-contract/);
    expect(await main(['export'])).toBe(2);
    expect(String(stderr.mock.calls[0]?.[0])).toMatch(/^permsocket: unknown command "export"\n\nusage:/);
  });
});

describe('permsocket main() in a project without tsx', () => {
  afterEach(() => {
    vi.doUnmock('tsx/esm/api');
    vi.resetModules();
  });

  async function runWithoutTsx(...argv: string[]) {
    vi.doMock('tsx/esm/api', () => {
      throw new Error("Cannot find package 'tsx'");
    });
    vi.resetModules();
    const { main: fresh } = await import('../../src/cli');
    let stdout = '';
    let stderr = '';
    const status = await fresh(argv, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
    return { status, stdout, stderr };
  }

  it.each(['demo/contract.ts', 'demo/contract.mts', 'demo/contract.cts'])('says to install tsx or pass the built module when given %s', async (module) => {
    expect(await runWithoutTsx('export-contract', module)).toEqual({
      status: 1,
      stdout: '',
      stderr: `permsocket: ${module} is TypeScript: install tsx (npm install -D tsx) or pass the built .js module\n`,
    });
  });

  it('imports a built module with plain Node, even from a folder whose name holds .ts', async () => {
    const folder = join(out, 'types.ts', 'dist');
    mkdirSync(folder, { recursive: true });
    const module = join(folder, 'contract.mjs');
    copyFileSync(fixture('contract-built.mjs'), module);
    const result = await runWithoutTsx('export-contract', module);
    expect(result.stderr).toBe('');
    expect(Object.keys(JSON.parse(result.stdout).actions)).toEqual(['post.view']);
  });
});
