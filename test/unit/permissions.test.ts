import { describe, expect, it } from 'vitest';
import { SUPERUSER_GRANT, can, createPermissionSet, isValidGrant, matchGrant } from 'permsocket';

const SEND = 'chat.send_message';
const GENERAL = 'room:general';

describe('matchGrant and can: the rule of PROTOCOL.md', () => {
  // [grant, permission, resource, allowed]
  const table: [string, string, string | undefined, boolean][] = [
    // `*` (a superuser) matches everything.
    ['*', SEND, GENERAL, true],
    ['*', SEND, undefined, true],
    ['*', 'auth.delete_user', 'user:1', true],
    // The bare permission.
    [SEND, SEND, undefined, true],
    // An unscoped grant covers every resource.
    [SEND, SEND, GENERAL, true],
    [SEND, SEND, 'room:random', true],
    [SEND, SEND, 'room:anything-at-all', true],
    // A scoped grant covers its own resource only.
    [`${SEND}@${GENERAL}`, SEND, GENERAL, true],
    [`${SEND}@${GENERAL}`, SEND, 'room:random', false],
    [`${SEND}@${GENERAL}`, SEND, undefined, false],
    // Another permission never matches.
    ['chat.view_message', SEND, GENERAL, false],
    ['chat.view_message', SEND, undefined, false],
    [`chat.view_message@${GENERAL}`, SEND, GENERAL, false],
    // Prefix and suffix tricks.
    [`${SEND}@room:general2`, SEND, GENERAL, false],
    [`${SEND}@${GENERAL}`, SEND, 'room:general2', false],
    [`${SEND}@room:gen`, SEND, GENERAL, false],
    [`${SEND}@${GENERAL}`, SEND, 'room:gen', false],
    ['chat.send', SEND, GENERAL, false],
    ['chat.send', SEND, undefined, false],
    [SEND, 'chat.send', undefined, false],
    ['chat.send_message_extra', SEND, undefined, false],
    ['chat.*', SEND, undefined, false],
    [`${SEND}@*`, SEND, GENERAL, false],
    ['CHAT.SEND_MESSAGE', SEND, undefined, false],
    ['other.send_message', SEND, undefined, false],
    ['', SEND, undefined, false],
    ['', SEND, '', false],
  ];

  it.each(table)('grant %j, permission %j on %j -> %j', (grant, permission, resource, allowed) => {
    expect(matchGrant(grant, permission, resource)).toBe(allowed);
    expect(can([grant], permission, resource)).toBe(allowed);
    expect(can(new Set([grant]), permission, resource)).toBe(allowed);
    expect(createPermissionSet(1, [grant]).can(permission, resource)).toBe(allowed);
  });

  it('allows nothing with no grants', () => {
    expect(can([], SEND)).toBe(false);
    expect(can(new Set(), SEND, GENERAL)).toBe(false);
    expect(createPermissionSet(0, []).can(SEND, GENERAL)).toBe(false);
  });

  it('allows when any one grant of many matches', () => {
    const grants = ['chat.view_message', `${SEND}@room:random`, `${SEND}@${GENERAL}`];
    expect(can(grants, SEND, GENERAL)).toBe(true);
    expect(can(grants, SEND, 'room:random')).toBe(true);
    expect(can(grants, SEND, 'room:other')).toBe(false);
    expect(can(grants, 'chat.view_message', 'room:other')).toBe(true);
    expect(can(grants, 'chat.delete_message', GENERAL)).toBe(false);
  });

  it('accepts any iterable of grants, such as a generator', () => {
    function* grants() {
      yield 'chat.view_message';
      yield `${SEND}@${GENERAL}`;
    }
    expect(can(grants(), SEND, GENERAL)).toBe(true);
    expect(can(grants(), SEND, 'room:random')).toBe(false);
  });

  it('calls * the superuser grant', () => {
    expect(SUPERUSER_GRANT).toBe('*');
  });
});

