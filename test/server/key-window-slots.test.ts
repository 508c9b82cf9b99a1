/**
 * The in-memory key window's one Map of slots per user, where running and remembered keys live
 * together: finishes that name no run, a user whose every key went and who comes back, and
 * several repeats waiting on a run that ended before its handler.
 */
import { describe, expect, it } from 'vitest';
import { memoryKeys } from 'permsocket/server';

const signal = () => new AbortController().signal;

describe('the key window\'s slots', () => {
  it('ignores a finish for a key nobody claimed, and a second finish of a run already finished', async () => {
    const keys = memoryKeys();
    await keys.finish('1', 'never', 'stray', true);
    expect(await keys.claim('1', 'never', signal())).toEqual({ run: true });
    await keys.finish('1', 'never', 'first', true);
    await keys.finish('1', 'never', 'second', true);
    expect(await keys.claim('1', 'never', signal())).toEqual({ run: false, answer: 'first' });
  });

  it('runs again a key whose run released it, and remembers its next answer', async () => {
    const keys = memoryKeys();
    await keys.claim('1', 'k', signal());
    await keys.finish('1', 'k', 'transient', false);
    expect(await keys.claim('1', 'k', signal())).toEqual({ run: true });
    await keys.finish('1', 'k', 'kept', true);
    expect(await keys.claim('1', 'k', signal())).toEqual({ run: false, answer: 'kept' });
  });

  it('takes the keys of a user again after every one of them expired', async () => {
    let now = 0;
    const keys = memoryKeys({ ttlMs: 1000, now: () => now });
    for (const key of ['a', 'b']) {
      await keys.claim('1', key, signal());
      await keys.finish('1', key, key, true);
    }
    now += 1000;
    expect(await keys.claim('1', 'a', signal())).toEqual({ run: true });
    await keys.finish('1', 'a', 'a again', true);
    expect(await keys.claim('1', 'a', signal())).toEqual({ run: false, answer: 'a again' });
    expect(await keys.claim('1', 'b', signal())).toEqual({ run: true });
  });

  it('keeps a running key while the user\'s remembered ones are forgotten around it', async () => {
    const keys = memoryKeys({ maxPerUser: 1 });
    await keys.claim('1', 'slow', signal());
    for (const key of ['a', 'b', 'c']) {
      await keys.claim('1', key, signal());
      await keys.finish('1', key, key, true);
    }
    const repeat = keys.claim('1', 'slow', signal());
    await keys.finish('1', 'slow', 'slow answer', true);
    expect(await repeat).toEqual({ run: false, answer: 'slow answer' });
    // maxPerUser 1: the slow answer, the newest, is the one kept.
    expect(await keys.claim('1', 'c', signal())).toEqual({ run: true });
    expect(await keys.claim('1', 'slow', signal())).toEqual({ run: false, answer: 'slow answer' });
  });

  it('lets the first of several repeats run a key whose run ended before its handler, and the others get its answer', async () => {
    const keys = memoryKeys();
    await keys.claim('1', 'k', signal());
    const repeats = [keys.claim('1', 'k', signal()), keys.claim('1', 'k', signal()), keys.claim('1', 'k', signal())];
    await keys.finish('1', 'k', undefined, false);
    expect(await repeats[0]).toEqual({ run: true });
    await keys.finish('1', 'k', 'ran once', true);
    expect(await Promise.all(repeats.slice(1))).toEqual([
      { run: false, answer: 'ran once' },
      { run: false, answer: 'ran once' },
    ]);
  });
});
