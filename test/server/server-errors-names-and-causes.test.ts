/**
 * The server's error classes as a backend sees them in its own logs and catch blocks: each has
 * its class name (in `String(error)`, stack traces and `error.name` checks), and a RequestError
 * keeps the cause it was given and shows none when it was given none.
 */
import { inspect } from 'node:util';
import { AuthenticationError, ForbiddenError, RequestError } from 'permsocket/server';
import { describe, expect, it } from 'vitest';

describe('the server error classes', () => {
  it.each([
    ['RequestError', new RequestError('not_found', 'no room "x"')],
    ['ForbiddenError', new ForbiddenError('user inactive')],
    ['AuthenticationError', new AuthenticationError('token expired')],
  ])('name themselves %s in logs and stack traces', (name, error) => {
    expect(error.name).toBe(name);
    expect(String(error)).toBe(`${name}: ${error.message}`);
    expect(error.stack?.startsWith(`${name}: ${error.message}`)).toBe(true);
  });

  it('keeps the cause a RequestError was given', () => {
    const cause = new Error('connection reset by the database');
    const error = new RequestError('unavailable', 'try again', { cause, retryAfterMs: 500 });
    expect(error.cause).toBe(cause);
    expect(error.retryAfterMs).toBe(500);
    expect(inspect(error)).toContain('connection reset by the database');
  });

  it('keeps a falsy cause too, since only undefined means none', () => {
    expect(new RequestError('bad', 'bad', { cause: 0 }).cause).toBe(0);
    expect(Object.hasOwn(new RequestError('bad', 'bad', { cause: null }), 'cause')).toBe(true);
  });

  it('shows no cause on a RequestError given none, not even an undefined one', () => {
    for (const error of [new RequestError('not_found', 'missing'), new RequestError('not_found', 'missing', { retryAfterMs: 1 })]) {
      expect(Object.hasOwn(error, 'cause')).toBe(false);
      expect('cause' in error).toBe(false);
      expect(inspect(error)).not.toContain('[cause]');
    }
  });
});
