/**
 * The SQLite database (better-sqlite3): schema migrations and the first-start seed of the users,
 * groups and grants in PROTOCOL.md. The data model follows Django's: users with is_active and
 * is_superuser, groups, a permission catalogue (`app_label.codename`), user and group grants
 * optionally scoped to one resource, chat messages, and hashed refresh tokens.
 *
 * Every change to what a user may do bumps `users.perms_version` from a trigger, so the version
 * grows even when another process edits the file behind the server's back.
 */
import Database from 'better-sqlite3';
import { hashPassword } from './passwords';

/** An open database. */
export type Db = Database.Database;

const bump = (userIdExpr: string) => `UPDATE users SET perms_version = perms_version + 1 WHERE id = ${userIdExpr};`;
const bumpMembers = (groupIdExpr: string) =>
  `UPDATE users SET perms_version = perms_version + 1 WHERE id IN (SELECT user_id FROM user_groups WHERE group_id = ${groupIdExpr});`;

/** Schema migrations, applied in order; PRAGMA user_version records how many ran. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    is_active INTEGER NOT NULL DEFAULT 1,
    is_superuser INTEGER NOT NULL DEFAULT 0,
    perms_version INTEGER NOT NULL DEFAULT 1
  );
  CREATE TABLE groups (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
  CREATE TABLE permissions (
    id INTEGER PRIMARY KEY,
    app_label TEXT NOT NULL,
    codename TEXT NOT NULL,
    UNIQUE (app_label, codename)
  );
  CREATE TABLE user_groups (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, group_id)
  );
  CREATE TABLE user_grants (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    permission_id INTEGER NOT NULL REFERENCES permissions (id) ON DELETE CASCADE,
    scope TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, permission_id, scope)
  );
  CREATE TABLE group_grants (
    group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    permission_id INTEGER NOT NULL REFERENCES permissions (id) ON DELETE CASCADE,
    scope TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (group_id, permission_id, scope)
  );
  CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room TEXT NOT NULL,
    text TEXT NOT NULL,
    user TEXT NOT NULL,
    at INTEGER NOT NULL
  );
  CREATE INDEX messages_by_room ON messages (room, id);
  CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    family TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    revoked_at INTEGER
  );
  CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family);
  CREATE INDEX refresh_tokens_by_user ON refresh_tokens (user_id);

  CREATE TRIGGER user_grants_added AFTER INSERT ON user_grants BEGIN ${bump('NEW.user_id')} END;
  CREATE TRIGGER user_grants_removed AFTER DELETE ON user_grants BEGIN ${bump('OLD.user_id')} END;
  CREATE TRIGGER user_groups_added AFTER INSERT ON user_groups BEGIN ${bump('NEW.user_id')} END;
  CREATE TRIGGER user_groups_removed AFTER DELETE ON user_groups BEGIN ${bump('OLD.user_id')} END;
  CREATE TRIGGER group_grants_added AFTER INSERT ON group_grants BEGIN ${bumpMembers('NEW.group_id')} END;
  CREATE TRIGGER group_grants_removed AFTER DELETE ON group_grants BEGIN ${bumpMembers('OLD.group_id')} END;
  CREATE TRIGGER users_status_changed AFTER UPDATE OF is_active, is_superuser ON users
    WHEN OLD.is_active IS NOT NEW.is_active OR OLD.is_superuser IS NOT NEW.is_superuser
    BEGIN ${bump('NEW.id')} END;
  `,
  // The grants cache trusts the version, so an UPDATE in place (a scope or a permission changed
  // by hand) must bump it too, for the old and the new owner alike.
  `
  CREATE TRIGGER user_grants_updated AFTER UPDATE ON user_grants BEGIN ${bump('OLD.user_id')} ${bump('NEW.user_id')} END;
  CREATE TRIGGER user_groups_updated AFTER UPDATE ON user_groups BEGIN ${bump('OLD.user_id')} ${bump('NEW.user_id')} END;
  CREATE TRIGGER group_grants_updated AFTER UPDATE ON group_grants BEGIN ${bumpMembers('OLD.group_id')} ${bumpMembers('NEW.group_id')} END;
  CREATE TRIGGER permissions_renamed AFTER UPDATE ON permissions BEGIN
    UPDATE users SET perms_version = perms_version + 1
      WHERE id IN (SELECT user_id FROM user_grants WHERE permission_id = NEW.id)
         OR id IN (SELECT ug.user_id FROM user_groups ug JOIN group_grants gg ON gg.group_id = ug.group_id WHERE gg.permission_id = NEW.id);
  END;
  `,
  // Request keys (PROTOCOL.md): a send stores its key in the same row, so a send re-sent after a
  // crash between the insert and the answer finds its message instead of adding it again.
  `
  ALTER TABLE messages ADD COLUMN request_key TEXT;
  CREATE UNIQUE INDEX messages_by_request_key ON messages (user, request_key) WHERE request_key IS NOT NULL;
  `,
];

/** The seeded users of the reference app (PROTOCOL.md). */
const SEED_USERS = [
  { name: 'alice', groups: [], grants: ['chat.view_message', 'chat.send_message'], superuser: false },
  { name: 'bob', groups: ['viewer'], grants: [], superuser: false },
  { name: 'carol', groups: ['moderator'], grants: [], superuser: false },
  { name: 'dave', groups: [], grants: ['chat.view_message', 'chat.send_message@room:general'], superuser: false },
  { name: 'admin', groups: [], grants: [], superuser: true },
] as const;

