/**
 * The reference app's message store with request keys, on a real SQLite file: one message per
 * (user, key), and the migration that adds the key to a database made before keys existed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../demo/server/db';
import { createMessageStore } from '../../demo/server/messages';

const dirs: string[] = [];
const opened: Db[] = [];
async function open(file?: string) {
  if (!file) {
    const dir = mkdtempSync(join(tmpdir(), 'permsocket-keys-'));
    dirs.push(dir);
    file = join(dir, 'db.sqlite3');
  }
  const db = await openDatabase(file);
  opened.push(db);
  return { db, file, messages: createMessageStore(db) };
}
afterEach(() => {
  for (const db of opened.splice(0)) if (db.open) db.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('messages with request keys', () => {
  it('stores a send once per user and key, and gives a repeat the stored message', async () => {
    const { messages } = await open();
    const first = messages.add('general', 'hello', 'alice', 1, 'k1');
    const repeat = messages.add('general', 'hello again', 'alice', 2, 'k1');
    expect(first.created).toBe(true);
    expect(repeat).toEqual({ message: first.message, created: false });
    expect(messages.history('general')).toEqual([first.message]);
  });

  it('keeps the same key of two users apart, and sends without a key all apart', async () => {
    const { messages } = await open();
    expect(messages.add('general', 'a', 'alice', 1, 'same').created).toBe(true);
    expect(messages.add('general', 'b', 'bob', 1, 'same').created).toBe(true);
    expect(messages.add('general', 'c', 'bob', 1).created).toBe(true);
    expect(messages.add('general', 'c', 'bob', 1).created).toBe(true);
    expect(messages.history('general').map((m) => m.text)).toEqual(['a', 'b', 'c', 'c']);
  });

  it('refuses a second row with one user and key at the database itself', async () => {
    const { db, messages } = await open();
    messages.add('general', 'a', 'alice', 1, 'k');
    expect(() => db.prepare("INSERT INTO messages (room, text, user, at, request_key) VALUES ('general', 'b', 'alice', 2, 'k')").run()).toThrow(/UNIQUE/);
  });

  it('adds the key to a database made before keys, keeping its messages', async () => {
    const { db, file, messages } = await open();
    messages.add('general', 'from before', 'alice', 1);
    // Back to the schema before migration 3, as an older server left it.
    db.exec('DROP INDEX messages_by_request_key; ALTER TABLE messages DROP COLUMN request_key; PRAGMA user_version = 2;');
    db.close();
    const again = await open(file);
    expect(again.db.pragma('user_version', { simple: true })).toBe(3);
    expect(again.messages.history('general').map((m) => m.text)).toEqual(['from before']);
    expect(again.messages.add('general', 'keyed', 'alice', 2, 'k').created).toBe(true);
    expect(again.messages.add('general', 'keyed', 'alice', 2, 'k').created).toBe(false);
  });
});
