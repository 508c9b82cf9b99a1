/**
 * A connection's refusals and lifecycle log lines over a real ws server: the words of each
 * refusal a client reads (or a developer reads in ws.refused), frames that arrive after a refusal
 * and are not run, protocol errors before auth, and ws.open / ws.close with their fields.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Handlers } from 'permsocket/server';
import { expectServerClose } from '../conformance/helpers';
import { appsPerTest, startApp, type TestApp, type TestContract } from './harness';

// Each test's apps are stopped after it.
const app = appsPerTest();

const req = (id: string, action: string, payload: unknown) => ({ type: 'req', id, action, payload });

describe('refusals a client reads', () => {
  it.each([
    ['a ping', { type: 'ping' }, '"ping" before auth.ok'],
    ['a req without an action', { type: 'req', id: 'r1' }, '"req" before auth.ok'],
  ])('closes with 4401 %s before auth.ok, naming the frame', async (_, frame, message) => {
    const { open } = await app();
    const client = await open();
    client.send(frame);
    expect((await expectServerClose(client, 4401))?.error.message).toBe(message);
  });

  it("closes with 4400 'already authenticated' a second auth", async () => {
    const { signIn, token } = await app();
    const { client } = await signIn('1');
    client.send({ type: 'auth', token: await token('1') });
    expect((await expectServerClose(client, 4400))?.error.message).toBe('already authenticated');
  });

  it("closes with 4429 'too many frames' past the rate limit", async () => {
    const { signIn } = await app({ rateLimit: { burst: 2, perSecond: 1 } });
    const { client } = await signIn('1');
    client.sendTogether([{ type: 'ping' }, { type: 'ping' }]);
    expect((await expectServerClose(client, 4429))?.error.message).toBe('too many frames');
  });

  it('closes with 4406 saying which subprotocol to offer', async () => {
    const { open } = await app();
    const client = await open({ protocols: [] });
    expect((await expectServerClose(client, 4406))?.error.message).toBe('offer the subprotocol permsocket.v1');
  });

  it('runs nothing that arrives after a refusal, even in the same read', async () => {
    const started = await app();
    const { client } = await started.signIn('1');
    client.sendTogether([{ type: 'nonsense' }, req('late', 'note.slow', { ms: 0 }), { type: 'ping' }]);
    await expectServerClose(client, 4400);
    await new Promise((resolve) => setImmediate(resolve));
    expect(started.started).toEqual([]);
    expect(started.logs.filter((log) => log.event === 'ws.refused')).toHaveLength(1);
  });
});

describe('what the log says about a connection', () => {
  it('logs ws.open with the address and the connection id', async () => {
    const { open, logs } = await app();
    await open();
    await vi.waitFor(() => expect(logs).toContainEqual({ event: 'ws.open', fields: { ip: '127.0.0.1', connection: expect.stringMatching(/^c\d+$/) } }));
  });

  it('logs ws.close with the user, the address and the close code', async () => {
    const { signIn, logs } = await app();
    const { client } = await signIn('1');
    client.close();
    await vi.waitFor(() => expect(logs).toContainEqual({ event: 'ws.close', fields: { user: 'alice', ip: '127.0.0.1', code: 1000, connection: expect.any(String) } }));
  });

  it('logs why it refused a binary frame (1003), which carries no error frame', async () => {
    const { signIn, logs } = await app();
    const { client } = await signIn('1');
    client.ws.send(Buffer.from([1, 2, 3]));
    expect((await client.waitClosed()).code).toBe(1003);
    expect(client.frames.filter((frame) => frame.type === 'error')).toEqual([]);
    expect(logs).toContainEqual({
      event: 'ws.refused',
      fields: { user: 'alice', ip: '127.0.0.1', code: 1003, reason: 'binary frames are not supported', connection: expect.any(String) },
    });
  });

  it('logs a protocol error before auth (an oversize frame, 1009) without a user, and carries on serving others', async () => {
    const { open, signIn, logs } = await app({ maxPayload: 1024 });
    const early = await open();
    early.send(req('big', 'note.nothing', 'x'.repeat(2000)));
    expect((await early.waitClosed()).code).toBe(1009);
    await vi.waitFor(() =>
      expect(logs).toContainEqual({
        event: 'ws.protocol_error',
        fields: { user: undefined, ip: '127.0.0.1', reason: expect.stringContaining('Max payload size exceeded'), connection: expect.any(String) },
      }),
    );
    const { client } = await signIn('1');
    client.send({ type: 'ping' });
    await client.next('pong');
  });

  it("aborts a running handler's signal with the reason 'the connection closed' when the client leaves", async () => {
    const reasons: string[] = [];
    const handlers = {
      'note.add': () => null,
      'note.fail': () => null,
      'note.nothing': () => null,
      'note.bigint': () => null,
      'note.slow': () => null,
      'note.wait': (_payload: unknown, { signal }: { signal: AbortSignal }) =>
        new Promise((resolve) => signal.addEventListener('abort', () => (reasons.push((signal.reason as Error).message), resolve({ aborted: true })))),
    } as unknown as Handlers<TestContract>;
    const { signIn, logs } = await app({ handlers });
    const { client } = await signIn('1');
    client.send(req('w', 'note.wait', null));
    client.send({ type: 'ping' });
    await client.next('pong');
    client.close();
    await vi.waitFor(() => expect(reasons).toEqual(['the connection closed']));
    expect(logs.map((log) => log.event)).toContain('ws.close');
  });
});
