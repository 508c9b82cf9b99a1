/**
 * The `permsocket export-contract` command, run as users run it: the built bin on plain Node for a
 * .js module, through tsx for a .ts one. Needs the build (npm test builds first).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'dist/cli.js');
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'permsocket-cli-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

async function permsocket(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd: root, timeout: 30_000 });
    return { status: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { status: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('permsocket export-contract', () => {
  it('writes the demo contract from its TypeScript module, byte for byte the committed demo/django/contract.json', async () => {
    const file = join(out, 'contract.json');
    const result = await permsocket('export-contract', 'demo/contract.ts', '--out', file);
    expect(result).toMatchObject({ status: 0, stderr: `wrote ${file}\n` });
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(join(root, 'demo/django/contract.json'), 'utf8'));
  });

  it('imports a built module with plain Node, finds its only contract and prints it to stdout', async () => {
    const result = await permsocket('export-contract', fixture('contract-built.mjs'));
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      actions: { 'post.view': { permission: 'blog.view_post', resource: 'post:{id}', idempotent: true, payload: null } },
      events: ['post.published'],
    });
  });

  it('picks a contract by --name and says so when the name exports none', async () => {
    expect((await permsocket('export-contract', fixture('contract-built.mjs'), '--name', 'blog')).status).toBe(0);
    const result = await permsocket('export-contract', fixture('contract-built.mjs'), '--name', 'VERSION');
    expect(result).toMatchObject({ status: 1, stderr: `permsocket: ${fixture('contract-built.mjs')} has no contract exported as "VERSION"\n` });
  });

  it('refuses a function resource with a message that says what to write instead, and writes nothing', async () => {
    const file = join(out, 'refused.json');
    const result = await permsocket('export-contract', fixture('contract-function-resource.mjs'), '--out', file);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `permsocket: action "chat.send": its resource is a function, which cannot leave JavaScript; write it as a template over payload fields, such as resource: 'room:{room}'\n`,
    );
    expect(() => readFileSync(file)).toThrow();
  });

  it.each([
    // Every usage error is in test/server/cli.test.ts; these two check the built bin's exit status.
    [[], 'no command given'],
    [['export-contract', 'a.js', '--force'], 'unknown option "--force"'],
  ])('answers %j with a usage error (exit status 2)', async (args, message) => {
    const result = await permsocket(...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^permsocket: ${message.replace(/[-"]/g, '\\$&')}\n\nusage: permsocket export-contract`));
  });
});
