import { describe, expect, it } from 'vitest';
import { KEYS_FEATURE, MAX_REQUEST_KEY_LENGTH, isRequestKey, parseClientFrame, parseServerFrame } from 'permsocket/protocol';

const authOk = { type: 'auth.ok', user: { id: '1', name: 'alice' }, exp: 1, now: 1, perms: { version: 1, grants: [] } };
const req = { type: 'req', id: 'r1', action: 'chat.send', payload: { room: 'general', text: 'hi' } };

describe('request keys in the protocol', () => {
  it('accepts an auth.ok with features, and one without', () => {
    expect(parseServerFrame(JSON.stringify({ ...authOk, features: [KEYS_FEATURE, 'later'] }))).toEqual({ ok: true, frame: { ...authOk, features: ['keys', 'later'] } });
    expect(parseServerFrame(JSON.stringify(authOk))).toEqual({ ok: true, frame: authOk });
  });

  it.each([
    ['a string', 'keys', 'string'],
    ['an array with a number', ['keys', 1], 'array'],
  ])('refuses an auth.ok whose features is %s, saying what it expects', (_, features, got) => {
    expect(parseServerFrame(JSON.stringify({ ...authOk, features }))).toEqual({
      ok: false,
      message: `"auth.ok" expects 'features' to be an array of strings when present, got ${got}`,
    });
  });

  it('keeps a req\'s key of 1 to 64 characters, and leaves it out when there is none', () => {
    const key = 'k'.repeat(MAX_REQUEST_KEY_LENGTH);
    expect(parseClientFrame(JSON.stringify({ ...req, key }))).toEqual({ ok: true, frame: { ...req, key } });
    expect(parseClientFrame(JSON.stringify(req))).toEqual({ ok: true, frame: req });
    // No key means no key property at all, not one that holds undefined.
    expect(parseClientFrame(JSON.stringify(req))).toStrictEqual({ ok: true, frame: req });
    expect(isRequestKey('k')).toBe(true);
  });

  it.each([
    ['an empty string', '', 'a string of 0 characters'],
    ['65 characters', 'k'.repeat(65), 'a string of 65 characters'],
    ['a number', 7, 'number'],
    ['null', null, 'null'],
    ['an object', { id: 'x' }, 'object'],
  ])('answers a req whose key is %s with a bad_request res, keeping the connection', (_, key, got) => {
    expect(parseClientFrame(JSON.stringify({ ...req, key }))).toEqual({
      ok: false,
      action: 'reply',
      id: 'r1',
      errorCode: 'bad_request',
      message: `"req" expects 'key' to be a string of 1-64 characters when present, got ${got}`,
    });
  });
});
