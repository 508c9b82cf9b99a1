/**
 * The in-memory key window's bounds at their edges, on an injected clock: an answer lives exactly
 * ttlMs, a user keeps exactly maxPerUser answers, the window exactly maxKeys and maxBytes (UTF-16
 * length), a user's count starts over only when none of their answers is left, and every bound
 * refuses what is not a positive integer, by name.
 */
import { describe, expect, it } from 'vitest';
import { memoryKeys, memoryKeysDefaults, type KeyStore, type MemoryKeysOptions } from 'permsocket/server';

const signal = () => new AbortController().signal;

/** Claims and answers each key in turn, remembered. */
async function answerAll(keys: KeyStore, pairs: readonly (readonly [user: string, key: string, answer?: string])[]) {
  for (const [user, key, answer = key] of pairs) {
    expect(await keys.claim(user, key, signal())).toEqual({ run: true });
    await keys.finish(user, key, answer, true);
  }
}

/** Which of `pairs` the window still answers (their own answer), in order. */
async function remembered(keys: KeyStore, pairs: readonly (readonly [user: string, key: string])[]) {
  const kept: string[] = [];
  for (const [user, key] of pairs) {
    const claim = await keys.claim(user, key, signal());
    if (!claim.run) kept.push(`${user}/${key}`);
  }
  return kept;
}

describe('the key window at its bounds', () => {
  it('keeps an answer until exactly ttlMs after it was given', async () => {
    let now = 50_000;
    const keys = memoryKeys({ ttlMs: 1_000, now: () => now });
    await answerAll(keys, [['1', 'k']]);
    now += 999;
    expect(await keys.claim('1', 'k', signal())).toEqual({ run: false, answer: 'k' });
    now += 1;
    expect(await keys.claim('1', 'k', signal())).toEqual({ run: true });
  });

  it('keeps exactly maxPerUser answers of one user: the one past it forgets the oldest', async () => {
    const keys = memoryKeys({ maxPerUser: 2 });
    await answerAll(keys, [['1', 'a'], ['1', 'b']]);
    expect(await remembered(keys, [['1', 'a'], ['1', 'b']])).toEqual(['1/a', '1/b']);
    await answerAll(keys, [['1', 'c']]);
    expect(await remembered(keys, [['1', 'b'], ['1', 'c'], ['1', 'a']])).toEqual(['1/b', '1/c']);
  });

  it('keeps exactly maxKeys answers in all, across users: the one past it forgets the oldest', async () => {
    const keys = memoryKeys({ maxKeys: 2 });
    await answerAll(keys, [['1', 'a'], ['2', 'b']]);
    expect(await remembered(keys, [['1', 'a'], ['2', 'b']])).toEqual(['1/a', '2/b']);
    await answerAll(keys, [['3', 'c']]);
    expect(await remembered(keys, [['2', 'b'], ['3', 'c'], ['1', 'a']])).toEqual(['2/b', '3/c']);
  });

  it('keeps answers up to exactly maxBytes of UTF-16 length, forgetting the oldest past it', async () => {
    const keys = memoryKeys({ maxBytes: 8 });
    // Two code units each: '😀😀' is 4 long, like 'bbbb'.
    await answerAll(keys, [['1', 'a', '😀😀'], ['1', 'b', 'bbbb']]);
    expect(await keys.claim('1', 'a', signal())).toEqual({ run: false, answer: '😀😀' });
    expect(await keys.claim('1', 'b', signal())).toEqual({ run: false, answer: 'bbbb' });
    await answerAll(keys, [['2', 'c', 'c']]);
    expect(await remembered(keys, [['1', 'b'], ['2', 'c'], ['1', 'a']])).toEqual(['1/b', '2/c']);
  });

  it('frees the bytes of forgotten answers: the window takes as many again', async () => {
    let now = 0;
    const keys = memoryKeys({ maxBytes: 8, ttlMs: 1_000, now: () => now });
    await answerAll(keys, [['1', 'a', 'aaaa'], ['1', 'b', 'bbbb']]);
    now += 1_000;
    await answerAll(keys, [['1', 'c', 'cccc'], ['1', 'd', 'dddd']]);
    expect(await remembered(keys, [['1', 'c'], ['1', 'd']])).toEqual(['1/c', '1/d']);
  });

  it('still counts a user\'s other answers toward maxPerUser after one of them expired', async () => {
    let now = 0;
    const keys = memoryKeys({ maxPerUser: 2, ttlMs: 1_000, now: () => now });
    await answerAll(keys, [['1', 'a']]);
    now += 500;
    await answerAll(keys, [['1', 'b']]);
    now += 500; // 'a' expires, 'b' has 500 ms left
    await answerAll(keys, [['1', 'c'], ['1', 'd']]);
    // b, c, d is one too many: the oldest, b, goes.
    expect(await remembered(keys, [['1', 'c'], ['1', 'd'], ['1', 'b']])).toEqual(['1/c', '1/d']);
  });

  it('has the documented defaults', () => {
    expect(memoryKeysDefaults).toEqual({ ttlMs: 600_000, maxPerUser: 1_000, maxKeys: 100_000, maxBytes: 64 * 2 ** 20 });
    expect(Object.isFrozen(memoryKeysDefaults)).toBe(true);
  });

  it.each(['ttlMs', 'maxPerUser', 'maxKeys', 'maxBytes'] as const)('refuses a %s that is not a positive integer, naming it, and takes 1', async (name) => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => memoryKeys({ [name]: bad } as MemoryKeysOptions)).toThrow(new TypeError(`memoryKeys: ${name} expects a positive integer, got ${String(bad)}`));
    }
    const keys = memoryKeys({ [name]: 1 } as MemoryKeysOptions);
    expect(await keys.claim('1', 'k', signal())).toEqual({ run: true });
  });

  it('keeps only the newest answer with maxKeys 1, and with maxBytes 1 a one-unit answer but none longer', async () => {
    const one = memoryKeys({ maxKeys: 1 });
    await answerAll(one, [['1', 'a'], ['2', 'b']]);
    expect(await remembered(one, [['1', 'a'], ['2', 'b']])).toEqual(['2/b']);
    const tiny = memoryKeys({ maxBytes: 1 });
    await answerAll(tiny, [['1', 'a', 'x']]);
    expect(await tiny.claim('1', 'a', signal())).toEqual({ run: false, answer: 'x' });
    await answerAll(tiny, [['1', 'b', 'yy']]);
    expect(await remembered(tiny, [['1', 'a'], ['1', 'b']])).toEqual([]);
  });
});
