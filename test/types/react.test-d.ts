/**
 * Type tests of permsocket/react: the typed bindings check action names, payloads and event data
 * against the contract. Hooks are only called inside components that are never rendered; the
 * assertions are checked by `tsc --noEmit`.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type { Client, ConnectionState, PermissionSet } from 'permsocket';
import { createPermsocketReact, useCan, useClient, type PermsocketReact } from 'permsocket/react';
import { chatContract, type ChatContract, type Message } from '../../demo/contract';

const chat = createPermsocketReact<ChatContract>();

describe('permsocket/react types', () => {
  it('types the bindings by the contract', () => {
    expectTypeOf(chat).toEqualTypeOf<PermsocketReact<ChatContract>>();
    expectTypeOf(chat.useClient).returns.toEqualTypeOf<Client<ChatContract>>();
    expectTypeOf(chat.useConnectionState).returns.toEqualTypeOf<ConnectionState>();
    expectTypeOf(chat.usePermissions).returns.toEqualTypeOf<PermissionSet>();
    expectTypeOf(chat.useCan).returns.toBeBoolean();
    expectTypeOf(chatContract).toEqualTypeOf<ChatContract>();
  });

  it('checks useCan payloads against the action', () => {
    function Probe() {
      chat.useCan('chat.send', { room: 'general', text: 'hi' });
      chat.useCan('chat.send');
      // @ts-expect-error an action the contract does not declare
      chat.useCan('chat.edit', { room: 'general' });
      // @ts-expect-error chat.send needs a text
      chat.useCan('chat.send', { room: 'general' });
      // @ts-expect-error room is a string
      chat.useCan('chat.delete', { room: 1, id: 'x' });
      // The untyped hook takes any action name.
      useCan('anything.at_all', { whatever: true });
      return null;
    }
    expectTypeOf(Probe).returns.toBeNull();
  });

  it('types event data by the event name', () => {
    function Probe() {
      chat.useEvent('chat.message', (data) => {
        expectTypeOf(data).toEqualTypeOf<{ message: Message }>();
      });
      chat.useEvent('chat.deleted', (data) => {
        expectTypeOf(data).toEqualTypeOf<{ room: string; id: string }>();
      });
      // @ts-expect-error an event the contract does not declare
      chat.useEvent('chat.typing', () => undefined);
      chat.useClientEvent('permission-denied', (denial) => {
        expectTypeOf(denial.source).toEqualTypeOf<'local' | 'server'>();
      });
      return null;
    }
    expectTypeOf(Probe).returns.toBeNull();
  });

  it('types the props of <Can> by the action', () => {
    type SendProps = Parameters<typeof chat.Can<'chat.send'>>[0];
    expectTypeOf<SendProps['payload']>().toEqualTypeOf<{ room: string; text: string } | undefined>();
    function Probe() {
      // @ts-expect-error an action the contract does not declare
      return chat.Can({ action: 'chat.edit' });
    }
    expectTypeOf(Probe).returns.not.toBeAny();
  });

  it('lets an untyped useClient state its contract', () => {
    expectTypeOf(useClient<ChatContract>).returns.toEqualTypeOf<Client<ChatContract>>();
  });
});
