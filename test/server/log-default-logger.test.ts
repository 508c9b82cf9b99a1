/**
 * The engine's default logger (no `logger` option): one line on stderr for each error event
 * (authenticate threw something unexpected, the hub failed, a handler threw) and nothing for the
 * everyday events of a connection.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expectServerClose } from '../conformance/helpers';
import { memoryHub, type Hub, type Logger } from 'permsocket/server';
import { errorLogger } from '../../src/server/log';
import { startApp, type TestApp } from './harness';

// The harness always sets a logger; an undefined one gives the engine's default, as if left out.
const defaultLogger = { logger: undefined as unknown as Logger };

let running: TestApp | undefined;
let lines: string[] = [];

afterEach(async () => {
  vi.restoreAllMocks();
  await running?.stop();
  running = undefined;
});

/** Captures what the engine writes to stderr (only its own lines). */
function captureStderr() {
  lines = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    const text = String(chunk);
    if (text.startsWith('permsocket ')) lines.push(text);
    return true;
  });
}

describe('the default logger', () => {
  it('writes a line for authenticate throwing something other than an AuthenticationError', async () => {
    captureStderr();
    running = await startApp({
      ...defaultLogger,
      authenticate: () => {
        throw new Error('identity provider unreachable');
      },
    });
    const client = await running.open();
    client.send({ type: 'auth', token: 'x' });
    await expectServerClose(client, 4401);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^permsocket ws\.auth_error ip="127\.0\.0\.1" message="identity provider unreachable" connection="[^"]+"\n$/);
  });

  it('writes a line when the hub fails to publish a permission push', async () => {
    captureStderr();
    const hub: Hub = { ...memoryHub(), publish: () => Promise.reject(new Error('broker gone')) };
    running = await startApp({ ...defaultLogger, hub });
    await expect(running.ps.pushPermissions('1')).rejects.toThrow('broker gone');
    expect(lines).toEqual(['permsocket hub.error kind="perms" message="broker gone"\n']);
  });

  it('writes nothing for a sign-in, a request and a close', async () => {
    captureStderr();
    running = await startApp(defaultLogger);
    const { client } = await running.signIn('1');
    expect((await client.request('note.add', { board: 'general', text: 'hi' })).ok).toBe(true);
    client.close();
    await client.waitClosed();
    expect(lines).toEqual([]);
  });

  it.each(['ws.internal_error', 'ws.auth_error', 'hub.error'])('writes %s, with its defined fields only', (event) => {
    captureStderr();
    errorLogger(event, { message: 'boom', code: 4401, user: undefined });
    expect(lines).toEqual([`permsocket ${event} message="boom" code=4401\n`]);
  });

  it.each(['ws.open', 'ws.auth', 'ws.refresh', 'ws.denied', 'ws.refused', 'ws.close', 'ws.protocol_error', ''])('does not write %j', (event) => {
    captureStderr();
    errorLogger(event, { message: 'boom' });
    expect(lines).toEqual([]);
  });
});
