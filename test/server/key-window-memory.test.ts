/**
 * The in-memory key window holds memory for what it remembers only: with answers forgotten as
 * fast as they come (a user at maxPerUser, the window at maxKeys, answers expiring by time while
 * their user goes on, few or thousands live), the
 * heap after thousands of answers is what the live ones take plus a bounded slack of forgotten
 * ones, not what all of them took. A long-running server would otherwise grow until it dies.
 * Measured after full collections (V8's gc, exposed for this file).
 */
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { memoryKeys, type KeyStore } from 'permsocket/server';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapUsed = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const SIZE = 4_096;
const MiB = 2 ** 20;
/** A fresh flat string of SIZE bytes, so that nothing is shared between answers. */
const answerOf = (i: number) => Buffer.alloc(SIZE, 97 + (i % 26)).toString('latin1');
const signal = new AbortController().signal;

/** Heap growth over `count` remembered answers of `user(i)`/`key(i)`. */
async function growth(keys: KeyStore, count: number, user: (i: number) => string, key: (i: number) => string) {
  const before = heapUsed();
  for (let i = 0; i < count; i++) {
    await keys.claim(user(i), key(i), signal);
    await keys.finish(user(i), key(i), answerOf(i), true);
  }
  return heapUsed() - before;
}

describe('the key window\'s memory', () => {
  // 8,192 answers kept would be 32 MiB; the window may hold about a thousand forgotten ones (4 MiB)
  // until it cuts them off.
  it('stays bounded while one user at maxPerUser forgets an answer for every new one', async () => {
    const keys = memoryKeys({ maxPerUser: 1 });
    expect(await growth(keys, 8_192, () => '1', (i) => `k${i}`)).toBeLessThan(12 * MiB);
    // And it still answers the newest only.
    expect(await keys.claim('1', 'k8191', signal)).toMatchObject({ run: false });
    expect(await keys.claim('1', 'k8190', signal)).toEqual({ run: true });
  });

  it('stays bounded while a window at maxKeys forgets the answers of users who never come back', async () => {
    const keys = memoryKeys({ maxKeys: 1 });
    expect(await growth(keys, 8_192, (i) => `user ${i}`, () => 'k')).toBeLessThan(12 * MiB);
    expect(await keys.claim('user 8191', 'k', signal)).toMatchObject({ run: false });
    expect(await keys.claim('user 8190', 'k', signal)).toEqual({ run: true });
  });

  it('stays bounded while the answers of a user who keeps sending expire by time', async () => {
    // One answer a second, each kept ten seconds: ten live (40 KiB); all 8,192 would be 32 MiB.
    let now = 0;
    const keys = memoryKeys({ ttlMs: 10_000, now: () => now });
    const before = heapUsed();
    for (let i = 0; i < 8_192; i++, now += 1_000) {
      await keys.claim('1', `k${i}`, signal);
      await keys.finish('1', `k${i}`, answerOf(i), true);
    }
    expect(heapUsed() - before).toBeLessThan(4 * MiB);
    expect(await keys.claim('1', 'k8191', signal)).toMatchObject({ run: false });
    expect(await keys.claim('1', 'k8181', signal)).toEqual({ run: true });
  });

  it('stays bounded while a window of two thousand live answers forgets eight thousand more', async () => {
    // Live: 2,048 answers (8 MiB), and up to as many forgotten ones before they are cut off;
    // all 10,240 kept would be 40 MiB.
    const keys = memoryKeys({ maxKeys: 2_048 });
    expect(await growth(keys, 10_240, (i) => `user ${i % 100}`, (i) => `k${i}`)).toBeLessThan(24 * MiB);
    expect(await keys.claim('user 39', 'k10239', signal)).toMatchObject({ run: false });
    expect(await keys.claim('user 91', 'k8191', signal)).toEqual({ run: true });
    expect(await keys.claim('user 92', 'k8192', signal)).toMatchObject({ run: false });
  });
});
