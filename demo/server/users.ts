/**
 * Users, groups and grants: lookups for sign-in and the effective permission set, and the
 * changes the admin API makes. Statements are prepared once; reading a user's grants per request
 * is a couple of indexed lookups.
 */
import { SUPERUSER_GRANT } from 'permsocket/protocol';
import { splitGrant, type Db } from './db';

/** One user row. */
export interface User {
  id: number;
  username: string;
  passwordHash: string;
  active: boolean;
  superuser: boolean;
}

/** What a user may do right now: whether active, the permission version and the effective grants. */
export interface PermissionState {
  active: boolean;
  version: number;
  /** Sorted; `['*']` for a superuser. */
  grants: string[];
}

/** A user as `GET /admin/users` lists it. */
export interface UserSummary {
  name: string;
  active: boolean;
  superuser: boolean;
  groups: string[];
  grants: string[];
}

/** Whether a change did anything, or why it could not be made. */
export type ChangeResult = 'changed' | 'unchanged' | 'unknown-group' | 'unknown-permission';

interface UserRow {
  id: number;
  username: string;
  password_hash: string;
  is_active: number;
  is_superuser: number;
  perms_version: number;
}

const GRANT_TEXT = `p.app_label || '.' || p.codename || CASE WHEN g.scope = '' THEN '' ELSE '@' || g.scope END`;

/** The user store over one database. */
export interface UserStore {
  byName(username: string): User | undefined;
  byId(id: number): User | undefined;
  /** The user a token's `sub` names: a canonical decimal id below 2^53 ("01" or "+1" name nobody). */
  bySubject(subject: string): User | undefined;
  /** Fresh from the database: never cached, so a change by any process is seen at once. */
  permissionState(userId: number): PermissionState | undefined;
  /**
   * The user's permission version at memory speed, or undefined for an unknown user. Versions
   * read once are kept until SQLite's `PRAGMA data_version` says another connection (another
   * process, a node, a hand-typed UPDATE) wrote to the file, or until this store changes a user
   * itself; every change to what a user may do bumps the version (triggers in db.ts).
   */
  permissionsVersion(userId: number): number | undefined;
  addGrant(userId: number, grant: string): ChangeResult;
  removeGrant(userId: number, grant: string): ChangeResult;
  addToGroup(userId: number, group: string): ChangeResult;
  removeFromGroup(userId: number, group: string): ChangeResult;
  setActive(userId: number, active: boolean): ChangeResult;
  list(): UserSummary[];
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    passwordHash: row.password_hash,
    active: row.is_active === 1,
    superuser: row.is_superuser === 1,
  };
}

