/**
 * Type tests of the client's own API: listeners typed by event (on, once, off), ready(), dispose,
 * the debug entries and the error fields and closed code unions. Calls that must not compile live
 * in functions that are never run.
 */
import { describe, expectTypeOf, it } from 'vitest';
import {
  AuthError,
  ConnectionLostError,
  PermissionDeniedError,
  ProtocolError,
  QueueFullError,
  TimeoutError,
  createClient,
  type Client,
  type ConnectionState,
  type DebugEntry,
  type PermissionDenial,
  type PermsocketError,
  type ReadyOptions,
} from 'permsocket';
import { chatContract, type ChatContract } from '../../demo/contract';

const client = createClient({ url: 'ws://permsocket.test/ws', contract: chatContract, getToken: () => 'token', autoConnect: false });

describe('the client API types', () => {
  it('takes initialPermissions as { version, grants }, a PermissionSet or null, and nothing else', () => {
    const url = 'ws://permsocket.test/ws';
    const base = { url, contract: chatContract, getToken: () => 'token', autoConnect: false } as const;
    createClient({ ...base, initialPermissions: { version: 1, grants: ['chat.view_message'] } });
    createClient({ ...base, initialPermissions: client.permissions });
    createClient({ ...base, initialPermissions: null });
    const wrong = () => {
      // @ts-expect-error grants are strings
      createClient({ ...base, initialPermissions: { version: 1, grants: [1] } });
      // @ts-expect-error a version is required
      createClient({ ...base, initialPermissions: { grants: [] } });
    };
    void wrong;
  });

  it('types on, once and off listeners by event, and on/once return an unsubscribe function', () => {
    expectTypeOf(client.once('state', (state) => expectTypeOf(state).toEqualTypeOf<ConnectionState>())).toEqualTypeOf<() => void>();
    expectTypeOf(client.on('close', (info) => expectTypeOf(info).toEqualTypeOf<{ code: number; reason: string }>())).toEqualTypeOf<() => void>();
    expectTypeOf(client.off<'error'>).parameter(1).parameter(0).toEqualTypeOf<PermsocketError>();
    function neverRun(c: Client<ChatContract>) {
      // @ts-expect-error a state listener receives a state, not a number
      c.once('state', (state: number) => state);
      // @ts-expect-error there is no such event
      c.off('sometimes', () => {});
    }
    expectTypeOf(neverRun).toBeFunction();
  });

  it('types ready(), dispose and the debug option', () => {
    expectTypeOf(client.ready).parameter(0).toEqualTypeOf<ReadyOptions | undefined>();
    expectTypeOf(client.ready).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(client[Symbol.dispose]).returns.toBeVoid();
    createClient({
      url: 'ws://x',
      contract: chatContract,
      getToken: () => 't',
      autoConnect: false,
      debug: (entry) => expectTypeOf(entry).toEqualTypeOf<DebugEntry>(),
    });
  });

  it('gives each error class a closed code and its context as fields', () => {
    expectTypeOf<TimeoutError['code']>().toEqualTypeOf<'timeout'>();
    expectTypeOf<TimeoutError['sent']>().toEqualTypeOf<boolean>();
    expectTypeOf<TimeoutError['action']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<ConnectionLostError['code']>().toEqualTypeOf<'connection_lost'>();
    expectTypeOf<ConnectionLostError['sent']>().toEqualTypeOf<boolean>();
    expectTypeOf<AuthError['code']>().toEqualTypeOf<'unauthenticated' | 'forbidden'>();
    expectTypeOf<QueueFullError['code']>().toEqualTypeOf<'queue_full'>();
    expectTypeOf<ProtocolError['code']>().toEqualTypeOf<'protocol_error'>();
    expectTypeOf<PermissionDeniedError['code']>().toEqualTypeOf<'permission_denied'>();
    expectTypeOf(PermissionDeniedError).constructorParameters.toEqualTypeOf<[denial: PermissionDenial, message?: string | undefined]>();
    function neverRun() {
      // @ts-expect-error PermissionDeniedError takes one PermissionDenial, not positional arguments
      return new PermissionDeniedError('chat.send', 'chat.send_message', undefined, 'local');
    }
    expectTypeOf(neverRun).toBeFunction();
  });
});
