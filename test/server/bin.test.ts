/**
 * The `permsocket` executable hands the command line after `node <script>` to main() and exits
 * with the status main() answers. (test/integration/cli.test.ts runs the built bin itself.)
 */
import { afterEach, expect, it, vi } from 'vitest';
import { main } from '../../src/cli';

vi.mock('../../src/cli', () => ({ main: vi.fn(async () => 3) }));

const argv = process.argv;
const exitCode = process.exitCode;
afterEach(() => {
  process.argv = argv;
  process.exitCode = exitCode;
});

it('runs the command with the arguments after node and the script, and exits with its status', async () => {
  process.argv = ['/usr/bin/node', '/app/node_modules/.bin/permsocket', 'export-contract', 'contract.mjs'];
  await import('../../src/bin');
  expect(main).toHaveBeenCalledWith(['export-contract', 'contract.mjs']);
  await vi.waitFor(() => expect(process.exitCode).toBe(3));
});
