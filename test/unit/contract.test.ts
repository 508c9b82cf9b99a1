import { describe, expect, it } from 'vitest';
import { action, checkAction, createPermissionSet, defineContract, event, requiredPermission } from 'permsocket';
import { validatePayload, type PayloadCheck } from 'permsocket/protocol';
import { MAX_TEXT_LENGTH, ROOMS, chatContract } from '../../demo/contract';

// The seeded users of PROTOCOL.md, with their effective grants (groups resolved).
const users = {
  alice: ['chat.view_message', 'chat.send_message'],
  bob: ['chat.view_message'],
  carol: ['chat.view_message', 'chat.send_message', 'chat.delete_message'],
  dave: ['chat.view_message', 'chat.send_message@room:general'],
  admin: ['*'],
} as const;
type User = keyof typeof users;
const perms = (user: User) => createPermissionSet(1, users[user]);

const { actions } = chatContract;
const payloads = {
  'chat.history': (room: string) => ({ room }),
  'chat.send': (room: string) => ({ room, text: 'hello' }),
  'chat.delete': (room: string) => ({ room, id: 'm1' }),
};

describe('requiredPermission on the chat contract', () => {
  it.each([
    ['chat.history', 'general', 'chat.view_message', 'room:general'],
    ['chat.send', 'general', 'chat.send_message', 'room:general'],
    ['chat.send', 'random', 'chat.send_message', 'room:random'],
    ['chat.delete', 'random', 'chat.delete_message', 'room:random'],
  ] as const)('%s in %s needs %s on %s', (name, room, permission, resource) => {
    const definition = actions[name] as (typeof actions)['chat.history'];
    expect(requiredPermission(definition, payloads[name](room))).toEqual({ permission, resource });
  });

  it('needs the permission on no particular resource when the action derives none', () => {
    const open = action<{ q: string }, string[]>({ permission: 'search.use' });
    expect(requiredPermission(open, { q: 'x' })).toEqual({ permission: 'search.use', resource: undefined });
  });

  it('needs nothing for an action whose permission is null', () => {
    const whoami = action<null, { id: string }>({ permission: null, resource: () => 'never:used' });
    expect(requiredPermission(whoami, null)).toBeNull();
  });
});

describe('checkAction with the seeded users of the reference app', () => {
  // [user, action, room, allowed]
  const table: [User, keyof typeof actions, string, boolean][] = [];
  const expected: Record<User, Record<keyof typeof actions, Record<string, boolean>>> = {
    alice: { 'chat.history': { general: true, random: true }, 'chat.send': { general: true, random: true }, 'chat.delete': { general: false, random: false } },
    bob: { 'chat.history': { general: true, random: true }, 'chat.send': { general: false, random: false }, 'chat.delete': { general: false, random: false } },
    carol: { 'chat.history': { general: true, random: true }, 'chat.send': { general: true, random: true }, 'chat.delete': { general: true, random: true } },
    dave: { 'chat.history': { general: true, random: true }, 'chat.send': { general: true, random: false }, 'chat.delete': { general: false, random: false } },
    admin: { 'chat.history': { general: true, random: true }, 'chat.send': { general: true, random: true }, 'chat.delete': { general: true, random: true } },
  };
  for (const [user, byAction] of Object.entries(expected)) {
    for (const [name, byRoom] of Object.entries(byAction)) {
      for (const [room, allowed] of Object.entries(byRoom)) table.push([user as User, name as keyof typeof actions, room, allowed]);
    }
  }

  it.each(table)('%s calling %s in %s is allowed: %j', (user, name, room, allowed) => {
    const definition = actions[name] as (typeof actions)['chat.history'];
    const verdict = checkAction(definition, payloads[name](room), perms(user));
    if (allowed) {
      expect(verdict).toEqual({ allowed: true });
    } else {
      expect(verdict).toEqual({ allowed: false, permission: definition.permission, resource: `room:${room}` });
    }
  });

  it('lets dave send to general but not to random, naming what he lacks', () => {
    expect(checkAction(actions['chat.send'], { room: 'general', text: 'hi' }, perms('dave'))).toEqual({ allowed: true });
    expect(checkAction(actions['chat.send'], { room: 'random', text: 'hi' }, perms('dave'))).toEqual({
      allowed: false,
      permission: 'chat.send_message',
      resource: 'room:random',
    });
  });

  it('refuses bob a send anywhere: a viewer only reads', () => {
    for (const room of ROOMS) {
      expect(checkAction(actions['chat.send'], { room, text: 'hi' }, perms('bob'))).toMatchObject({ allowed: false, permission: 'chat.send_message' });
    }
  });

  it('always allows an action whose permission is null, even with no grants at all', () => {
    const contract = defineContract({
      actions: { 'session.whoami': action<null, { id: string }>({ permission: null }) },
    });
    expect(checkAction(contract.actions['session.whoami'], null, createPermissionSet(-1, []))).toEqual({ allowed: true });
  });

  it('asks the permission set, so any object with a can() works', () => {
    const asked: [string, string | undefined][] = [];
    const spy = { can: (permission: string, resource?: string) => (asked.push([permission, resource]), false) };
    checkAction(actions['chat.delete'], { room: 'general', id: 'm1' }, spy);
    expect(asked).toEqual([['chat.delete_message', 'room:general']]);
  });
});

