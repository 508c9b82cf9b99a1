/**
 * The server started in-process (as the benchmarks use it): port 0, graceful shutdown that
 * finishes in-flight requests before closing every socket with 1001, and static files.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SUBPROTOCOL } from 'permsocket/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { RawClient, login } from '../conformance/helpers';
import type { TestServer } from '../conformance/server';
import { startInProcess, type InProcessServer } from './in-process';

describe('the in-process server', () => {
  const started: InProcessServer[] = [];
  const staticDir = mkdtempSync(join(tmpdir(), 'permsocket-static-'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>chat</title>');
  writeFileSync(join(staticDir, 'app.js'), 'console.log("chat")');
  writeFileSync(join(staticDir, 'app-36WXNOS2.js'), 'console.log("hashed")');

  afterAll(async () => {
    for (const server of started) await server.dispose();
    rmSync(staticDir, { recursive: true, force: true });
  });

  it('listens on the port it was given 0 for and reports it', async () => {
    const server = await startInProcess();
    started.push(server);
    expect(server.running.port).toBeGreaterThan(0);
    expect(server.running.url).toBe(`http://127.0.0.1:${server.running.port}`);
    expect((await fetch(`${server.httpUrl}/healthz`)).status).toBe(200);
  });

  it('finishes a request in flight, then closes every socket with 1001 on shutdown', async () => {
    let server: InProcessServer | undefined;
    // Shutdown starts in the middle of bob's request: right when the server refuses it.
    server = await startInProcess({
      onLog: (event) => {
        if (event === 'ws.denied') void server?.running.close();
      },
    });
    started.push(server);
    const asTest = server as unknown as TestServer;
    const bob = (await RawClient.signedIn(asTest, (await login(asTest, 'bob')).accessToken)).client;
    const idle = (await RawClient.signedIn(asTest, (await login(asTest, 'alice')).accessToken)).client;
    bob.send({ type: 'req', id: 'in-flight', action: 'chat.send', payload: { room: 'general', text: 'hi' } });
    expect((await bob.waitClosed()).code).toBe(1001);
    expect(bob.received('res')).toMatchObject([{ id: 'in-flight', ok: false, error: { code: 'permission_denied' } }]);
    expect((await idle.waitClosed()).code).toBe(1001);
    await server.running.close();
    await expect(fetch(`${server.httpUrl}/healthz`)).rejects.toThrow();
  });

  it('drops a socket that stops answering WebSocket pings', async () => {
    const server = await startInProcess({ overrides: { heartbeatMs: 100 } });
    started.push(server);
    const asTest = server as unknown as TestServer;
    const token = (await login(asTest, 'alice')).accessToken;
    const lively = (await RawClient.signedIn(asTest, token)).client;
    const silent = new WebSocket(server.wsUrl, [SUBPROTOCOL], { origin: server.origin, autoPong: false });
    silent.on('open', () => silent.send(JSON.stringify({ type: 'auth', token })));
    const code = await new Promise<number>((resolve) => silent.on('close', (closeCode) => resolve(closeCode)));
    expect(code).toBe(1006);
    expect(server.logs()).toMatch(/ws\.idle/);
    expect(lively.ws.readyState).toBe(WebSocket.OPEN);
    lively.close();
  });

  it('closes with 1013 a socket that stops reading while answers pile up, and keeps serving the others', async () => {
    const server = await startInProcess({ env: { RATE_LIMIT: 'off' }, overrides: { maxBufferedBytes: 256 * 1024 } });
    started.push(server);
    const asTest = server as unknown as TestServer;
    const token = (await login(asTest, 'alice')).accessToken;
    const writer = (await RawClient.signedIn(asTest, token)).client;
    // A full room makes every history answer about 200 KB.
    for (let i = 0; i < 100; i++) await writer.request('chat.send', { room: 'general', text: 'x'.repeat(2000) });
    const stalled = (await RawClient.signedIn(asTest, token)).client;
    stalled.ws.pause();
    // Enough answers to fill the kernel's socket buffers and then the server's own queue.
    for (let i = 0; i < 150; i++) stalled.send({ type: 'req', id: `h${i}`, action: 'chat.history', payload: { room: 'general' } });
    await expect.poll(() => server.logs(), { timeout: 10_000 }).toMatch(/ws\.refused .*"code":1013/);
    stalled.ws.resume();
    expect([1013, 1006]).toContain((await stalled.waitClosed()).code);
    expect(server.logs()).not.toContain(token);
    expect((await writer.request('chat.history', { room: 'general' })).ok).toBe(true);
    writer.close();
  });

  it('serves the built web app, falls back to index.html for app routes, and never serves outside its folder', async () => {
    const server = await startInProcess({ overrides: { staticDir } });
    started.push(server);
    const index = await fetch(`${server.httpUrl}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/text\/html/);
    expect(await (await fetch(`${server.httpUrl}/app.js`)).text()).toBe('console.log("chat")');
    expect(await (await fetch(`${server.httpUrl}/rooms/general`)).text()).toContain('<title>chat</title>');
    expect((await fetch(`${server.httpUrl}/..%2f..%2f..%2fetc%2fpasswd`)).status).toBe(404);
    expect(await (await fetch(`${server.httpUrl}/%2e%2e/%2e%2e/etc/passwd`)).text()).not.toContain('root:');
    expect((await fetch(`${server.httpUrl}/missing.js`)).status).toBe(404);
    const json = await fetch(`${server.httpUrl}/no/such/api.json`);
    expect(json.headers.get('content-type')).toMatch(/application\/json/);
  });

  it('lets browsers cache only content-hashed files, so a rebuilt app is never stale', async () => {
    const server = await startInProcess({ overrides: { staticDir } });
    started.push(server);
    expect((await fetch(`${server.httpUrl}/app-36WXNOS2.js`)).headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${server.httpUrl}/app.js`)).headers.get('cache-control')).toBe('no-cache');
    expect((await fetch(`${server.httpUrl}/`)).headers.get('cache-control')).toBe('no-cache');
  });
});
