/**
 * Fresh permissions at memory speed: the user's snapshot is loaded with `loadPermissions` and kept
 * while `permissionsVersion` (when the app gives one) still reports its version. Without
 * `permissionsVersion` every call loads.
 */
import { createPermissionSet, isValidGrant, type PermissionSet } from '../permissions';
import type { PermissionSnapshot, UserInfo } from '../protocol';

/** One user's permissions as the engine uses them. */
export interface UserPermissions {
  readonly version: number;
  /** Sorted and unique: the `grants` of `auth.ok` and `perms`. */
  readonly grants: readonly string[];
  readonly set: PermissionSet;
}

type MaybePromise<T> = T | Promise<T>;

/** Whether a hook's answer is a promise (else it is used at once, without a microtask's wait). */
export const isPromise = <T>(value: MaybePromise<T>): value is Promise<T> =>
  typeof (value as Promise<T> | undefined)?.then === 'function';

/** Calls `next` with a value now, or once its promise settles (keeps synchronous hooks synchronous). */
export function andThen<T, R>(value: MaybePromise<T>, next: (value: T) => MaybePromise<R>): MaybePromise<R> {
  return isPromise(value) ? value.then(next) : next(value);
}

/** The cache over the app's two hooks. */
export interface PermissionsCache {
  /** The user's current permissions; `force` skips the version check (a push said they changed). */
  get(user: UserInfo, force?: boolean): MaybePromise<UserPermissions>;
  /** Forgets a user (their last connection on this node closed). */
  forget(userId: string): void;
}

/** Checks what `loadPermissions` returned; a TypeError names what is wrong. */
function checkSnapshot(snapshot: PermissionSnapshot): void {
  // null, undefined and primitives have no finite version, so this one check refuses them all.
  if (!Number.isFinite((snapshot as Partial<PermissionSnapshot> | null | undefined)?.version)) {
    throw new TypeError('loadPermissions must return { version: number, grants: string[] }');
  }
  if (!Array.isArray(snapshot.grants) || !snapshot.grants.every(isValidGrant)) {
    throw new TypeError("loadPermissions must return grants such as 'chat.send_message', 'chat.send_message@room:general' or '*'");
  }
}

/** Creates the cache. */
export function createPermissionsCache(
  loadPermissions: (user: UserInfo) => MaybePromise<PermissionSnapshot>,
  permissionsVersion: ((user: UserInfo) => MaybePromise<number | undefined>) | undefined,
): PermissionsCache {
  const cache = new Map<string, UserPermissions>();

  const store = (user: UserInfo, snapshot: PermissionSnapshot): UserPermissions => {
    checkSnapshot(snapshot);
    const previous = cache.get(user.id);
    const grants = [...new Set(snapshot.grants)].sort();
    if (previous && previous.version === snapshot.version && sameGrants(previous.grants, grants)) return previous;
    const fresh: UserPermissions = Object.freeze({ version: snapshot.version, grants: Object.freeze(grants), set: createPermissionSet(snapshot.version, grants) });
    // Stryker disable next-line ConditionalExpression: without permissionsVersion get() never reads the cache, so an entry kept only costs memory until forget() (and hands back an equal snapshot)
    if (permissionsVersion) cache.set(user.id, fresh);
    return fresh;
  };
  const load = (user: UserInfo) => andThen(loadPermissions(user), (snapshot) => store(user, snapshot));

  return {
    get(user, force = false) {
      const cached = permissionsVersion && !force ? cache.get(user.id) : undefined;
      if (!cached || !permissionsVersion) return load(user);
      // An unknown version (undefined) never equals a cached set's, which is always a number: it reloads.
      return andThen(permissionsVersion(user), (version) => (version === cached.version ? cached : load(user)));
    },
    forget(userId) {
      cache.delete(userId);
    },
  };
}

/** Whether two sorted grant lists are equal. */
export function sameGrants(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((grant, i) => grant === b[i]);
}
