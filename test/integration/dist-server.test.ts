/**
 * The built `permsocket/server` entry: loadable as ESM and CJS with the same exports, and the
 * browser entries never carry its peer dependencies (ws, jose, ioredis). Needs the build.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const EXPORTS = 'AuthenticationError,ForbiddenError,RequestError,createServer,hs256,jwks,memoryHub,memoryKeys,memoryKeysDefaults,redisHub,redisKeys,serverDefaults';
const node = (args: string[]) => execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim();

describe('the built permsocket/server', () => {
  it('loads with require and with import, with the same exports', () => {
    expect(node(['-e', "console.log(Object.keys(require('permsocket/server')).sort().join(','))"])).toBe(EXPORTS);
    expect(node(['--input-type=module', '-e', "import * as s from 'permsocket/server'; console.log(Object.keys(s).sort().join(','))"])).toBe(EXPORTS);
  });

  it('verifies tokens through the CommonJS build (jose, ESM only, is imported on first use)', () => {
    const script = "const { hs256 } = require('permsocket/server'); hs256({ secret: 'x', audience: 'permsocket' })('a.b.c').catch((e) => console.log(e.name, e.message));";
    expect(node(['-e', script])).toBe('AuthenticationError token invalid (ERR_JWS_INVALID)');
  });

  it.each(['dist/index.js', 'dist/protocol.js', 'dist/react.js'])('keeps ws, jose and ioredis out of %s', async (entry) => {
    const result = await build({ entryPoints: [`${root}${entry}`], bundle: true, write: false, metafile: true, platform: 'browser', external: ['react', 'react-dom'], logLevel: 'silent' });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((input) => /node_modules\/(ws|jose|ioredis)\//.test(input))).toEqual([]);
  });
});
