/**
 * The demo contract's payload rules mean the same in zod (the Node server) and in the exported
 * JSON Schema (the Django server, Python's jsonschema): lengths in code points, astral characters
 * counted once, lone surrogates refused.
 */
import { execFileSync } from 'node:child_process';
import { validatePayload, contractToJson, type PayloadCheck } from 'permsocket/protocol';
import { describe, expect, it } from 'vitest';
import { chatContract } from '../../demo/contract';

const cases: [string, string, unknown][] = [
  ['2000 emoji', 'chat.send', { room: 'general', text: '😀'.repeat(2000) }],
  ['2001 emoji', 'chat.send', { room: 'general', text: '😀'.repeat(2001) }],
  ['1999 ASCII letters and an emoji', 'chat.send', { room: 'general', text: `${'a'.repeat(1999)}😀` }],
  ['2000 ASCII letters and an emoji', 'chat.send', { room: 'general', text: `${'a'.repeat(2000)}😀` }],
  ['one astral character from a supplementary plane (U+1D11E)', 'chat.send', { room: 'general', text: '𝄞' }],
  ['an empty text', 'chat.send', { room: 'general', text: '' }],
  ['a lone high surrogate', 'chat.send', { room: 'general', text: 'a\ud800b' }],
  ['a lone low surrogate', 'chat.send', { room: 'general', text: '\udc00' }],
  ['surrogates in the wrong order', 'chat.send', { room: 'general', text: '\ude00\ud83d' }],
  ['a room of 64 emoji', 'chat.history', { room: '🏠'.repeat(64) }],
  ['a room of 65 emoji', 'chat.history', { room: '🏠'.repeat(65) }],
  ['a room of 33 emoji (66 UTF-16 units)', 'chat.history', { room: '🏠'.repeat(33) }],
  ['an id of 64 astral characters', 'chat.delete', { room: 'general', id: '𝄞'.repeat(64) }],
  ['a missing room', 'chat.history', {}],
  ['a numeric text', 'chat.send', { room: 'general', text: 5 }],
  ['a null payload', 'chat.history', null],
];

const PYTHON = `
import json, sys, jsonschema
contract, cases = json.load(sys.stdin)
verdicts = []
for action, payload in cases:
    validator = jsonschema.Draft202012Validator(contract["actions"][action]["payload"])
    verdicts.append(validator.is_valid(payload))
print(json.dumps(verdicts))
`;

describe('the demo contract in zod and in its exported JSON Schema', () => {
  it('accepts and refuses the same payloads, astral characters and lone surrogates included', () => {
    const input = JSON.stringify([contractToJson(chatContract), cases.map(([, action, payload]) => [action, payload])]);
    const python = JSON.parse(execFileSync('/usr/bin/python3', ['-c', PYTHON], { input, encoding: 'utf8' })) as boolean[];
    const zod = cases.map(([, action, payload]) => (validatePayload(chatContract.actions[action as 'chat.send'], payload) as PayloadCheck).ok);
    const table = cases.map(([name], i) => [name, zod[i], python[i]]);
    expect(table).toEqual(cases.map(([name], i) => [name, zod[i], zod[i]]));
    expect(zod).toEqual([true, false, true, false, true, false, false, false, false, true, false, true, true, false, false, false]);
  });
});