describe('defining a contract', () => {
  it('defaults idempotent to false and keeps the options given', () => {
    const resource = (p: { id: string }) => `post:${p.id}`;
    const plain = action<{ id: string }, null>({ permission: 'blog.view_post' });
    const full = action<{ id: string }, null>({ permission: 'blog.change_post', resource, idempotent: true });
    expect(plain).toEqual({ permission: 'blog.view_post', resource: undefined, resourceTemplate: undefined, idempotent: false, payload: undefined });
    expect(full).toEqual({ permission: 'blog.change_post', resource, resourceTemplate: undefined, idempotent: true, payload: undefined });
  });

  it('compiles a resource template over payload fields into the same rule a function gives', () => {
    const definition = action<{ room: string; id: number }, null>({ permission: 'chat.pin_message', resource: 'room:{room}/{id}' });
    expect(definition.resourceTemplate).toBe('room:{room}/{id}');
    expect(requiredPermission(definition, { room: 'general', id: 7 })).toEqual({ permission: 'chat.pin_message', resource: 'room:general/7' });
  });

  it.each([
    ['no placeholder', 'room:general'],
    ['an unclosed brace', 'room:{room'],
    ['a brace around no name', 'room:{}'],
    ['a dotted path', 'room:{room.name}'],
    ['a stray closing brace', 'room:}{room}'],
  ])('refuses a resource template with %s when the action is defined', (_, template) => {
    expect(() => action<Record<string, string>, null>({ permission: 'chat.view_message', resource: template as never })).toThrow(
      `resource template "${template}": put payload field names in braces, as in 'room:{room}'`,
    );
  });

  it('refuses a payload option that is not a Standard Schema', () => {
    expect(() => action({ permission: null, payload: { parse: () => null } as never })).toThrow('payload expects a Standard Schema');
  });

  it('freezes actions, events and the contract', () => {
    const contract = defineContract({ actions: { a: action<null, null>({ permission: null }) }, events: { e: event<null>() } });
    expect(Object.isFrozen(contract)).toBe(true);
    expect(Object.isFrozen(contract.actions.a)).toBe(true);
    expect(Object.isFrozen(contract.events.e)).toBe(true);
  });

  it('gives a contract without events an empty event map', () => {
    expect(defineContract({ actions: {} }).events).toEqual({});
  });

  it('marks only chat.send of the reference app as not safe to re-send', () => {
    expect(actions['chat.history'].idempotent).toBe(true);
    expect(actions['chat.send'].idempotent).toBe(false);
    expect(actions['chat.delete'].idempotent).toBe(true);
    expect(Object.keys(actions).sort()).toEqual(['chat.delete', 'chat.history', 'chat.send']);
    expect(Object.keys(chatContract.events).sort()).toEqual(['chat.deleted', 'chat.message']);
  });
});

