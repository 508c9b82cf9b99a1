/**
 * Type tests of permsocket/testing: handlers, emit and the recorded requests are typed from the
 * contract. Checked by `tsc --noEmit`; the fakes are built inside functions that never run.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type { WebSocketHandler } from 'msw';
import type { PermissionSet, UserInfo } from 'permsocket';
import { permsocketServer, type FakePermsocketServer, type SentRequest } from 'permsocket/testing';
import { chatContract, type ChatContract, type Message } from '../../demo/contract';

const message: Message = { id: '1', room: 'general', text: 'hi', user: 'alice', at: 0 };

describe('permsocket/testing types', () => {
  it('types the fake by the contract', () => {
    function build() {
      const fake = permsocketServer(chatContract, { url: 'wss://app.test/ws' });
      expectTypeOf(fake).toEqualTypeOf<FakePermsocketServer<ChatContract>>();
      expectTypeOf(fake.handler).toEqualTypeOf<WebSocketHandler>();
      expectTypeOf(fake.permissions).toEqualTypeOf<PermissionSet>();
    }
    void build;
  });

  it('checks handlers against the actions’ payloads and results', () => {
    function build() {
      permsocketServer(chatContract, {
        url: 'wss://app.test/ws',
        handlers: {
          'chat.history': ({ room }, { user, permissions, signal }) => {
            expectTypeOf(room).toBeString();
            expectTypeOf(user).toEqualTypeOf<UserInfo>();
            expectTypeOf(permissions).toEqualTypeOf<PermissionSet>();
            expectTypeOf(signal).toEqualTypeOf<AbortSignal>();
            return { messages: [message] };
          },
          'chat.send': async ({ text }) => ({ message: { ...message, text } }),
        },
      });
      permsocketServer(chatContract, {
        url: 'wss://app.test/ws',
        // @ts-expect-error the result of chat.history is { messages }
        handlers: { 'chat.history': () => ({ message }) },
      });
      permsocketServer(chatContract, {
        url: 'wss://app.test/ws',
        // @ts-expect-error an action the contract does not declare
        handlers: { 'chat.edit': () => ({}) },
      });
    }
    void build;
  });

  it('types emit by the contract’s events and requests by their action', () => {
    function use(fake: FakePermsocketServer<ChatContract>) {
      fake.emit('chat.message', { message });
      fake.emit('chat.deleted', { room: 'general', id: '1' }, { permission: 'chat.view_message', resource: 'room:general' });
      // @ts-expect-error chat.message carries { message }
      fake.emit('chat.message', { room: 'general' });
      // @ts-expect-error an event the contract does not declare
      fake.emit('chat.typing', {});
      fake.use({ 'chat.delete': () => ({}) });
      // @ts-expect-error chat.delete answers an empty object
      fake.use({ 'chat.delete': () => ({ deleted: 1 }) });

      const request = fake.requests[0]!;
      expectTypeOf(request).toEqualTypeOf<SentRequest<ChatContract>>();
      if (request.action === 'chat.send') expectTypeOf(request.payload).toEqualTypeOf<{ room: string; text: string }>();
      if (request.action === 'chat.delete') expectTypeOf(request.payload).toEqualTypeOf<{ room: string; id: string }>();
    }
    void use;
  });
});
