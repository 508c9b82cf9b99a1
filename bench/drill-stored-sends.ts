/**
 * Reads a fault drill's sends back from the server's SQLite file, shared by the Node and the
 * Django drill: no text stored twice, every resolved send stored, and how many sends the client
 * saw fail were applied anyway.
 */
import type Database from 'better-sqlite3';

/** What the read-back found. */
export interface StoredSends {
  resolved: number;
  unresolved: number;
  appliedThoughUnresolved: number;
  /** Texts stored more than once. */
  duplicates: number;
  resolvedButMissing: number;
  /** Distinct drill texts stored. */
  stored: number;
}

/** Checks the drill's texts in `table` (those starting with `prefix`-); each broken promise goes to `violate`. */
export function checkStoredTexts(
  db: Database.Database,
  where: { table: string; prefix: string },
  resolvedTexts: readonly string[],
  unresolvedTexts: readonly string[],
  violate: (message: string) => void,
): StoredSends {
  const integrity = db.prepare('PRAGMA integrity_check').pluck().get();
  if (integrity !== 'ok') violate(`the database failed its integrity check: ${String(integrity)}`);
  const stored = new Map<string, number>();
  for (const text of db.prepare(`SELECT text FROM ${where.table} WHERE text LIKE ?`).pluck().all(`${where.prefix}-%`) as string[]) {
    stored.set(text, (stored.get(text) ?? 0) + 1);
  }
  let duplicates = 0;
  for (const [text, times] of stored) {
    if (times > 1) {
      duplicates++;
      violate(`"${text}" was applied ${times} times`);
    }
  }
  let resolvedButMissing = 0;
  for (const text of resolvedTexts) {
    if (!stored.has(text)) {
      resolvedButMissing++;
      violate(`"${text}" resolved but is not in the database`);
    }
  }
  const appliedThoughUnresolved = unresolvedTexts.filter((text) => stored.has(text)).length;
  return { resolved: resolvedTexts.length, unresolved: unresolvedTexts.length, appliedThoughUnresolved, duplicates, resolvedButMissing, stored: stored.size };
}