/** Creates the user store. */
export function createUserStore(db: Db): UserStore {
  const byName = db.prepare<[string], UserRow>('SELECT * FROM users WHERE username = ?');
  const byId = db.prepare<[number], UserRow>('SELECT * FROM users WHERE id = ?');
  const grants = db
    .prepare<[number, number], string>(
      `SELECT ${GRANT_TEXT} AS "grant" FROM user_grants g JOIN permissions p ON p.id = g.permission_id WHERE g.user_id = ?
       UNION
       SELECT ${GRANT_TEXT} FROM group_grants g JOIN user_groups ug ON ug.group_id = g.group_id
         JOIN permissions p ON p.id = g.permission_id WHERE ug.user_id = ?
       ORDER BY 1`,
    )
    .pluck();
  const groupsOf = db
    .prepare<[number], string>('SELECT g.name FROM groups g JOIN user_groups ug ON ug.group_id = g.id WHERE ug.user_id = ? ORDER BY 1')
    .pluck();
  const groupId = db.prepare<[string], number>('SELECT id FROM groups WHERE name = ?').pluck();
  const insertGrant = db.prepare('INSERT OR IGNORE INTO user_grants (user_id, permission_id, scope) VALUES (?, ?, ?)');
  const deleteGrant = db.prepare(
    `DELETE FROM user_grants WHERE user_id = ? AND scope = ?
       AND permission_id = (SELECT id FROM permissions WHERE app_label = ? AND codename = ?)`,
  );
  const insertMember = db.prepare('INSERT OR IGNORE INTO user_groups (user_id, group_id) VALUES (?, ?)');
  const deleteMember = db.prepare('DELETE FROM user_groups WHERE user_id = ? AND group_id = ?');
  const setActive = db.prepare('UPDATE users SET is_active = ? WHERE id = ? AND is_active IS NOT ?');
  const setSuperuser = db.prepare('UPDATE users SET is_superuser = ? WHERE id = ? AND is_superuser IS NOT ?');
  const allUsers = db.prepare<[], UserRow>('SELECT * FROM users ORDER BY id');

  const catalogueId = db.prepare('SELECT id FROM permissions WHERE app_label = ? AND codename = ?');
  const changed = (changes: number): ChangeResult => (changes > 0 ? 'changed' : 'unchanged');
  const effective = (row: UserRow): string[] =>
    row.is_superuser === 1 ? [SUPERUSER_GRANT] : grants.all(row.id, row.id);

  // One read transaction, so the version and the grants belong together.
  const readFresh = db.transaction((userId: number): PermissionState | undefined => {
    const row = byId.get(userId);
    if (!row) return undefined;
    return { active: row.is_active === 1, version: row.perms_version, grants: effective(row) };
  });
  // Grants by user and version. Every change to a user's grants, groups or flags bumps the
  // version in SQLite (triggers, so even a write from another process does), so one indexed row
  // read per request says whether the cached grants are still the truth.
  const cached = new Map<number, PermissionState>();
  // Only the columns the per-request check needs (not the password hash): about 20% faster.
  const flags = db.prepare<[number], Pick<UserRow, 'is_active' | 'perms_version'>>('SELECT is_active, perms_version FROM users WHERE id = ?');
  const readState = (userId: number): PermissionState | undefined => {
    const row = flags.get(userId);
    const hit = row && cached.get(userId);
    if (row && hit && hit.version === row.perms_version) return { ...hit, active: row.is_active === 1 };
    const state = readFresh(userId);
    if (state) cached.set(userId, state);
    else cached.delete(userId);
    return state;
  };

  // data_version moves when another connection commits to the file; this store's own writes go
  // through `mutate`, which forgets what it knew.
  const dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
  const versions = new Map<number, number>();
  let seenDataVersion = dataVersion.get();
  // data_version costs a statement (about 2 µs), so it is read once per batch: the requests of one
  // socket read (ws delivers them together) share one read, and the next batch reads again.
  let checkedThisTurn = false;
  const endTurn = () => {
    checkedThisTurn = false;
  };
  const permissionsVersion = (userId: number): number | undefined => {
    if (!checkedThisTurn) {
      checkedThisTurn = true;
      queueMicrotask(endTurn);
      const now = dataVersion.get();
      if (now !== seenDataVersion) {
        seenDataVersion = now;
        versions.clear();
      }
    }
    const known = versions.get(userId);
    if (known !== undefined) return known;
    const version = flags.get(userId)?.perms_version;
    if (version !== undefined) versions.set(userId, version);
    return version;
  };
  const mutate = (result: ChangeResult): ChangeResult => {
    if (result === 'changed') versions.clear();
    return result;
  };

  // The superuser grant is the user's is_superuser flag, not a catalogue permission.
  const superuser = (userId: number, on: boolean) => changed(setSuperuser.run(on ? 1 : 0, userId, on ? 1 : 0).changes);

  const store: UserStore = {
    byName: (username) => {
      const row = byName.get(username);
      return row && toUser(row);
    },
    bySubject(subject) {
      const id = /^[1-9][0-9]{0,15}$/.test(subject) ? Number(subject) : NaN;
      const row = Number.isSafeInteger(id) ? byId.get(id) : undefined;
      return row && toUser(row);
    },
    byId: (id) => {
      const row = byId.get(id);
      return row && toUser(row);
    },
    permissionState: (userId) => readState(userId),
    permissionsVersion,
    // Like Django, only declared permissions can be granted: a typo must not become a silent no-op grant.
    addGrant: (userId, grant) => {
      if (grant === SUPERUSER_GRANT) return superuser(userId, true);
      const { appLabel, codename, scope } = splitGrant(grant);
      const permission = catalogueId.get(appLabel, codename) as { id: number } | undefined;
      if (!permission) return 'unknown-permission';
      return changed(insertGrant.run(userId, permission.id, scope).changes);
    },
    removeGrant: (userId, grant) => {
      if (grant === SUPERUSER_GRANT) return superuser(userId, false);
      const { appLabel, codename, scope } = splitGrant(grant);
      if (!catalogueId.get(appLabel, codename)) return 'unknown-permission';
      return changed(deleteGrant.run(userId, scope, appLabel, codename).changes);
    },
    addToGroup: (userId, group) => {
      const id = groupId.get(group);
      return id === undefined ? 'unknown-group' : changed(insertMember.run(userId, id).changes);
    },
    removeFromGroup: (userId, group) => {
      const id = groupId.get(group);
      return id === undefined ? 'unknown-group' : changed(deleteMember.run(userId, id).changes);
    },
    setActive: (userId, active) => changed(setActive.run(active ? 1 : 0, userId, active ? 1 : 0).changes),
    list: () =>
      allUsers.all().map((row) => ({
        name: row.username,
        active: row.is_active === 1,
        superuser: row.is_superuser === 1,
        groups: groupsOf.all(row.id),
        grants: effective(row),
      })),
  };
  // Every change this store makes to what a user may do invalidates the versions it knows.
  return {
    ...store,
    addGrant: (userId, grant) => mutate(store.addGrant(userId, grant)),
    removeGrant: (userId, grant) => mutate(store.removeGrant(userId, grant)),
    addToGroup: (userId, group) => mutate(store.addToGroup(userId, group)),
    removeFromGroup: (userId, group) => mutate(store.removeFromGroup(userId, group)),
    setActive: (userId, active) => mutate(store.setActive(userId, active)),
  };
}
