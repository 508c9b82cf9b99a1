/**
 * Type tests of schema payloads and resource templates: the payload type is inferred from a
 * Standard Schema, the result is given with returns<R>(), and a template may only name string or
 * number fields of the payload.
 */
import { describe, expectTypeOf, it } from 'vitest';
import { action, defineContract, returns, type ParsedPayloadOf, type PayloadOf, type ResultOf } from 'permsocket';
import { z } from 'zod';
import { chatContract, type ChatContract, type Message } from '../../demo/contract';

describe('an action with a schema payload', () => {
  it('infers the payload from the schema and takes the result from returns<R>()', () => {
    const contract = defineContract({
      actions: {
        'post.edit': action({
          payload: z.object({ id: z.number(), title: z.string() }),
          result: returns<{ saved: boolean }>(),
          permission: 'blog.change_post',
          resource: 'post:{id}',
        }),
      },
    });
    type C = typeof contract;
    expectTypeOf<PayloadOf<C, 'post.edit'>>().toEqualTypeOf<{ id: number; title: string }>();
    expectTypeOf<ResultOf<C, 'post.edit'>>().toEqualTypeOf<{ saved: boolean }>();
  });

  it('gives handlers the schema output and clients the schema input', () => {
    const contract = defineContract({
      actions: {
        'search.run': action({ payload: z.object({ q: z.string(), limit: z.number().default(10) }), permission: null }),
      },
    });
    expectTypeOf<PayloadOf<typeof contract, 'search.run'>>().toEqualTypeOf<{ q: string; limit?: number | undefined }>();
    expectTypeOf<ParsedPayloadOf<typeof contract, 'search.run'>>().toEqualTypeOf<{ q: string; limit: number }>();
    expectTypeOf<ResultOf<typeof contract, 'search.run'>>().toBeUnknown();
  });

  it('types the demo chat contract from its zod schemas', () => {
    expectTypeOf<PayloadOf<ChatContract, 'chat.send'>>().toEqualTypeOf<{ room: string; text: string }>();
    expectTypeOf<ResultOf<ChatContract, 'chat.send'>>().toEqualTypeOf<{ message: Message }>();
    expectTypeOf(chatContract.actions['chat.history'].resourceTemplate).toEqualTypeOf<string | undefined>();
  });

  it('contextually types a function resource from the schema', () => {
    action({
      payload: z.object({ room: z.string() }),
      permission: 'chat.view_message',
      resource: (p) => {
        expectTypeOf(p).toEqualTypeOf<{ room: string }>();
        return `room:${p.room}`;
      },
    });
  });
});

describe('resource templates', () => {
  it('accepts a template over string and number fields, with or without a schema', () => {
    action<{ room: string; id: number }, null>({ permission: 'chat.pin', resource: 'room:{room}' });
    action({ payload: z.object({ room: z.string() }), permission: 'chat.pin', resource: 'room:{room}' });
  });

  it('refuses at compile time a template that names no field of the payload', () => {
    // Never run: the last one would also throw when defined.
    function neverRun() {
      // @ts-expect-error 'rom' is not a field of the payload
      action({ payload: z.object({ room: z.string() }), permission: 'chat.pin', resource: 'room:{rom}' });
      // @ts-expect-error 'tags' is an array, not a string or a number
      action<{ tags: string[] }, null>({ permission: 'chat.pin', resource: 'tag:{tags}' });
      // @ts-expect-error a template needs a placeholder
      action<{ room: string }, null>({ permission: 'chat.pin', resource: 'room:general' });
    }
    expectTypeOf(neverRun).toBeFunction();
  });

  it('keeps the typed-only form of DESIGN.md compiling', () => {
    const definition = action<{ room: string; text: string }, { message: Message }>({
      permission: 'chat.send_message',
      resource: (p) => `room:${p.room}`,
      idempotent: false,
    });
    expectTypeOf(definition.resource).toEqualTypeOf<((payload: { room: string; text: string }) => string) | undefined>();
  });
});
