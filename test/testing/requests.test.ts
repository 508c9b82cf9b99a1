import { describe, expect, it, vi } from 'vitest';
import { PermissionDeniedError, RequestError, isPermsocketError, type PermissionSet } from 'permsocket';
import type { SentRequest } from 'permsocket/testing';
import type { ChatContract, Message } from '../../demo/contract';
import { rawSocket, tick, useFake } from './harness';

const message: Message = { id: 'm1', room: 'general', text: 'hi', user: 'alice', at: 0 };
const handlerErrors: unknown[] = [];
const { fake, connect } = useFake({
  grants: ['chat.view_message', 'chat.send_message'],
  handlers: {
    'chat.history': () => ({ messages: [message] }),
    'chat.send': ({ room, text }, { user }) => ({ message: { ...message, room, text, user: user.name } }),
  },
  onHandlerError: (error) => handlerErrors.push(error),
});

async function ready() {
  const client = connect();
  await tick(0);
  expect(client.state).toBe('ready');
  return client;
}

/** Settles a promise into a value or an error, for asserting on rejections without unhandled ones. */
const settle = <T>(promise: Promise<T>) => promise.then((value) => ({ value }), (error: unknown) => ({ error }));

describe('handlers', () => {
  it('answers a request with the handler’s result, and records what the client sent', async () => {
    const client = await ready();
    await expect(client.request('chat.send', { room: 'random', text: 'yo' })).resolves.toEqual({
      message: { ...message, room: 'random', text: 'yo', user: 'alice' },
    });
    const sent: readonly SentRequest<ChatContract>[] = fake.requests;
    expect(sent).toEqual([{ id: expect.any(String), action: 'chat.send', payload: { room: 'random', text: 'yo' } }]);
    const first = sent[0]!;
    // Narrowing on the action types the payload.
    if (first.action === 'chat.send') expect(first.payload.text).toBe('yo');
  });

  it('gives the handler the user and the grants it was checked with', async () => {
    const seen: Array<{ user: unknown; permissions: PermissionSet }> = [];
    fake.use({ 'chat.history': (_payload, context) => (seen.push(context), { messages: [] }) });
    const client = await ready();
    await client.request('chat.history', { room: 'general' });
    expect(seen[0]!.user).toEqual({ id: '1', name: 'alice' });
    expect(seen[0]!.permissions.can('chat.send_message', 'room:general')).toBe(true);
  });

  it('answers the code of a RequestError the handler throws', async () => {
    fake.use({
      'chat.history': ({ room }) => {
        throw new RequestError('not_found', `no room "${room}"`, 'chat.history');
      },
    });
    const client = await ready();
    const outcome = await settle(client.request('chat.history', { room: 'attic' }));
    expect(isPermsocketError('error' in outcome ? outcome.error : null, 'RequestError')).toBe(true);
    expect(outcome).toMatchObject({ error: { code: 'not_found', message: 'no room "attic"' } });
  });

  it('answers internal, without the message, when a handler throws anything else, and reports it', async () => {
    const bug = new Error('database password is hunter2');
    fake.use({
      'chat.history': () => {
        throw bug;
      },
    });
    const client = await ready();
    const outcome = await settle(client.request('chat.history', { room: 'general' }));
    expect(outcome).toMatchObject({ error: { code: 'internal', message: 'internal error' } });
    expect(handlerErrors.at(-1)).toBe(bug);
  });

  it('answers internal and names the option when an action has no handler', async () => {
    fake.setGrants(['*']);
    const client = await ready();
    const outcome = await settle(client.request('chat.delete', { room: 'general', id: 'm1' }));
    expect(outcome).toMatchObject({ error: { code: 'internal', message: expect.stringContaining('no handler for "chat.delete"') } });
  });

  it('keeps a handler from use() until reset()', async () => {
    fake.use({ 'chat.history': () => ({ messages: [] }) });
    let client = await ready();
    await expect(client.request('chat.history', { room: 'general' })).resolves.toEqual({ messages: [] });
    client.close();
    fake.reset();
    client = await ready();
    await expect(client.request('chat.history', { room: 'general' })).resolves.toEqual({ messages: [message] });
  });

  it('aborts the handler’s signal when the connection goes away', async () => {
    let signal: AbortSignal | undefined;
    fake.use({ 'chat.history': (_payload, context) => ((signal = context.signal), new Promise(() => undefined)) });
    const client = await ready();
    void settle(client.request('chat.history', { room: 'general' }));
    await tick(0);
    expect(signal?.aborted).toBe(false);
    fake.drop();
    expect(signal?.aborted).toBe(true);
  });
});

