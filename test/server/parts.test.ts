/**
 * The engine's small parts on their own: the token bucket, the permissions cache over the app's
 * hooks, log redaction, the memory hub and the hub message check.
 */
import { describe, expect, it, vi } from 'vitest';
import { createFanout, isHubMessage, memoryHub, type HubMessage } from '../../src/server/hub';
import { errorLogger, messageOf, redact, redactingLogger } from '../../src/server/log';
import { andThen, createPermissionsCache, sameGrants } from '../../src/server/permissions-cache';
import { createTokenBucket } from '../../src/server/rate-limit';

const alice = { id: '1', name: 'alice' };

describe('the token bucket', () => {
  it('allows a burst, then says how long until the next token, refilled at the rate', () => {
    const bucket = createTokenBucket({ burst: 2, perSecond: 4 });
    const t = Date.now();
    expect(bucket.take(t)).toBe(0);
    expect(bucket.take(t)).toBe(0);
    expect(bucket.take(t)).toBe(250);
    expect(bucket.take(t + 125)).toBe(125);
    expect(bucket.take(t + 500)).toBe(0);
    // Never more than the burst, however long it rested.
    expect([bucket.take(t + 60_000), bucket.take(t + 60_000), bucket.take(t + 60_000)]).toEqual([0, 0, 250]);
  });

  it('always allows when the limit is off', () => {
    const bucket = createTokenBucket(false);
    for (let i = 0; i < 1000; i++) expect(bucket.take()).toBe(0);
  });
});

describe('the permissions cache', () => {
  it('loads on every call without permissionsVersion', () => {
    const load = vi.fn(() => ({ version: 1, grants: ['b.y', 'a.x', 'a.x'] }));
    const cache = createPermissionsCache(load, undefined);
    const first = cache.get(alice) as { grants: readonly string[]; version: number };
    cache.get(alice);
    expect(load).toHaveBeenCalledTimes(2);
    expect(first.grants).toEqual(['a.x', 'b.y']);
    expect(first.version).toBe(1);
  });

  it('loads only when the version moved, and again when forced', () => {
    let version = 1;
    const load = vi.fn(() => ({ version, grants: version === 1 ? ['a.x'] : [] }));
    const cache = createPermissionsCache(load, () => version);
    const first = cache.get(alice);
    expect(cache.get(alice)).toBe(first);
    expect(load).toHaveBeenCalledTimes(1);
    cache.get(alice, true);
    expect(load).toHaveBeenCalledTimes(2);
    version = 2;
    const moved = cache.get(alice) as { set: { can(p: string): boolean } };
    expect(load).toHaveBeenCalledTimes(3);
    expect(moved.set.can('a.x')).toBe(false);
  });

  it('loads when permissionsVersion does not know the version, and after forget', () => {
    const load = vi.fn(() => ({ version: 1, grants: [] }));
    const versions = [undefined, 1, 1];
    const cache = createPermissionsCache(load, () => versions.shift());
    cache.get(alice);
    cache.get(alice);
    expect(load).toHaveBeenCalledTimes(2);
    cache.get(alice);
    expect(load).toHaveBeenCalledTimes(2);
    cache.forget('1');
    cache.get(alice);
    expect(load).toHaveBeenCalledTimes(3);
  });

  it('waits for asynchronous hooks', async () => {
    const cache = createPermissionsCache(async () => ({ version: 3, grants: ['*'] }), async () => 3);
    const fresh = await cache.get(alice);
    expect(fresh.set.can('anything.at_all', 'x:1')).toBe(true);
    expect(await cache.get(alice)).toBe(fresh);
  });

  it.each([
    ['no version', { grants: [] }, 'loadPermissions must return { version: number, grants: string[] }'],
    ['grants that are not a list', { version: 1, grants: 'a.x' }, "loadPermissions must return grants such as 'chat.send_message'"],
    ['a malformed grant', { version: 1, grants: ['not a grant'] }, "loadPermissions must return grants such as 'chat.send_message'"],
  ])('refuses a snapshot with %s', (_, snapshot, message) => {
    const cache = createPermissionsCache(() => snapshot as never, undefined);
    expect(() => cache.get(alice)).toThrow(message);
  });

  it('compares sorted grant lists and keeps synchronous values synchronous', async () => {
    expect(sameGrants(['a', 'b'], ['a', 'b'])).toBe(true);
    expect(sameGrants(['a'], ['a', 'b'])).toBe(false);
    expect(sameGrants(['a', 'c'], ['a', 'b'])).toBe(false);
    expect(sameGrants(undefined, [])).toBe(false);
    expect(andThen(2, (n) => n * 2)).toBe(4);
    await expect(andThen(Promise.resolve(2), (n) => n * 2)).resolves.toBe(4);
  });
});

