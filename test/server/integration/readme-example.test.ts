/**
 * The README's server example, copied out of the README with its contract (the "The contract"
 * example) and run as a Node process through tsx against the built package, then used by the SDK
 * client: the example must run as written and stay within 30 lines of app code.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { createClient, type Contract } from 'permsocket';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { freePort } from '../../conformance/helpers';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');

function block(after: string): string {
  const start = readme.indexOf(after);
  if (start < 0) throw new Error(`README has no "${after}"`);
  const match = /```ts\n([\s\S]*?)```/.exec(readme.slice(start));
  if (!match) throw new Error(`README has no ts block after "${after}"`);
  return match[1]!;
}

const serverExample = block('<!-- server-example');
const contractExample = block('## The contract');
const SECRET = 'readme-example-secret-0123456789abcdef';

describe("the README's server example", () => {
  // Inside the repository, so `permsocket/server` resolves to this package's build and zod is found.
  const dir = mkdtempSync(join(root, 'test/server/.readme-'));
  let child: ChildProcess;
  let port = 0;
  let output = '';

  beforeAll(async () => {
    writeFileSync(join(dir, 'contract.ts'), `export interface Message { id: string; room: string; text: string; user: string; at: number }\n${contractExample}`);
    writeFileSync(join(dir, 'server.ts'), serverExample);
    port = await freePort();
    child = spawn(process.execPath, ['--import', 'tsx', join(dir, 'server.ts')], {
      cwd: dir,
      env: { ...process.env, PORT: String(port), JWT_SECRET: SECRET },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
    // Listening once a TCP connection is accepted (the example's HTTP server answers no request).
    for (let attempt = 0; ; attempt++) {
      const answered = await new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => resolve(true));
        socket.once('error', () => resolve(false));
        socket.once('connect', () => socket.destroy());
      });
      if (answered) break;
      if (attempt > 150 || child.exitCode !== null) throw new Error(`the example did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 30_000);

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('is at most 30 lines of app code', () => {
    const code = serverExample.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('//'));
    expect(code.length).toBeLessThanOrEqual(30);
  });

  it('serves the SDK: a typed request, a refusal, an event, and a 1001 on SIGTERM', async () => {
    const token = await new SignJWT({ name: 'alice' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('42')
      .setAudience('permsocket')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(SECRET));
    const { chat } = (await import(join(dir, 'contract.ts'))) as { chat: Contract };
    class AppWebSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { origin: 'https://app.example' });
      }
    }
    const client = createClient({ url: `ws://127.0.0.1:${port}/ws`, contract: chat, getToken: () => token, WebSocket: AppWebSocket as never });
    try {
      await new Promise<void>((resolve) => {
        const off = client.on('ready', () => {
          off();
          resolve();
        });
      });
      expect(client.user).toEqual({ id: '42', name: 'alice' });
      const heard = new Promise((resolve) => client.onEvent('chat.message', resolve));
      const { message } = await client.request('chat.send', { room: 'general', text: 'hello from the README' });
      expect(message).toMatchObject({ room: 'general', text: 'hello from the README', user: 'alice' });
      expect(await heard).toEqual({ message });
      await expect(client.request('chat.send', { room: 'kitchen', text: 'x' })).rejects.toMatchObject({ code: 'not_found' });
      const closed = new Promise<number>((resolve) => client.on('close', ({ code }) => resolve(code)));
      child.kill('SIGTERM');
      expect(await closed).toBe(1001);
      await new Promise((resolve) => child.once('exit', resolve));
      expect(output).toBe('');
    } finally {
      client.close();
    }
  });
});
