/** A token with no subject never replaces one with a subject on the open socket, however late it expires. */
import { describe, expect, it } from 'vitest';
import { isNewerToken, type TokenInfo } from '../../src/token';

const withSubject: TokenInfo = { token: 'a', subject_: '1', exp_: 1_000 };
const withoutSubject: TokenInfo = { token: 'b', subject_: undefined, exp_: 2_000 };

describe('isNewerToken and subjects', () => {
  it('refuses a later token that has no subject in place of one that has', () => {
    expect(isNewerToken(withSubject, withoutSubject)).toBe(false);
  });

  it('refuses a later token that has a subject in place of one that has none', () => {
    expect(isNewerToken({ ...withoutSubject, exp_: 1_000 }, { ...withSubject, exp_: 2_000 })).toBe(false);
  });

  it('takes a later token when neither has a subject', () => {
    expect(isNewerToken({ token: 'a', subject_: undefined, exp_: 1_000 }, withoutSubject)).toBe(true);
  });
});
