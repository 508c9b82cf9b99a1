/**
 * Deletes a user's direct, unscoped grant straight in the SQLite file, the way an operator's script
 * or another service would: the running server is not told, so no `perms` push goes out. The
 * user's page keeps offering the action from its old snapshot, and the server refuses it on the
 * next request (it re-reads permissions for every one), pushing the new snapshot first.
 * Run: `npx tsx demo/server/revoke-directly.ts alice chat.send_message` (DATABASE as for the server).
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { DEFAULT_DATA_DIR } from './config';

const [user, grant] = process.argv.slice(2);
const [appLabel, codename, ...rest] = (grant ?? '').split('.');
if (!user || !appLabel || !codename || rest.length > 0 || grant?.includes('@')) {
  console.error('usage: npx tsx demo/server/revoke-directly.ts <username> <app_label.codename>');
  process.exit(2);
}
const file = process.env.DATABASE || join(DEFAULT_DATA_DIR, 'permsocket.sqlite3');
const db = new Database(file, { fileMustExist: true, timeout: 5000 });
const { changes } = db
  .prepare(
    `DELETE FROM user_grants
      WHERE user_id = (SELECT id FROM users WHERE username = ?)
        AND permission_id = (SELECT id FROM permissions WHERE app_label = ? AND codename = ?)
        AND scope = ''`,
  )
  .run(user, appLabel, codename);
db.close();
console.log(changes ? `deleted ${grant} from ${user} in ${file}; the server was not told` : `${user} has no direct ${grant} in ${file}`);
process.exitCode = changes ? 0 : 1;
