/**
 * Grant matching and the immutable permission snapshot. A grant is a Django-style permission
 * string `app_label.codename`, optionally scoped to one resource (`chat.send_message@room:general`);
 * `*` (a superuser) matches everything.
 * @packageDocumentation
 */

/** The grant that matches every permission on every resource (a superuser). */
export const SUPERUSER_GRANT = '*';

const GRANT = /^[A-Za-z0-9_]+\.[A-Za-z0-9_]+(@[^\s@]+)?$/;

/** Whether `grant` is well formed: `*`, `app.codename` or `app.codename@resource`. */
export function isValidGrant(grant: unknown): grant is string {
  return typeof grant === 'string' && grant.length <= 255 && (grant === SUPERUSER_GRANT || GRANT.test(grant));
}

/**
 * Whether one grant allows `permission` on `resource`: `*`, the bare permission (which covers
 * every resource) or the permission scoped to exactly that resource.
 */
export function matchGrant(grant: string, permission: string, resource?: string): boolean {
  return (
    grant === SUPERUSER_GRANT ||
    grant === permission ||
    (resource !== undefined && grant === `${permission}@${resource}`)
  );
}

/** Whether a set of grants allows `permission` on `resource` (see {@link matchGrant}). */
export function can(grants: Iterable<string> | ReadonlySet<string>, permission: string, resource?: string): boolean {
  // Stryker disable next-line BlockStatement,ConditionalExpression: a fast path; the loop below gives the same answer for a Set
  if (grants instanceof Set) {
    return (
      grants.has(SUPERUSER_GRANT) ||
      grants.has(permission) ||
      (resource !== undefined && grants.has(`${permission}@${resource}`))
    );
  }
  for (const grant of grants) if (matchGrant(grant, permission, resource)) return true;
  return false;
}

/** An immutable permission snapshot as the client keeps it. */
export interface PermissionSet {
  /** Grows with every change the server pushes for this user. */
  readonly version: number;
  /** The effective grants, sorted. */
  readonly grants: readonly string[];
  /** Whether the grants allow `permission`, on `resource` when given. */
  can(permission: string, resource?: string): boolean;
}

/**
 * Builds a frozen {@link PermissionSet}. Lookups are O(1) whatever the number of grants, and a
 * scoped check builds no `permission@resource` string: scoped grants sit in a permission ->
 * resources map made once per snapshot.
 */
export function createPermissionSet(version: number, grants: readonly string[]): PermissionSet {
  const unique = new Set(grants);
  const unscoped = new Set<string>();
  const scoped = new Map<string, Set<string>>();
  for (const grant of unique) {
    const at = grant.indexOf('@');
    // Stryker disable next-line EqualityOperator: only a malformed grant starts with '@' (isValidGrant refuses it)
    if (at < 0) unscoped.add(grant);
    else {
      const permission = grant.slice(0, at);
      let resources = scoped.get(permission);
      if (!resources) scoped.set(permission, (resources = new Set()));
      resources.add(grant.slice(at + 1));
    }
  }
  const superuser = unscoped.has(SUPERUSER_GRANT);
  return Object.freeze({
    version,
    grants: Object.freeze([...unique].sort()),
    can: (permission: string, resource?: string) =>
      superuser ||
      unscoped.has(permission) ||
      // Stryker disable next-line ConditionalExpression: a fast path; the resource sets hold strings only, so has(undefined) is false anyway
      (resource !== undefined && scoped.get(permission)?.has(resource) === true),
  });
}

/** The snapshot a client holds before the server has sent one: version -1, nothing allowed. */
export const EMPTY_PERMISSIONS: PermissionSet = createPermissionSet(-1, []);