describe('createPermissionSet', () => {
  it('keeps the version and the grants sorted and without duplicates', () => {
    const set = createPermissionSet(7, ['chat.view_message', '*', SEND, 'chat.view_message', `${SEND}@${GENERAL}`, SEND]);
    expect(set.version).toBe(7);
    expect(set.grants).toEqual(['*', SEND, `${SEND}@${GENERAL}`, 'chat.view_message']);
  });

  it('is frozen, grants included, so no one can change a snapshot in place', () => {
    const set = createPermissionSet(1, ['chat.view_message']);
    expect(Object.isFrozen(set)).toBe(true);
    expect(Object.isFrozen(set.grants)).toBe(true);
    expect(() => (set.grants as string[]).push('*')).toThrow(TypeError);
    expect(() => {
      (set as { version: number }).version = 99;
    }).toThrow(TypeError);
    expect(set.can(SEND)).toBe(false);
    expect(set.version).toBe(1);
  });

  it('is not affected by later changes to the array it was built from', () => {
    const grants = ['chat.view_message'];
    const set = createPermissionSet(1, grants);
    grants.push('*');
    expect(set.grants).toEqual(['chat.view_message']);
    expect(set.can(SEND)).toBe(false);
  });

  it('agrees with matchGrant on 1,000 grants for every permission and resource asked', () => {
    // A deterministic pseudo-random mix of bare, scoped and near-miss grants.
    let seed = 42;
    const next = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const apps = ['chat', 'blog', 'auth'];
    const codenames = ['view_message', 'send_message', 'send', 'delete_message', 'add_post', 'change_user'];
    const resources = ['room:general', 'room:general2', 'room:random', 'post:1', 'post:10', 'user:42'];
    const grants: string[] = [];
    while (grants.length < 1_000) {
      const base = `${apps[next(apps.length)]}.${codenames[next(codenames.length)]}${next(1_000)}`;
      grants.push(next(3) === 0 ? base : `${base}@${resources[next(resources.length)]}`);
    }
    // A few that are hit for sure.
    grants.push('chat.send_message@room:general', 'blog.add_post');
    const set = createPermissionSet(1, grants);
    expect(set.grants.length).toBeLessThanOrEqual(grants.length);

    let allowed = 0;
    for (let i = 0; i < 3_000; i++) {
      const permission =
        i < 1_000 ? (grants[next(grants.length)] as string).split('@')[0]! : `${apps[next(apps.length)]}.${codenames[next(codenames.length)]}${next(1_000)}`;
      const resource = next(4) === 0 ? undefined : resources[next(resources.length)];
      const expected = grants.some((grant) => matchGrant(grant, permission, resource));
      expect(set.can(permission, resource)).toBe(expected);
      expect(can(grants, permission, resource)).toBe(expected);
      if (expected) allowed++;
    }
    for (const [permission, resource, expected] of [
      ['chat.send_message', 'room:general', true],
      ['chat.send_message', 'room:general2', false],
      ['blog.add_post', 'post:1', true],
      ['blog.add_post', undefined, true],
    ] as const) {
      expect(set.can(permission, resource)).toBe(expected);
    }
    // The sample asked both questions that pass and questions that fail.
    expect(allowed).toBeGreaterThan(50);
    expect(allowed).toBeLessThan(3_000);
  });
});

describe('isValidGrant', () => {
  it.each([
    ['*'],
    ['chat.view_message'],
    ['chat.send_message@room:general'],
    ['auth.change_user@user:42'],
    ['blog.add_post@post:2024/05/hello-world'],
    ['App_1.Code_2'],
    [`chat.view_message@room:${'x'.repeat(255 - 'chat.view_message@room:'.length)}`],
  ])('accepts %j', (grant) => {
    expect(isValidGrant(grant)).toBe(true);
  });

  it.each([
    [''],
    ['chat'],
    ['chat.'],
    ['.view_message'],
    ['chat.view.message'],
    ['chat.view-message'],
    ['chat.view message'],
    [' chat.view_message'],
    ['chat.view_message '],
    ['chat.view_message@'],
    ['chat.view_message@room general'],
    ['chat.view_message@room:a@b'],
    ['@room:general'],
    ['*@room:general'],
    ['**'],
    ['chat.*'],
    [`chat.view_message@room:${'x'.repeat(256 - 'chat.view_message@room:'.length)}`],
    [null],
    [undefined],
    [42],
    [['chat.view_message']],
    [{ grant: 'chat.view_message' }],
  ])('rejects %j', (grant) => {
    expect(isValidGrant(grant)).toBe(false);
  });
});

describe('isPermsocketError', () => {
  it('is not fooled by objects named after built-in properties', async () => {
    const { isPermsocketError, TimeoutError } = await import('permsocket');
    expect(isPermsocketError({ name: 'constructor', code: 'x' })).toBe(false);
    expect(isPermsocketError({ name: 'toString', code: 'x' })).toBe(false);
    expect(isPermsocketError(new TimeoutError('slow'))).toBe(true);
    expect(isPermsocketError(new TimeoutError('slow'), 'TimeoutError')).toBe(true);
  });
});
