import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';

const run = promisify(execFile);
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const dist = fileURLToPath(new URL('../../dist/index.cjs', import.meta.url));

// A minimal server: selects the subprotocol, answers auth and echoes requests.
let server: WebSocketServer;
let url = '';
beforeAll(async () => {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (protocols) => (protocols.has('permsocket.v1') ? 'permsocket.v1' : false) });
  server.on('connection', (socket) => {
    socket.on('message', (raw) => {
      const frame = JSON.parse(String(raw)) as { type: string; id?: string; payload?: unknown };
      if (frame.type === 'auth') {
        const now = Date.now();
        socket.send(JSON.stringify({ type: 'auth.ok', user: { id: '1', name: 'smoke' }, exp: Math.floor(now / 1000) + 300, now, perms: { version: 1, grants: [] } }));
      } else if (frame.type === 'req') {
        socket.send(JSON.stringify({ type: 'res', id: frame.id, ok: true, data: frame.payload }));
      }
    });
  });
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  if (typeof address === 'string' || !address) throw new Error('no port');
  url = `ws://127.0.0.1:${address.port}/ws`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('the built package', () => {
  it('has been built (npm test builds it first)', () => {
    expect(existsSync(dist)).toBe(true);
  });

  it.each(['smoke.mjs', 'smoke.cjs'])('signs in and answers a request when loaded as %s', async (file) => {
    const { stdout } = await run(process.execPath, [fixture(file)], { env: { ...process.env, SMOKE_URL: url }, timeout: 15_000 });
    expect(JSON.parse(stdout.trim())).toEqual({ user: 'smoke', data: { n: 1 }, subprotocol: 'permsocket.v1' });
  });
});
