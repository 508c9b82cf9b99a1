/**
 * Every error class has its stable code and name, is a PermsocketError and an Error, and
 * isPermsocketError recognises it (with no class named, with its own name, and as the base class).
 * The errors come from the client wherever it makes them, so the check holds whatever they carry.
 */
import { describe, expect, it } from 'vitest';
import {
  AuthError,
  ConnectionLostError,
  PermissionDeniedError,
  PermsocketError,
  ProtocolError,
  QueueFullError,
  RequestError,
  TimeoutError,
  isPermsocketError,
  type ErrorName,
} from 'permsocket';
import { authOk, grantsOf, tick } from './fake-server';
import { useFakeServer } from './harness';

const { server, start } = useFakeServer();

function expectPermsocketError(error: unknown, name: ErrorName, code: string, type: abstract new (...args: never[]) => Error) {
  expect(error).toBeInstanceOf(type);
  expect(error).toBeInstanceOf(PermsocketError);
  expect(error).toBeInstanceOf(Error);
  expect(error).toMatchObject({ name, code });
  expect(isPermsocketError(error)).toBe(true);
  expect(isPermsocketError(error, 'PermsocketError')).toBe(true);
  expect(isPermsocketError(error, name)).toBe(true);
  const other: ErrorName = name === 'TimeoutError' ? 'AuthError' : 'TimeoutError';
  expect(isPermsocketError(error, other)).toBe(false);
}

describe('the default code of each error class', () => {
  it('is unauthenticated for AuthError, unless told forbidden', () => {
    expectPermsocketError(new AuthError('signed out'), 'AuthError', 'unauthenticated', AuthError);
    expect(new AuthError('no', { code: 'forbidden' }).code).toBe('forbidden');
  });

  it('is protocol_error for ProtocolError', () => {
    expectPermsocketError(new ProtocolError('bad frame'), 'ProtocolError', 'protocol_error', ProtocolError);
  });

  it('is the given code for the base class, named PermsocketError', () => {
    const error = new PermsocketError('bad_token', 'getToken returned nothing');
    expect(error).toMatchObject({ name: 'PermsocketError', code: 'bad_token', message: 'getToken returned nothing' });
    expect(isPermsocketError(error)).toBe(true);
    expect(isPermsocketError(error, 'PermsocketError')).toBe(true);
    expect(isPermsocketError(error, 'AuthError')).toBe(false);
  });

  it('is timeout for the TimeoutError of a request with no answer', async () => {
    server.script({ onRequest: () => null });
    const { client } = start();
    await tick(10);
    const outcome = client.request('chat.history', { room: 'general' }, { timeout: 1_000 }).catch((e: unknown) => e);
    await tick(1_001);
    expectPermsocketError(await outcome, 'TimeoutError', 'timeout', TimeoutError);
  });

  it('is connection_lost for the ConnectionLostError of a request the drop lost', async () => {
    server.script({ onRequest: () => null });
    const { client } = start();
    await tick(10);
    const outcome = client.request('chat.send', { room: 'general', text: 'x' }).catch((e: unknown) => e);
    await tick(10);
    server.last.close(1006);
    expectPermsocketError(await outcome, 'ConnectionLostError', 'connection_lost', ConnectionLostError);
  });

  it('is permission_denied for a PermissionDeniedError, local or from the server', async () => {
    server.script({
      onAuth: (token) => authOk(token, grantsOf(1, ['chat.view_message'])),
      onRequest: (f) => ({ type: 'res', id: f.id, ok: false, error: { code: 'permission_denied', message: 'no' } }),
    });
    const { client } = start();
    await tick(10);
    const local = await client.request('chat.send', { room: 'general', text: 'x' }).catch((e: unknown) => e);
    expectPermsocketError(local, 'PermissionDeniedError', 'permission_denied', PermissionDeniedError);
    const remote = await client.request('chat.history', { room: 'general' }).catch((e: unknown) => e);
    expectPermsocketError(remote, 'PermissionDeniedError', 'permission_denied', PermissionDeniedError);
  });

  it('is queue_full for the QueueFullError past maxQueued', async () => {
    const { client } = start({ maxQueued: 1 });
    void client.request('chat.history', { room: 'general' }).catch(() => {});
    const error = await client.request('chat.history', { room: 'random' }).catch((e: unknown) => e);
    expectPermsocketError(error, 'QueueFullError', 'queue_full', QueueFullError);
  });

  it('is the server\'s code for a RequestError', async () => {
    server.script({ onRequest: (f) => ({ type: 'res', id: f.id, ok: false, error: { code: 'not_found', message: 'no room' } }) });
    const { client } = start();
    await tick(10);
    const error = await client.request('chat.history', { room: 'lobby' }).catch((e: unknown) => e);
    expectPermsocketError(error, 'RequestError', 'not_found', RequestError);
  });

  it('is protocol_error for the ProtocolError a malformed frame causes', async () => {
    const errors: unknown[] = [];
    start({ on: { error: (e) => errors.push(e) } });
    await tick(10);
    server.last.sendRaw('{"type":"perms","version":"two"}');
    await tick(10);
    expect(errors).toHaveLength(1);
    expectPermsocketError(errors[0], 'ProtocolError', 'protocol_error', ProtocolError);
  });
});

describe('isPermsocketError on what is not a permsocket error', () => {
  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'PermsocketError'],
    ['a plain Error', new Error('x')],
    ['an object named like a class but without a code', { name: 'AuthError' }],
    ['an object named like the base class with a numeric code', { name: 'PermsocketError', code: 1 }],
    ['an object with a code and a name no class has', { name: 'Error', code: 'timeout' }],
  ])('is false for %s', (_, value) => {
    expect(isPermsocketError(value)).toBe(false);
    expect(isPermsocketError(value, 'PermsocketError')).toBe(false);
  });

  it('recognises an error of another copy of the library by its name and code', () => {
    expect(isPermsocketError({ name: 'PermsocketError', code: 'x', message: 'm' })).toBe(true);
    expect(isPermsocketError({ name: 'TimeoutError', code: 'timeout', message: 'm' }, 'TimeoutError')).toBe(true);
  });
});