const SEED_GROUPS = {
  viewer: ['chat.view_message'],
  moderator: ['chat.view_message', 'chat.send_message', 'chat.delete_message'],
} as const;

/** Splits a grant `app.codename@scope` into its catalogue permission and its scope ('' for none). */
export function splitGrant(grant: string): { appLabel: string; codename: string; scope: string } {
  const at = grant.indexOf('@');
  const permission = at === -1 ? grant : grant.slice(0, at);
  const dot = permission.indexOf('.');
  return { appLabel: permission.slice(0, dot), codename: permission.slice(dot + 1), scope: at === -1 ? '' : grant.slice(at + 1) };
}

/** Returns the catalogue id of a permission, adding it on first use. */
export function permissionId(db: Db, appLabel: string, codename: string): number {
  db.prepare('INSERT OR IGNORE INTO permissions (app_label, codename) VALUES (?, ?)').run(appLabel, codename);
  const row = db.prepare('SELECT id FROM permissions WHERE app_label = ? AND codename = ?').get(appLabel, codename) as { id: number };
  return row.id;
}

function migrate(db: Db): void {
  const applied = db.pragma('user_version', { simple: true }) as number;
  for (let i = applied; i < MIGRATIONS.length; i++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[i] as string);
      db.pragma(`user_version = ${i + 1}`);
    }).immediate();
  }
}

async function seed(db: Db): Promise<void> {
  const hasUsers = db.prepare('SELECT 1 FROM users LIMIT 1').get();
  if (hasUsers) return;
  // Hash outside the transaction: scrypt is asynchronous and a transaction is not.
  const hashes = await Promise.all(SEED_USERS.map((user) => hashPassword(`${user.name}-pass`)));
  db.transaction(() => {
    // Another node sharing the file may have seeded it meanwhile.
    if (db.prepare('SELECT 1 FROM users LIMIT 1').get()) return;
    const groupIds = new Map<string, number>();
    for (const [group, grants] of Object.entries(SEED_GROUPS)) {
      const { lastInsertRowid } = db.prepare('INSERT INTO groups (name) VALUES (?)').run(group);
      groupIds.set(group, Number(lastInsertRowid));
      for (const grant of grants) {
        const { appLabel, codename, scope } = splitGrant(grant);
        db.prepare('INSERT INTO group_grants (group_id, permission_id, scope) VALUES (?, ?, ?)')
          .run(lastInsertRowid, permissionId(db, appLabel, codename), scope);
      }
    }
    SEED_USERS.forEach((user, index) => {
      const { lastInsertRowid } = db
        .prepare('INSERT INTO users (username, password_hash, is_superuser) VALUES (?, ?, ?)')
        .run(user.name, hashes[index], user.superuser ? 1 : 0);
      for (const group of user.groups) {
        db.prepare('INSERT INTO user_groups (user_id, group_id) VALUES (?, ?)').run(lastInsertRowid, groupIds.get(group));
      }
      for (const grant of user.grants) {
        const { appLabel, codename, scope } = splitGrant(grant);
        db.prepare('INSERT INTO user_grants (user_id, permission_id, scope) VALUES (?, ?, ?)')
          .run(lastInsertRowid, permissionId(db, appLabel, codename), scope);
      }
    });
  }).immediate();
}

/**
 * Opens (creating when needed) the SQLite file, applies migrations and seeds an empty database.
 * WAL mode and a busy timeout let several nodes and tools share the file.
 */
export async function openDatabase(file: string): Promise<Db> {
  const db = new Database(file, { timeout: 5000 });
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
  migrate(db);
  await seed(db);
  return db;
}
