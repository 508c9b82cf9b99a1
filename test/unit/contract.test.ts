import { describe, expect, it } from 'vitest';
import { action, checkAction, createPermissionSet, defineContract, event, requiredPermission } from 'permsocket';
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
    const validate = () => undefined;
    const resource = (p: { id: string }) => `post:${p.id}`;
    const plain = action<{ id: string }, null>({ permission: 'blog.view_post' });
    const full = action<{ id: string }, null>({ permission: 'blog.change_post', resource, idempotent: true, validate });
    expect(plain).toEqual({ permission: 'blog.view_post', resource: undefined, idempotent: false, validate: undefined });
    expect(full).toEqual({ permission: 'blog.change_post', resource, idempotent: true, validate });
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

describe('the reference chat contract validates payloads', () => {
  const send = actions['chat.send'].validate!;
  const history = actions['chat.history'].validate!;
  const remove = actions['chat.delete'].validate!;

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
  ])('accepts a message of %s', (_, text) => {
    expect(send({ room: 'general', text })).toBeUndefined();
  });

  it.each([
    ['2001 ASCII characters', 'a'.repeat(2001), 2001],
    ['2001 emoji', '😀'.repeat(2001), 2001],
    ['2000 emoji and one more letter', '😀'.repeat(2000) + 'a', 2001],
    ['no text at all', '', 0],
  ])('refuses a message of %s, saying how long it was', (_, text, length) => {
    expect(send({ room: 'general', text })).toBe(`expected 'text' to be 1-2000 characters, got ${length}`);
  });

  it.each([
    ['a missing room', { text: 'hi' }, "expected 'room' to be a string of 1-64 characters"],
    ['an empty room', { room: '', text: 'hi' }, "expected 'room' to be a string of 1-64 characters"],
    ['a numeric room', { room: 1, text: 'hi' }, "expected 'room' to be a string of 1-64 characters"],
    ['a room of 65 characters', { room: 'r'.repeat(65), text: 'hi' }, "expected 'room' to be a string of 1-64 characters"],
    ['a missing text', { room: 'general' }, "expected 'text' to be a string"],
    ['a numeric text', { room: 'general', text: 5 }, "expected 'text' to be a string"],
    ['null', null, 'expected the payload to be an object'],
    ['an array', ['general', 'hi'], 'expected the payload to be an object'],
    ['a string', 'hi', 'expected the payload to be an object'],
  ])('refuses a chat.send payload with %s', (_, payload, message) => {
    expect(send(payload)).toBe(message);
  });

  it('checks the shape only: an unknown room is for the server to answer not_found', () => {
    expect(send({ room: 'kitchen', text: 'hi' })).toBeUndefined();
    expect(history({ room: 'kitchen' })).toBeUndefined();
  });

  it('refuses a chat.history payload without a room', () => {
    expect(history({})).toBe("expected 'room' to be a string of 1-64 characters");
    expect(history(undefined)).toBe('expected the payload to be an object');
    expect(history({ room: 'general' })).toBeUndefined();
  });

  it('refuses a chat.delete payload without a message id', () => {
    expect(remove({ room: 'general' })).toBe("expected 'id' to be a string of 1-64 characters");
    expect(remove({ room: 'general', id: '' })).toBe("expected 'id' to be a string of 1-64 characters");
    expect(remove({ room: 'general', id: 'x'.repeat(65) })).toBe("expected 'id' to be a string of 1-64 characters");
    expect(remove({ room: 'general', id: 'm1' })).toBeUndefined();
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
