/**
 * Reaches the server's SQLite file from a second process (`node -e` with better-sqlite3), the way
 * an operator's script or another service would: the running server gets no notification.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

const SCRIPT = `
const Database = require('better-sqlite3');
const [file, sql, params] = process.argv.slice(1);
const db = new Database(file, { timeout: 5000 });
const statement = db.prepare(sql);
const result = statement.reader ? statement.all(...JSON.parse(params)) : statement.run(...JSON.parse(params));
process.stdout.write(JSON.stringify(result));
db.close();
`;

/** Runs one statement in another process; resolves with its rows (a query) or its run info. */
export async function sqlite<T = unknown>(database: string, sql: string, params: unknown[] = []): Promise<T> {
  const { stdout } = await run(process.execPath, ['-e', SCRIPT, database, sql, JSON.stringify(params)], {
    cwd: process.cwd(),
  });
  return JSON.parse(stdout) as T;
}

/** Deletes a user's direct grant (`app.codename`, unscoped) behind the server's back. */
export function deleteGrantDirectly(database: string, user: string, grant: string): Promise<{ changes: number }> {
  const [appLabel, codename] = grant.split('.');
  return sqlite(
    database,
    `DELETE FROM user_grants
      WHERE user_id = (SELECT id FROM users WHERE username = ?)
        AND permission_id = (SELECT id FROM permissions WHERE app_label = ? AND codename = ?)
        AND scope = ''`,
    [user, appLabel, codename],
  );
}

/** How many stored messages have exactly this text. */
export async function countMessages(database: string, text: string): Promise<number> {
  const rows = await sqlite<{ n: number }[]>(database, 'SELECT count(*) AS n FROM messages WHERE text = ?', [text]);
  return rows[0]?.n ?? 0;
}
