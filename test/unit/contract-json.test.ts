import { action, defineContract, event } from 'permsocket';
import { ContractExportError, contractJsonText, contractToJson } from 'permsocket/protocol';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { chatContract } from '../../demo/contract';

describe('contractToJson', () => {
  it('writes each action as permission, resource template, idempotence and payload JSON Schema, and the event names', () => {
    const contract = defineContract({
      actions: {
        'post.edit': action({ payload: z.object({ id: z.number().int() }), permission: 'blog.change_post', resource: 'post:{id}', idempotent: true }),
        'session.whoami': action<null, { id: string }>({ permission: null }),
      },
      events: { 'post.edited': event<{ id: number }>() },
    });
    expect(contractToJson(contract)).toEqual({
      actions: {
        'post.edit': {
          permission: 'blog.change_post',
          resource: 'post:{id}',
          idempotent: true,
          payload: {
            $schema: 'https://json-schema.org/draft/2020-12/schema',
            type: 'object',
            properties: { id: { type: 'integer', minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER } },
            required: ['id'],
          },
        },
        'session.whoami': { permission: null, resource: null, idempotent: false, payload: null },
      },
      events: ['post.edited'],
    });
  });

  it('refuses a function resource, naming the action and the template to write instead', () => {
    const contract = defineContract({
      actions: { 'chat.send': action<{ room: string }, null>({ permission: 'chat.send_message', resource: (p) => `room:${p.room}` }) },
    });
    expect(() => contractToJson(contract)).toThrow(ContractExportError);
    expect(() => contractToJson(contract)).toThrow(
      `action "chat.send": its resource is a function, which cannot leave JavaScript; write it as a template over payload fields, such as resource: 'room:{room}'`,
    );
  });

  it('refuses a Standard Schema that has no JSON Schema form', () => {
    const plain = { '~standard': { version: 1 as const, vendor: 'x', validate: (value: unknown) => ({ value }) } };
    const contract = defineContract({ actions: { 'a.b': action({ payload: plain, permission: null }) } });
    expect(() => contractToJson(contract)).toThrow('action "a.b": its payload schema does not implement Standard JSON Schema');
  });

  it('refuses a schema zod cannot express as JSON Schema, saying why, with zod\'s error as the cause', () => {
    const contract = defineContract({ actions: { 'a.b': action({ payload: z.object({ when: z.date() }), permission: null }) } });
    expect(() => contractToJson(contract)).toThrow(/^action "a\.b": its payload schema has no JSON Schema form \(/);
    const error = (() => {
      try {
        contractToJson(contract);
      } catch (thrown) {
        return thrown as Error;
      }
    })();
    expect(error?.name).toBe('ContractExportError');
    expect(error?.cause).toBeInstanceOf(Error);
    expect(error?.message).toContain(`(${(error?.cause as Error).message})`);
  });

  it('refuses a schema whose jsonSchema has no input converter', () => {
    const outputOnly = { '~standard': { version: 1 as const, vendor: 'x', validate: (value: unknown) => ({ value }), jsonSchema: { output: () => ({}) } } };
    const contract = defineContract({ actions: { 'a.b': action({ payload: outputOnly as never, permission: null }) } });
    expect(() => contractToJson(contract)).toThrow('action "a.b": its payload schema does not implement Standard JSON Schema');
  });

  it('asks the schema for its input JSON Schema in draft 2020-12', () => {
    const asked: unknown[] = [];
    const recorder = {
      '~standard': {
        version: 1 as const,
        vendor: 'x',
        validate: (value: unknown) => ({ value }),
        jsonSchema: { input: (options: unknown) => (asked.push(options), { type: 'object' }), output: () => ({}) },
      },
    };
    const contract = defineContract({ actions: { 'a.b': action({ payload: recorder as never, permission: null }) } });
    expect(contractToJson(contract).actions['a.b']?.payload).toEqual({ type: 'object' });
    expect(asked).toEqual([{ target: 'draft-2020-12' }]);
  });

  it('refuses a hand-written contract whose payload is no Standard Schema with the same clear error', () => {
    // Not made by action(), as a module handed to `permsocket export-contract` may hold.
    const handWritten = { actions: { 'a.b': { permission: null, idempotent: false, payload: { type: 'object' } } }, events: {} };
    expect(() => contractToJson(handWritten as never)).toThrow('action "a.b": its payload schema does not implement Standard JSON Schema');
  });

  it('counts text length in code points in the exported schema, as the TypeScript check does', () => {
    const send = contractToJson(chatContract).actions['chat.send']?.payload as { properties: Record<string, Record<string, unknown>> };
    expect(send.properties.text).toMatchObject({ type: 'string', minLength: 1, maxLength: 2000 });
    expect(send.properties.room).toMatchObject({ type: 'string', minLength: 1, maxLength: 64 });
  });

  it('formats the file as two-space JSON with a final newline', () => {
    const text = contractJsonText(chatContract);
    expect(text.endsWith('}\n')).toBe(true);
    expect(JSON.parse(text)).toEqual(contractToJson(chatContract));
    expect(text).toContain('\n  "actions": {\n    "chat.history": {\n');
  });
});
