/**
 * Type tests of permsocket/server: handlers are typed from the contract (the schema's output in,
 * the declared result out), every action needs one, and publish takes only the contract's events
 * with their data. Nothing here starts a server: the calls live in functions that never run.
 */
import { describe, expectTypeOf, it } from 'vitest';
import { createServer, hs256, type HandlerContext, type PermsocketServer } from 'permsocket/server';
import { chatContract, type ChatContract, type Message } from '../../demo/contract';

const base = {
  contract: chatContract,
  authenticate: hs256({ secret: 'x', audience: 'permsocket' }),
  loadPermissions: () => ({ version: 1, grants: [] }),
  allowedOrigins: ['https://app.example'],
};
const message: Message = { id: '1', room: 'general', text: 'hi', user: 'alice', at: 0 };

describe('createServer types', () => {
  it('types each handler from the contract and the server by its contract', () => {
    function neverRun() {
      const ps = createServer({
        ...base,
        handlers: {
          'chat.history': (payload, context) => {
            expectTypeOf(payload).toEqualTypeOf<{ room: string }>();
            expectTypeOf(context).toEqualTypeOf<HandlerContext>();
            expectTypeOf(context.user).toEqualTypeOf<{ id: string; name: string }>();
            expectTypeOf(context.signal).toEqualTypeOf<AbortSignal>();
            return { messages: [message] };
          },
          'chat.send': async ({ room, text }) => ({ message: { ...message, room, text } }),
          'chat.delete': () => ({}),
        },
      });
      expectTypeOf(ps).toEqualTypeOf<PermsocketServer<ChatContract>>();
      void ps.publish('chat.message', { message }, { permission: 'chat.view_message', resource: 'room:general' });
      void ps.publish('chat.deleted', { room: 'general', id: '1' }, { permission: null });
      // @ts-expect-error chat.edited is not an event of the contract
      void ps.publish('chat.edited', { message }, { permission: null });
      // @ts-expect-error chat.deleted carries { room, id }
      void ps.publish('chat.deleted', { message }, { permission: null });
      // @ts-expect-error 4000 is the client's own code
      void ps.disconnectUser('1', 4000, 'x');
    }
    expectTypeOf(neverRun).toBeFunction();
  });

  it('refuses a handler with the wrong result, and a missing handler', () => {
    function neverRun() {
      createServer({
        ...base,
        handlers: {
          // @ts-expect-error chat.history answers { messages }, not { message }
          'chat.history': () => ({ message }),
          'chat.send': () => ({ message }),
          'chat.delete': () => ({}),
        },
      });
      createServer({
        ...base,
        // @ts-expect-error chat.delete has no handler
        handlers: {
          'chat.history': () => ({ messages: [] }),
          'chat.send': () => ({ message }),
        },
      });
    }
    expectTypeOf(neverRun).toBeFunction();
  });
});
