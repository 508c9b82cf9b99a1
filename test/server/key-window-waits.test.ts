/**
 * Repeats that wait in the in-memory key window for a run still going: a repeat whose connection
 * went stops at once and leaves the key to others, an answered wait leaves nothing on the
 * connection's signal, and finishes that name no run (or none that is still going) change nothing.
 */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { memoryKeys, type KeyClaim } from 'permsocket/server';

const signal = () => new AbortController().signal;

/** Where a promise stands once every pending callback has run: no timers, nothing waited for. */
async function state(promise: KeyClaim | Promise<KeyClaim>): Promise<'pending' | 'resolved' | 'rejected'> {
  let now: 'pending' | 'resolved' | 'rejected' = 'pending';
  Promise.resolve(promise).then(
    () => (now = 'resolved'),
    () => (now = 'rejected'),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return now;
}

describe('repeats waiting in the key window', () => {
  it('turns away at once, with its reason, a repeat whose connection had already gone', async () => {
    const keys = memoryKeys();
    await keys.claim('1', 'k', signal());
    const gone = new AbortController();
    gone.abort(new Error('the connection closed'));
    const repeat = keys.claim('1', 'k', gone.signal);
    expect(await state(repeat)).toBe('rejected');
    await expect(repeat).rejects.toThrow('the connection closed');
    await keys.finish('1', 'k', 'first', true);
    expect(await keys.claim('1', 'k', signal())).toEqual({ run: false, answer: 'first' });
  });

  it('leaves a key whose run ended before its handler to the next repeat when the one waiting has gone', async () => {
    const keys = memoryKeys();
    await keys.claim('1', 'k', signal());
    const gone = new AbortController();
    const stopped = keys.claim('1', 'k', gone.signal);
    gone.abort(new Error('the connection closed'));
    await expect(stopped).rejects.toThrow('the connection closed');
    await keys.finish('1', 'k', undefined, false);
    // Nobody is left to run it: the next repeat does, rather than waiting for a run that never comes.
    const next = keys.claim('1', 'k', signal());
    expect(await state(next)).toBe('resolved');
    expect(await next).toEqual({ run: true });
  });

  it('leaves no abort listener on the connection\'s signal once its waiting repeats got their answers', async () => {
    const keys = memoryKeys();
    const connection = new AbortController();
    for (let i = 0; i < 12; i++) {
      await keys.claim('1', `k${i}`, signal());
      const repeat = keys.claim('1', `k${i}`, connection.signal);
      expect(getEventListeners(connection.signal, 'abort')).toHaveLength(1);
      await keys.finish('1', `k${i}`, `answer ${i}`, i % 2 === 0);
      expect(await repeat).toEqual({ run: false, answer: `answer ${i}` });
    }
    // A long-lived connection would otherwise gather one per repeat (and Node warns past ten).
    expect(getEventListeners(connection.signal, 'abort')).toHaveLength(0);
  });

  it('ignores a finish for a key nobody claimed, and a second finish of a run already finished', async () => {
    const keys = memoryKeys();
    expect(() => keys.finish('1', 'never', 'stray', true)).not.toThrow();
    expect(await keys.claim('1', 'never', signal())).toEqual({ run: true });
    await keys.finish('1', 'never', 'first', true);
    expect(() => keys.finish('1', 'never', 'second', true)).not.toThrow();
    expect(await keys.claim('1', 'never', signal())).toEqual({ run: false, answer: 'first' });
  });

  it('remembers nothing for a run that ended without an answer, even when asked to remember', async () => {
    const keys = memoryKeys();
    await keys.claim('1', 'k', signal());
    expect(() => keys.finish('1', 'k', undefined, true)).not.toThrow();
    expect(await keys.claim('1', 'k', signal())).toEqual({ run: true });
  });

  it('remembers nothing when told not to, though a repeat waiting at the time gets the answer', async () => {
    const keys = memoryKeys();
    await keys.claim('1', 'k', signal());
    const repeat = keys.claim('1', 'k', signal());
    await keys.finish('1', 'k', 'not kept', false);
    expect(await repeat).toEqual({ run: false, answer: 'not kept' });
    expect(await keys.claim('1', 'k', signal())).toEqual({ run: true });
  });
});