describe('the server-side permission check', () => {
  it('refuses with permission_denied, pushing the newer perms before the refusal', async () => {
    const client = await ready();
    const order: string[] = [];
    client.on('permissions', (set) => order.push(`perms v${set.version}`));
    client.on('permission-denied', (denial) => order.push(`denied by ${denial.source}`));
    // Revoked on the server only: the client still thinks it may send.
    fake.setGrants(['chat.view_message'], { push: false });
    expect(client.can('chat.send', { room: 'general', text: 'hi' })).toBe(true);
    const outcome = await settle(client.request('chat.send', { room: 'general', text: 'hi' }));
    expect((outcome as { error: unknown }).error).toBeInstanceOf(PermissionDeniedError);
    expect(outcome).toMatchObject({ error: { source: 'server', permission: 'chat.send_message', resource: 'room:general' } });
    expect(order).toEqual(['perms v2', 'denied by server']);
    expect(client.can('chat.send', { room: 'general', text: 'hi' })).toBe(false);
  });

  it('follows the contract’s resource rule: a grant on one room does not open another', async () => {
    const raw = rawSocket();
    await tick(0);
    raw.send({ type: 'auth', token: fake.token() });
    await tick(0);
    fake.setGrants(['chat.view_message', 'chat.send_message@room:general']);
    raw.send({ type: 'req', id: 'a', action: 'chat.send', payload: { room: 'general', text: 'ok' } });
    raw.send({ type: 'req', id: 'b', action: 'chat.send', payload: { room: 'random', text: 'no' } });
    await tick(0);
    const answers = raw.received.filter((frame) => frame.type === 'res').sort((x, y) => String(x.id).localeCompare(String(y.id)));
    expect(answers).toEqual([
      { type: 'res', id: 'a', ok: true, data: expect.any(Object) },
      {
        type: 'res',
        id: 'b',
        ok: false,
        error: { code: 'permission_denied', message: '"chat.send" needs chat.send_message on room:random', permission: 'chat.send_message', resource: 'room:random' },
      },
    ]);
  });

  it('checks the payload’s shape before the permission', async () => {
    fake.setGrants([]);
    const raw = rawSocket();
    await tick(0);
    raw.send({ type: 'auth', token: fake.token() });
    raw.send({ type: 'req', id: 'a', action: 'chat.send', payload: { room: 'general', text: '' } });
    await tick(0);
    expect(raw.received.at(-1)).toMatchObject({ type: 'res', id: 'a', ok: false, error: { code: 'bad_request' } });
  });

  it('answers unknown_action for an action the contract lacks, and stays open', async () => {
    const raw = rawSocket();
    await tick(0);
    raw.send({ type: 'auth', token: fake.token() });
    raw.send({ type: 'req', id: 'a', action: 'chat.nope', payload: {} });
    raw.send({ type: 'ping' });
    await tick(0);
    expect(raw.received).toContainEqual({ type: 'res', id: 'a', ok: false, error: { code: 'unknown_action', message: 'unknown action "chat.nope"' } });
    expect(raw.received).toContainEqual({ type: 'pong' });
    expect(raw.closed).toBeNull();
    expect(fake.requests).toEqual([]);
  });
});

describe('latency', () => {
  it('delays every answer by the latency, on the faked clock', async () => {
    const client = await ready();
    fake.setLatency(200);
    const answered = vi.fn();
    void client.request('chat.history', { room: 'general' }).then(answered);
    await tick(199);
    expect(answered).not.toHaveBeenCalled();
    await tick(1);
    expect(answered).toHaveBeenCalledWith({ messages: [message] });
  });

  it('keeps the error frame ahead of the close it announces', async () => {
    fake.setLatency(50);
    const raw = rawSocket();
    await tick(0);
    raw.send({ type: 'hello' });
    await tick(49);
    expect(raw.received).toEqual([]);
    await tick(1);
    expect(raw.received).toEqual([{ type: 'error', error: { code: 'bad_request', message: 'unknown frame type "hello"' } }]);
    expect(raw.closed?.code).toBe(4400);
  });
});
