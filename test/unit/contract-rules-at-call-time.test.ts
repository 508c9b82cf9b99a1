/**
 * The contract's own rules, with every contract defined inside its test: a template that is not
 * one, a payload option that is not a Standard Schema, how a template renders and which payload
 * fields it needs. (A mutant that breaks a contract defined at import time fails the whole test
 * file's collection, which Stryker's vitest runner does not count as a kill: see docs/mutation.md.)
 */
import { describe, expect, it } from 'vitest';
import { action, renderTemplate, returns, templateFields, validatePayload } from '../../src/contract';

const passThrough = { '~standard': { version: 1 as const, vendor: 'test', validate: (value: unknown) => ({ value }) } };

describe('a resource template', () => {
  it.each(['room:{room}', '{room}', '{a}{b}', 'x{a_1$}y', 'org:{org}/room:{room}'])('accepts %s', (template) => {
    expect(() => action({ permission: 'chat.view_message', resource: template as never })).not.toThrow();
  });

  it.each(['room', 'room:{room', 'room:{room}x{', 'room:}x{room}', 'room:{1x}', 'room:{ro-om}', '{}'])('refuses %s when the contract is defined', (template) => {
    expect(() => action({ permission: 'chat.view_message', resource: template as never })).toThrow(`resource template "${template}"`);
  });

  it('reads its field names in order', () => {
    expect(templateFields('org:{org}/room:{room}')).toEqual(['org', 'room']);
    expect(templateFields('{a}{b}')).toEqual(['a', 'b']);
  });

  it('renders a missing or null field and a payload that is not an object as empty text, and numbers as text', () => {
    expect(renderTemplate('room:{room}/{n}', { room: 'a', n: 5 })).toBe('room:a/5');
    expect(renderTemplate('room:{room}!', { room: null })).toBe('room:!');
    expect(renderTemplate('room:{room}!', {})).toBe('room:!');
    expect(renderTemplate('room:{room}!', null)).toBe('room:!');
  });
});

describe('the payload option', () => {
  it('takes a Standard Schema, or nothing', () => {
    expect(() => action({ permission: null, payload: passThrough })).not.toThrow();
    expect(() => action({ permission: null })).not.toThrow();
  });

  it.each([
    ['a parse function', { parse: () => null }],
    ['a ~standard without validate', { '~standard': { version: 1 } }],
  ])('refuses %s', (_, schema) => {
    expect(() => action({ permission: null, payload: schema as never })).toThrow('payload expects a Standard Schema');
  });
});

describe('the fields a template reads, checked before the permission', () => {
  const definition = () => action({ permission: 'chat.view_message', resource: 'room:{room}' });
  const definitionWithSchema = () => action({ permission: 'chat.view_message', resource: 'room:{room}', payload: passThrough });

  it.each([['a string', 'general'], ['a finite number', 7]])('pass when the field is %s', (_, room) => {
    expect(validatePayload(definition(), { room })).toEqual({ ok: true, value: { room } });
    expect(validatePayload(definitionWithSchema(), { room })).toEqual({ ok: true, value: { room } });
  });

  it.each([
    ['missing', {}],
    ['NaN', { room: Number.NaN }],
    ['infinite', { room: Number.POSITIVE_INFINITY }],
    ['a boolean', { room: true }],
    ['an object', { room: {} }],
    ['an array holding one number', { room: [7] }],
    ['in a payload that is null', null],
    ['in a payload that is a string', 'room'],
  ])('refuse a field that is %s, naming it and the template', (_, payload) => {
    expect(validatePayload(definition(), payload)).toEqual({ ok: false, message: "expected 'room' (of the resource room:{room}) to be a string or a number" });
  });

  it('refuse a payload that is a string, although a string has a length, for a template that reads length', () => {
    const reader = action({ permission: 'chat.view_message', resource: 'room:{length}' });
    expect(validatePayload(reader, 'general')).toEqual({ ok: false, message: "expected 'length' (of the resource room:{length}) to be a string or a number" });
    expect(validatePayload(reader, { length: 7 })).toEqual({ ok: true, value: { length: 7 } });
  });

  it('check a payload without a template not at all', () => {
    expect(validatePayload(action({ permission: null }), 'anything')).toEqual({ ok: true, value: 'anything' });
  });
});

it('declares a result type with an empty object', () => {
  expect(returns()).toEqual({});
});

describe('a payload refused by its schema', () => {
  const refusing = (issues: { message: string; path?: PropertyKey[] }[]) => ({
    '~standard': { version: 1 as const, vendor: 'test', validate: () => ({ issues }) },
  });

  it('is described by its first issue alone when the issue has no path', () => {
    const definition = action({ permission: null, payload: refusing([{ message: 'expected an object' }, { message: 'second' }]) });
    expect(validatePayload(definition, 1)).toEqual({ ok: false, message: 'expected an object' });
  });

  it('says the schema refused it when the schema names no issue', () => {
    expect(validatePayload(action({ permission: null, payload: refusing([]) }), 1)).toEqual({ ok: false, message: 'the payload was refused by its schema' });
  });
});
