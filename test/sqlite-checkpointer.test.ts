/**
 * SQLite WAL checkpoints run in a worker thread, not inside commits: the main connection's
 * automatic checkpoint is off, yet the database file receives the WAL's pages, and everything
 * written is there after close and reopen.
 */
import { statSync } from 'node:fs';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from './support/databases.js';

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}

describe('SQLite checkpoints off the request path', () => {
  it('turns the automatic checkpoint off and checkpoints the WAL from a worker', async () => {
    await using db = await createTestDatabase('sqlite');
    const { handle } = await db.open();
    const path = db.sqlitePath as string;
    expect(handle.sqlite?.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    await sql`CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`.execute(handle.db);
    const before = statSync(path).size;
    // About 8 MiB through the WAL, in many small commits as a server makes them.
    for (let i = 0; i < 400; i++) {
      await sql`INSERT INTO filler (body) VALUES (${'x'.repeat(20_000)})`.execute(handle.db);
    }
    // Nothing on the main connection copies pages into the database file; the worker does.
    expect(await until(() => statSync(path).size > before + 4_000_000, 5_000)).toBe(true);
  });

  it('keeps every committed row across close and reopen', async () => {
    await using db = await createTestDatabase('sqlite');
    const first = await db.open();
    await sql`CREATE TABLE kept (id INTEGER PRIMARY KEY)`.execute(first.handle.db);
    for (let i = 0; i < 500; i++) await sql`INSERT INTO kept (id) VALUES (${i})`.execute(first.handle.db);
    await first.handle.close();
    const again = await db.open();
    const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM kept`.execute(again.handle.db);
    expect(Number(rows[0]?.n)).toBe(500);
  });
});