describe('log redaction', () => {
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

  it('replaces anything shaped like a JWT, or a piece of one, and bounds the length', () => {
    expect(redact(`token ${jwt} refused`)).toBe('token [redacted] refused');
    expect(redact('eyJhbGciOiJIUzI1NiJ9')).toBe('[redacted]');
    expect(redact('line\nbreak')).toBe('line break');
    expect(redact('x'.repeat(300))).toBe(`${'x'.repeat(200)}...`);
  });

  it('hands the logger redacted strings and leaves numbers alone; a throwing logger changes nothing', () => {
    const seen: unknown[] = [];
    redactingLogger((event, fields) => seen.push([event, fields]))('ws.refused', { reason: jwt, code: 4401, user: undefined });
    expect(seen).toEqual([['ws.refused', { reason: '[redacted]', code: 4401, user: undefined }]]);
    expect(() =>
      redactingLogger(() => {
        throw new Error('disk full');
      })('ws.open', {}),
    ).not.toThrow();
  });

  it('writes only error events by default, one line each', () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      errorLogger('ws.open', { ip: '127.0.0.1' });
      errorLogger('ws.internal_error', { action: 'chat.send', message: 'boom', user: undefined });
      expect(write.mock.calls).toEqual([['permsocket ws.internal_error action="chat.send" message="boom"\n']]);
    } finally {
      write.mockRestore();
    }
    expect(messageOf(new Error('x'))).toBe('x');
    expect(messageOf('plain')).toBe('plain');
  });
});

describe('the memory hub', () => {
  it('delivers a published message to every subscriber until it unsubscribes', async () => {
    const hub = memoryHub();
    const got: HubMessage[] = [];
    const off = hub.subscribe((message) => got.push(message));
    await hub.ready();
    await hub.publish({ kind: 'perms', userId: '1' });
    off();
    await hub.publish({ kind: 'perms', userId: '2' });
    expect(got).toEqual([{ kind: 'perms', userId: '1' }]);
    await hub.close();
  });

  it('keeps delivering to the others when one listener throws', () => {
    const errors: unknown[] = [];
    const fanout = createFanout((error) => errors.push(error));
    const got: string[] = [];
    fanout.subscribe(() => {
      throw new Error('listener bug');
    });
    fanout.subscribe(() => got.push('second'));
    fanout.deliver({ kind: 'perms', userId: '1' });
    expect(got).toEqual(['second']);
    expect(errors).toHaveLength(1);
  });

  it.each([
    [{ kind: 'perms', userId: '1' }, true],
    [{ kind: 'perms', userId: 1 }, false],
    [{ kind: 'event', name: 'a', data: null, permission: null, resource: undefined }, true],
    [{ kind: 'event', name: 'a', data: null, permission: 'p.x', resource: 'r:1' }, true],
    [{ kind: 'event', name: 'a', permission: 5 }, false],
    [{ kind: 'event', name: 'a', permission: null, resource: 5 }, false],
    [{ kind: 'disconnect', userId: '1', code: 4403, reason: 'x' }, true],
    [{ kind: 'disconnect', userId: '1', code: '4403', reason: 'x' }, false],
    [{ kind: 'other' }, false],
    [null, false],
    ['perms', false],
  ])('reads %j from a broker as a hub message: %s', (value, expected) => {
    expect(isHubMessage(value)).toBe(expected);
  });
});
