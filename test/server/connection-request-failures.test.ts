/**
 * How a request that cannot run normally is answered, and logged: an unknown action (its name cut
 * to 64 characters), a permission load that fails or refuses, a denied permission, a schema that
 * throws, a handler that returns nothing, a connection gone while permissions loaded, and request
 * ids still in flight.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { action, defineContract } from 'permsocket/protocol';
import { ForbiddenError } from 'permsocket/server';
import { expectServerClose, type Frame } from '../conformance/helpers';
import { appsPerTest, startApp, type TestApp } from './harness';

// Each test's apps are stopped after it.
const app = appsPerTest();

const req = (id: string, actionName: string, payload: unknown) => ({ type: 'req', id, action: actionName, payload });
const answer = (id: string) => (frame: Frame) => frame.type === 'res' && frame.id === id;
const internalErrors = (started: TestApp) => started.logs.filter((log) => log.event === 'ws.internal_error');

// An action name longer than the 64 characters a log or a message keeps of it.
const LONG = `board.${'x'.repeat(70)}`;
const throwingSchema = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: () => {
      throw new Error('schema exploded');
    },
  },
};
const oddContract = defineContract({
  actions: {
    [LONG]: action({ payload: throwingSchema as never, permission: null }),
    'note.void': action<null, null>({ permission: null }),
    'note.lock': action<null, null>({ permission: 'notes.lock_board' }),
  },
  events: {},
});
const oddApp = () => app({ contract: oddContract, handlers: { [LONG]: () => null, 'note.void': () => undefined, 'note.lock': () => null } } as never);

/** loadPermissions that works until `fail` is set: then it throws `fail`, or waits on `hold`. */
function switchableLoad() {
  const state: { fail?: unknown; hold?: Promise<void>; loads: number } = { loads: 0 };
  const loadPermissions = async () => {
    state.loads++;
    if (state.hold) await state.hold;
    if (state.fail) throw state.fail;
    return { version: 1, grants: ['notes.add_note'] };
  };
  return { state, loadPermissions };
}

describe('a request that cannot run normally', () => {
  it('names at most 64 characters of an unknown action in its answer', async () => {
    const { signIn } = await app();
    const { client } = await signIn('1');
    client.send(req('u', 'z'.repeat(100), null));
    expect((await client.next(answer('u'))).error).toEqual({ code: 'unknown_action', message: `unknown action "${'z'.repeat(64)}"` });
  });

  it('answers internal, keeps the socket open and logs the user, action and message when loadPermissions fails on a request', async () => {
    const { state, loadPermissions } = switchableLoad();
    const started = await app({ loadPermissions });
    const { client } = await started.signIn('1');
    state.fail = new Error('permissions store down');
    client.send(req('p', 'note.nothing', null));
    expect(await client.next(answer('p'))).toEqual({ type: 'res', id: 'p', ok: false, error: { code: 'internal', message: 'internal error' } });
    client.send({ type: 'ping' });
    await client.next('pong');
    expect(internalErrors(started)).toEqual([
      { event: 'ws.internal_error', fields: { user: 'alice', action: 'note.nothing', message: 'permissions store down', connection: expect.any(String) } },
    ]);
  });

  it("closes with 4403 and the word 'forbidden' when loadPermissions throws a ForbiddenError without a message, logging no internal error", async () => {
    const { state, loadPermissions } = switchableLoad();
    const started = await app({ loadPermissions });
    const { client } = await started.signIn('1');
    state.fail = new ForbiddenError('');
    client.send(req('f', 'note.nothing', null));
    expect((await expectServerClose(client, 4403))?.error.message).toBe('forbidden');
    await started.stop();
    expect(internalErrors(started)).toEqual([]);
  });

  it('runs no handler for a request whose connection closed while its permissions loaded', async () => {
    const { state, loadPermissions } = switchableLoad();
    const started = await app({ loadPermissions });
    const { client } = await started.signIn('1');
    let release!: () => void;
    state.hold = new Promise((resolve) => (release = resolve));
    const loads = state.loads;
    client.send(req('s', 'note.slow', { ms: 0 }));
    await vi.waitFor(() => expect(state.loads).toBe(loads + 1));
    client.close();
    await vi.waitFor(() => expect(started.logs.some((log) => log.event === 'ws.close')).toBe(true));
    release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(started.started).toEqual([]);
  });

  it('logs ws.denied with the user, the action, the permission and the resource', async () => {
    const started = await app();
    const { client } = await started.signIn('2');
    client.send(req('d', 'note.add', { board: 'general', text: 'x' }));
    await client.next(answer('d'));
    expect(started.logs).toContainEqual({
      event: 'ws.denied',
      fields: { user: 'bob', action: 'note.add', permission: 'notes.add_note', resource: 'board:general', connection: expect.any(String) },
    });
  });

  it('names only the permission when the denied action has no resource', async () => {
    const { signIn } = await oddApp();
    const { client } = await signIn('2');
    client.send(req('l', 'note.lock', null));
    expect((await client.next(answer('l'))).error).toEqual({ code: 'permission_denied', message: '"note.lock" needs notes.lock_board', permission: 'notes.lock_board' });
  });

  it('answers null for a handler that returns nothing', async () => {
    const { signIn } = await oddApp();
    const { client } = await signIn('1');
    client.send(req('v', 'note.void', null));
    expect(await client.next(answer('v'))).toEqual({ type: 'res', id: 'v', ok: true, data: null });
  });

  it('answers internal when the payload schema throws, logging the user, 64 characters of the action and the message', async () => {
    const started = await oddApp();
    const { client } = await started.signIn('1');
    client.send(req('t', LONG, {}));
    expect(await client.next(answer('t'))).toEqual({ type: 'res', id: 't', ok: false, error: { code: 'internal', message: 'internal error' } });
    expect(internalErrors(started)).toEqual([
      { event: 'ws.internal_error', fields: { user: 'alice', action: LONG.slice(0, 64), message: 'schema exploded', connection: expect.any(String) } },
    ]);
  });

  it('closes with 4400 naming the id of a request sent again while the first is in flight', async () => {
    const { signIn } = await app();
    const { client } = await signIn('1');
    client.sendTogether([req('same', 'note.slow', { ms: 100 }), req('same', 'note.slow', { ms: 100 })]);
    expect((await expectServerClose(client, 4400))?.error.message).toBe('request id "same" is already in flight');
  });

  it('closes with 4400 a malformed req whose id is still in flight, rather than answering it', async () => {
    const { signIn } = await app();
    const { client } = await signIn('1');
    client.sendTogether([req('busy', 'note.slow', { ms: 100 }), { type: 'req', id: 'busy' }]);
    expect((await expectServerClose(client, 4400))?.error.message).toBe('request id "busy" is already in flight');
    expect(client.received('res')).toEqual([]);
  });
});
