/**
 * SQLite WAL checkpoints run in a worker thread, not inside commits: the main connection's
 * automatic checkpoint is off, yet the database file receives the WAL's pages, and everything
 * written is there after close and reopen.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/store/index.js';
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

describe('SQLite WAL size under a writer that never stops', () => {
  it('truncates the log past its bound instead of letting it grow', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'letta-wal-'));
    const path = join(dir, 'letta.db');
    const bound = 4 * 1024 * 1024;
    const handle = await openDatabase({ sqlitePath: path, walCheckpointBytes: bound });
    try {
      await sql`CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`.execute(handle.db);
      let largest = 0;
      // The checkpoint worker is up (it loads its driver first) before the writer starts.
      await new Promise((r) => setTimeout(r, 500));
      // About 80 MiB through the WAL in small commits that never stop, rows also deleted so the
      // database itself stays small: only checkpoints that win keep the log near its bound. Each
      // commit is its own timer turn, as a server's requests are: up to ~20 MB/s of WAL, several
      // times what a server writes under full load (the soak: ~3.4 MB/s), yet a rate the bound
      // does not depend on a machine's speed for.
      for (let i = 0; i < 4000; i++) {
        await new Promise((r) => setTimeout(r, 1));
        await sql`INSERT INTO filler (body) VALUES (${'x'.repeat(20_000)})`.execute(handle.db);
        if (i % 10 === 9) await sql`DELETE FROM filler WHERE id <= ${i - 5}`.execute(handle.db);
        if (i % 50 === 0) largest = Math.max(largest, walBytes(path));
      }
      largest = Math.max(largest, walBytes(path));
      console.log(`largest WAL seen: ${(largest / 1048576).toFixed(1)} MiB (bound ${bound / 1048576} MiB)`);
      // The log peaks at the bound plus what is written while one checkpoint runs (more on a
      // loaded machine); without truncation it would reach the full 80 MB.
      expect(largest).toBeLessThan(8 * bound);
    } finally {
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function walBytes(path: string): number {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}