describe('validatePayload', () => {
  const check = (name: keyof typeof actions, payload: unknown) => validatePayload(actions[name], payload) as PayloadCheck;
  const refusal = (name: keyof typeof actions, payload: unknown) => {
    const result = check(name, payload);
    return result.ok ? undefined : result.message;
  };

  it('knows the rooms general and random and a 2000-character limit', () => {
    expect(ROOMS).toEqual(['general', 'random']);
    expect(MAX_TEXT_LENGTH).toBe(2000);
  });

  it.each([
    ['one character', 'a'],
    ['2000 ASCII characters', 'a'.repeat(2000)],
    ['2000 code points of which 1000 are emoji (3000 UTF-16 units)', '😀'.repeat(1000) + 'a'.repeat(1000)],
    ['2000 emoji', '🎉'.repeat(2000)],
    ['2000 accented letters', 'é'.repeat(2000)],
  ])('accepts a message of %s and hands it on unchanged', (_, text) => {
    expect(check('chat.send', { room: 'general', text })).toEqual({ ok: true, value: { room: 'general', text } });
  });

  it.each([
    ['2001 ASCII characters', 'a'.repeat(2001), 2001],
    ['2001 emoji', '😀'.repeat(2001), 2001],
    ['2000 emoji and one more letter', '😀'.repeat(2000) + 'a', 2001],
    ['no text at all', '', 0],
  ])('refuses a message of %s, saying how long it was in code points', (_, text, length) => {
    expect(refusal('chat.send', { room: 'general', text })).toBe(`expected 'text' to be 1-2000 characters, got ${length} (at text)`);
  });

  it.each([
    ['a missing room', { text: 'hi' }, "expected 'room' to be a string (at room)"],
    ['an empty room', { room: '', text: 'hi' }, "expected 'room' to be 1-64 characters, got 0 (at room)"],
    ['a numeric room', { room: 1, text: 'hi' }, "expected 'room' to be a string (at room)"],
    ['a room of 65 characters', { room: 'r'.repeat(65), text: 'hi' }, "expected 'room' to be 1-64 characters, got 65 (at room)"],
    ['a missing text', { room: 'general' }, "expected 'text' to be a string (at text)"],
    ['a numeric text', { room: 'general', text: 5 }, "expected 'text' to be a string (at text)"],
    ['a lone surrogate', { room: 'general', text: 'a\ud800b' }, "expected 'text' to be valid Unicode (no lone surrogate) (at text)"],
    ['null', null, 'expected the payload to be an object'],
    ['an array', ['general', 'hi'], 'expected the payload to be an object'],
    ['a string', 'hi', 'expected the payload to be an object'],
  ])('refuses a chat.send payload with %s', (_, payload, message) => {
    expect(refusal('chat.send', payload)).toBe(message);
  });

  it('counts a room name in code points too: 64 emoji are a good room', () => {
    expect(check('chat.history', { room: '🏠'.repeat(64) }).ok).toBe(true);
    expect(refusal('chat.history', { room: '🏠'.repeat(65) })).toBe("expected 'room' to be 1-64 characters, got 65 (at room)");
  });

  it('checks the shape only: an unknown room is for the server to answer not_found', () => {
    expect(check('chat.send', { room: 'kitchen', text: 'hi' }).ok).toBe(true);
    expect(check('chat.history', { room: 'kitchen' }).ok).toBe(true);
  });

  it('drops fields the schema does not declare, so a handler sees only what was validated', () => {
    expect(check('chat.history', { room: 'general', admin: true })).toEqual({ ok: true, value: { room: 'general' } });
  });

  it('refuses a chat.delete payload without a message id', () => {
    expect(refusal('chat.delete', { room: 'general' })).toBe("expected 'id' to be a string (at id)");
    expect(refusal('chat.delete', { room: 'general', id: 'x'.repeat(65) })).toBe("expected 'id' to be 1-64 characters, got 65 (at id)");
    expect(check('chat.delete', { room: 'general', id: 'm1' }).ok).toBe(true);
  });

  it('refuses, for a typed-only action, a payload that lacks a field its resource template reads', () => {
    const pin = action<{ room: string }, null>({ permission: 'chat.pin', resource: 'room:{room}' });
    expect(validatePayload(pin, { room: 'general' })).toEqual({ ok: true, value: { room: 'general' } });
    expect(validatePayload(pin, { room: { $ne: 1 } })).toEqual({ ok: false, message: "expected 'room' (of the resource room:{room}) to be a string or a number" });
    expect(validatePayload(pin, null)).toMatchObject({ ok: false });
  });

  it('accepts anything for a typed-only action without a template: nothing checks its shape', () => {
    const open = action<{ q: string }, null>({ permission: null });
    expect(validatePayload(open, 42)).toEqual({ ok: true, value: 42 });
  });

  it('waits for a schema that validates asynchronously', async () => {
    const slow = {
      '~standard': {
        version: 1 as const,
        vendor: 'test',
        validate: async (value: unknown) => (value === 'ok' ? { value: 'OK' } : { issues: [{ message: 'not ok', path: ['x', { key: 0 }] }] }),
      },
    };
    const definition = action({ permission: null, payload: slow });
    await expect(validatePayload(definition, 'ok')).resolves.toEqual({ ok: true, value: 'OK' });
    await expect(validatePayload(definition, 'no')).resolves.toEqual({ ok: false, message: 'not ok (at x.0)' });
  });
});

describe('the contract object', () => {
  it('is frozen down to its actions and events, so no module can swap a permission', () => {
    expect(Object.isFrozen(chatContract)).toBe(true);
    expect(Object.isFrozen(chatContract.actions)).toBe(true);
    expect(Object.isFrozen(chatContract.events)).toBe(true);
    expect(Object.isFrozen(chatContract.actions['chat.send'])).toBe(true);
  });

  it('lets a server check an action looked up by a name from the wire, without a cast', () => {
    const name = 'chat.send' as keyof typeof chatContract.actions;
    const verdict = checkAction(chatContract.actions[name], { room: 'random', text: 'x' }, createPermissionSet(1, ['chat.send_message@room:general']));
    expect(verdict).toEqual({ allowed: false, permission: 'chat.send_message', resource: 'room:random' });
  });
});
