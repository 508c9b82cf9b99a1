/**
 * A check without a resource asks for the permission on every resource: no scoped grant answers
 * it, not even one scoped to a resource literally named "undefined".
 */
import { describe, expect, it } from 'vitest';
import { can, createPermissionSet, matchGrant } from 'permsocket';

const SEND = 'chat.send_message';
const ODD = `${SEND}@undefined`;

describe('a check without a resource', () => {
  it('is not answered by a grant scoped to a resource named "undefined" (matchGrant)', () => {
    expect(matchGrant(ODD, SEND)).toBe(false);
    expect(matchGrant(ODD, SEND, 'undefined')).toBe(true);
  });

  it('is not answered by such a grant in a Set, an array or a snapshot', () => {
    for (const grants of [new Set([ODD]), [ODD]]) {
      expect(can(grants, SEND)).toBe(false);
      expect(can(grants, SEND, 'undefined')).toBe(true);
    }
    const set = createPermissionSet(1, [ODD]);
    expect(set.can(SEND)).toBe(false);
    expect(set.can(SEND, 'undefined')).toBe(true);
  });

  it('is answered by the bare permission or the superuser grant, in a Set too', () => {
    expect(can(new Set([SEND]), SEND)).toBe(true);
    expect(can(new Set(['*']), SEND)).toBe(true);
    expect(can(new Set([`${SEND}@room:general`]), SEND)).toBe(false);
    expect(can(new Set([`${SEND}@room:general`]), SEND, 'room:general')).toBe(true);
  });
});
