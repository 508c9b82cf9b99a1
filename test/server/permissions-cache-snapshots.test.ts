/**
 * The permissions cache's snapshots over time: a reload that changed nothing hands back the
 * snapshot already held (handlers keep seeing the same `ctx.permissions`), a version read
 * asynchronously is used like one read at once, a reload that moved
 * only the version keeps the new version so the next check is served from memory, a moved
 * version is never served stale, and a loadPermissions that returns no object gets the
 * engine's own TypeError, not a crash on reading its fields.
 */
import { describe, expect, it, vi } from 'vitest';
import { createPermissionsCache, type UserPermissions } from '../../src/server/permissions-cache';

const alice = { id: '1', name: 'alice' };

describe('the permissions cache over time', () => {
  it('hands back the snapshot it holds when a forced reload finds the same version and grants', () => {
    const load = vi.fn(() => ({ version: 4, grants: ['notes.view_note', 'notes.add_note'] }));
    const cache = createPermissionsCache(load, () => 4);
    const first = cache.get(alice) as UserPermissions;
    const forced = cache.get(alice, true) as UserPermissions;
    expect(load).toHaveBeenCalledTimes(2);
    expect(forced).toBe(first);
    expect(forced.set).toBe(first.set);
  });

  it('keeps the new version when a forced reload moved only the version, and then serves it from memory', () => {
    let version = 1;
    const load = vi.fn(() => ({ version, grants: ['notes.add_note'] }));
    const cache = createPermissionsCache(load, () => version);
    const first = cache.get(alice) as UserPermissions;
    version = 2;
    const pushed = cache.get(alice, true) as UserPermissions;
    expect(pushed.version).toBe(2);
    expect(pushed.grants).toEqual(['notes.add_note']);
    expect(pushed).not.toBe(first);
    expect(cache.get(alice)).toBe(pushed);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('never serves a snapshot whose version permissionsVersion no longer reports', () => {
    let version = 1;
    const grants: Record<number, string[]> = { 1: ['notes.add_note'], 2: [] };
    const cache = createPermissionsCache(
      () => ({ version, grants: grants[version]! }),
      () => version,
    );
    expect((cache.get(alice) as UserPermissions).set.can('notes.add_note')).toBe(true);
    version = 2;
    const after = cache.get(alice) as UserPermissions;
    expect(after.version).toBe(2);
    expect(after.set.can('notes.add_note')).toBe(false);
  });

  it('serves the held snapshot while an asynchronous permissionsVersion still reports its version, and reloads once it moved', async () => {
    let version = 1;
    const grants: Record<number, string[]> = { 1: ['notes.add_note'], 2: [] };
    const load = vi.fn(() => ({ version, grants: grants[version]! }));
    const cache = createPermissionsCache(load, async () => version);
    const first = await cache.get(alice);
    expect(await cache.get(alice)).toBe(first);
    expect(load).toHaveBeenCalledTimes(1);
    version = 2;
    const after = await cache.get(alice);
    expect(after.version).toBe(2);
    expect(after.set.can('notes.add_note')).toBe(false);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a number', 3],
    ['a string', 'notes.add_note'],
    ['a version that is not a number', { version: '1', grants: [] }],
    ['an infinite version', { version: Infinity, grants: [] }],
  ])('refuses %s from loadPermissions with its own TypeError', (_, snapshot) => {
    const cache = createPermissionsCache(() => snapshot as never, () => 1);
    expect(() => cache.get(alice)).toThrow(new TypeError('loadPermissions must return { version: number, grants: string[] }'));
  });
});
