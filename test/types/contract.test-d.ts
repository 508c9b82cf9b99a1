/**
 * Type tests of the contract flowing into createClient: payloads, results and event data are
 * checked by `tsc --noEmit`. Calls that must not compile live in functions that are never run;
 * the it() blocks also run, on clients created with `autoConnect: false` so nothing connects.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  action,
  createClient,
  defineContract,
  event,
  type ActionName,
  type Client,
  type ConnectionState,
  type EventDataOf,
  type EventName,
  type PayloadOf,
  type PermissionDenial,
  type ResultOf,
  type TokenReason,
} from 'permsocket';
import { chatContract, type ChatContract, type Message } from '../../demo/contract';

const URL = 'ws://permsocket.test/ws';

function chatClient() {
  return createClient({ url: URL, contract: chatContract, getToken: () => 'token', autoConnect: false });
}

describe('the chat contract types the client', () => {
  it('infers Client<ChatContract> from the contract option and starts closed without autoConnect', () => {
    const client = chatClient();
    expectTypeOf(client).toEqualTypeOf<Client<ChatContract>>();
    expectTypeOf(client.state).toEqualTypeOf<ConnectionState>();
    expect(client.state).toBe('closed');
    expect(client.contract).toBe(chatContract);
  });

  it('types request("chat.send") as Promise<{ message: Message }> (and a closed client rejects it)', async () => {
    const client = chatClient();
    const sent = client.request('chat.send', { room: 'general', text: 'hi' });
    expectTypeOf(sent).toEqualTypeOf<Promise<{ message: Message }>>();
    await expect(sent).rejects.toMatchObject({ name: 'ConnectionLostError', code: 'connection_lost' });

    const history = client.request('chat.history', { room: 'general' }, { timeout: 1_000 });
    expectTypeOf(history).toEqualTypeOf<Promise<{ messages: Message[] }>>();
    await expect(history).rejects.toMatchObject({ name: 'ConnectionLostError' });
  });

  it('refuses a wrong payload field, a missing field, a wrong field type and an unknown action at compile time', () => {
    function neverRun(client: Client<ChatContract>) {
      // @ts-expect-error 'txt' is not a field of chat.send's payload
      void client.request('chat.send', { room: 'general', txt: 'hi' });
      // @ts-expect-error chat.send needs a text
      void client.request('chat.send', { room: 'general' });
      // @ts-expect-error room is a string
      void client.request('chat.history', { room: 1 });
      // @ts-expect-error chat.history needs a payload
      void client.request('chat.history');
      // @ts-expect-error chat.edit is not an action of the contract
      void client.request('chat.edit', { room: 'general', text: 'hi' });
      // @ts-expect-error a timeout is a number of milliseconds
      void client.request('chat.history', { room: 'general' }, { timeout: '1s' });
    }
    expectTypeOf(neverRun).parameter(0).toEqualTypeOf<Client<ChatContract>>();
  });

  it('types the result once awaited', () => {
    async function neverRun(client: Client<ChatContract>) {
      const { message } = await client.request('chat.send', { room: 'general', text: 'hi' });
      expectTypeOf(message).toEqualTypeOf<Message>();
      expectTypeOf(message.at).toBeNumber();
      // @ts-expect-error chat.send answers a message, not a list
      void (await client.request('chat.send', { room: 'general', text: 'hi' })).messages;
      const deleted = await client.request('chat.delete', { room: 'general', id: 'm1' });
      expectTypeOf(deleted).toEqualTypeOf<Record<string, never>>();
    }
    expectTypeOf(neverRun).returns.resolves.toBeVoid();
  });

  it('types onEvent listeners by event name and returns an unsubscribe function', () => {
    const client = chatClient();
    const off = client.onEvent('chat.message', (data) => {
      expectTypeOf(data).toEqualTypeOf<{ message: Message }>();
      expectTypeOf(data.message.text).toBeString();
    });
    expectTypeOf(off).toEqualTypeOf<() => void>();
    expect(off()).toBeUndefined();

    const offDeleted = client.onEvent('chat.deleted', (data) => {
      expectTypeOf(data).toEqualTypeOf<{ room: string; id: string }>();
    });
    offDeleted();
    client.onEvent('chat.message', (d) => d.message.text)();
  });

  it('refuses an unknown event and a listener of the wrong data type at compile time', () => {
    function neverRun(client: Client<ChatContract>) {
      // @ts-expect-error chat.typing is not an event of the contract
      client.onEvent('chat.typing', () => {});
      // @ts-expect-error chat.message carries { message }, not { room }
      client.onEvent('chat.message', (data: { room: string }) => data.room);
      client.onEvent('chat.message', (data) => {
        // @ts-expect-error the text is a string
        const length: number = data.message.text;
        return length;
      });
      // @ts-expect-error chat.deleted carries no message
      client.onEvent('chat.deleted', (data) => data.message);
    }
    expectTypeOf(neverRun).toBeFunction();
  });

  it('types the onEvent and on listeners given as options', () => {
    const client = createClient({
      url: URL,
      contract: chatContract,
      getToken: ({ reason }) => {
        expectTypeOf(reason).toEqualTypeOf<TokenReason>();
        expectTypeOf(reason).toEqualTypeOf<'connect' | 'refresh' | 'rejected'>();
        return 'token';
      },
      autoConnect: false,
      onEvent: { 'chat.message': (data) => expectTypeOf(data.message).toEqualTypeOf<Message>() },
      on: { 'permission-denied': (denial) => expectTypeOf(denial).toEqualTypeOf<PermissionDenial>() },
    });
    expect(client.state).toBe('closed');

    function neverRun() {
      createClient({
        url: URL,
        contract: chatContract,
        getToken: () => 'token',
        // @ts-expect-error chat.typing is not an event of the contract
        onEvent: { 'chat.typing': () => {} },
      });
    }
    expectTypeOf(neverRun).toBeFunction();
  });

  it('checks can() payloads against the action', () => {
    const client = chatClient();
    expectTypeOf(client.can('chat.send', { room: 'general', text: 'hi' })).toBeBoolean();
    // A closed client holds no permissions: nothing is allowed.
    expect(client.can('chat.send', { room: 'general', text: 'hi' })).toBe(false);
    expect(client.can('chat.history')).toBe(false);

    function neverRun(c: Client<ChatContract>) {
      // @ts-expect-error chat.send needs a text
      c.can('chat.send', { room: 'general' });
      // @ts-expect-error chat.edit is not an action of the contract
      c.can('chat.edit');
    }
    expectTypeOf(neverRun).toBeFunction();
  });

  it('types the client events', () => {
    const client = chatClient();
    const off = client.on('permission-denied', (denial) => {
      expectTypeOf(denial.source).toEqualTypeOf<'local' | 'server'>();
      expectTypeOf(denial.resource).toEqualTypeOf<string | undefined>();
    });
    client.on('state', (state) => expectTypeOf(state).toEqualTypeOf<ConnectionState>())();
    off();

    function neverRun(c: Client<ChatContract>) {
      // @ts-expect-error 'permission_denied' is not a client event (it is 'permission-denied')
      c.on('permission_denied', () => {});
    }
    expectTypeOf(neverRun).toBeFunction();
  });
});

describe('the type helpers', () => {
  it('derive action names, payloads, results, event names and event data from a contract', () => {
    expectTypeOf<ActionName<ChatContract>>().toEqualTypeOf<'chat.history' | 'chat.send' | 'chat.delete'>();
    expectTypeOf<PayloadOf<ChatContract, 'chat.send'>>().toEqualTypeOf<{ room: string; text: string }>();
    expectTypeOf<PayloadOf<ChatContract, 'chat.delete'>>().toEqualTypeOf<{ room: string; id: string }>();
    expectTypeOf<ResultOf<ChatContract, 'chat.history'>>().toEqualTypeOf<{ messages: Message[] }>();
    expectTypeOf<ResultOf<ChatContract, 'chat.send'>>().toEqualTypeOf<{ message: Message }>();
    expectTypeOf<EventName<ChatContract>>().toEqualTypeOf<'chat.message' | 'chat.deleted'>();
    expectTypeOf<EventDataOf<ChatContract, 'chat.message'>>().toEqualTypeOf<{ message: Message }>();
    expectTypeOf<EventDataOf<ChatContract, 'chat.deleted'>>().toEqualTypeOf<{ room: string; id: string }>();

    // @ts-expect-error chat.edit is not an action of the contract
    expectTypeOf<PayloadOf<ChatContract, 'chat.edit'>>().toBeNever();
    // @ts-expect-error chat.typing is not an event of the contract
    expectTypeOf<EventDataOf<ChatContract, 'chat.typing'>>().toBeNever();
  });

  it('type a resource function by the action payload', () => {
    const typed = action<{ room: string }, null>({ permission: 'chat.view_message', resource: (p) => `room:${p.room}` });
    expect(typed.resource?.({ room: 'general' })).toBe('room:general');
    // @ts-expect-error the payload has no 'id'
    action<{ room: string }, null>({ permission: 'chat.view_message', resource: (p) => `room:${p.id}` });
    // @ts-expect-error a permission must be given, null for an open action
    action<{ room: string }, null>({ resource: (p) => p.room });
  });
});

describe('an action with permission: null', () => {
  const contract = defineContract({
    actions: {
      'session.whoami': action<null, { id: string; name: string }>({ permission: null }),
      'chat.send': chatContract.actions['chat.send'],
    },
    events: { 'session.kicked': event<{ reason: string }>() },
  });

  it('is typed like any other action and always allowed by can()', async () => {
    const client = createClient({ url: URL, contract, getToken: async () => 'token', autoConnect: false });
    expectTypeOf<PayloadOf<typeof contract, 'session.whoami'>>().toEqualTypeOf<null>();
    expectTypeOf<ResultOf<typeof contract, 'session.whoami'>>().toEqualTypeOf<{ id: string; name: string }>();

    const whoami = client.request('session.whoami', null);
    expectTypeOf(whoami).toEqualTypeOf<Promise<{ id: string; name: string }>>();
    await expect(whoami).rejects.toMatchObject({ name: 'ConnectionLostError' });

    expect(client.can('session.whoami', null)).toBe(true);
    expect(client.can('session.whoami')).toBe(true);
    expect(client.can('chat.send', { room: 'general', text: 'hi' })).toBe(false);

    client.onEvent('session.kicked', (data) => expectTypeOf(data.reason).toBeString())();
    function neverRun(c: typeof client) {
      // @ts-expect-error whoami takes a null payload
      void c.request('session.whoami', { id: '1' });
    }
    expectTypeOf(neverRun).toBeFunction();
  });

  it('gives a contract without events no event names', () => {
    const bare = defineContract({ actions: { ping: action<null, 'pong'>({ permission: null }) } });
    expectTypeOf<EventName<typeof bare>>().toBeNever();
    expectTypeOf<ResultOf<typeof bare, 'ping'>>().toEqualTypeOf<'pong'>();
    const client = createClient({ url: URL, contract: bare, getToken: () => 'token', autoConnect: false });
    function neverRun() {
      // @ts-expect-error the contract declares no events
      client.onEvent('anything', () => {});
    }
    expectTypeOf(neverRun).toBeFunction();
    expect(client.can('ping')).toBe(true);
  });
});
