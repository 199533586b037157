/**
 * Real databases for tests: a fresh SQLite file in a temp dir, or a fresh PostgreSQL database
 * (pgvector enabled when installed) on 127.0.0.1:5432 with trust auth. Every suite that touches
 * the store runs once per dialect: `describe.each(DIALECTS)`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  type DatabaseHandle,
  type DialectName,
  migrateToLatest,
  openDatabase,
  Store,
} from '../../src/store/index.js';

export const DIALECTS: DialectName[] = ['sqlite', 'postgres'];

export const PG_ADMIN_URI =
  process.env.LETTA_TEST_PG_ADMIN_URI ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase extends AsyncDisposable {
  dialect: DialectName;
  /** For SQLite: the file path; for PostgreSQL: undefined. */
  sqlitePath: string | undefined;
  /** For PostgreSQL: the URI of the fresh database; for SQLite: undefined. */
  pgUri: string | undefined;
  /** The directory to use as LETTA_HOME. */
  home: string;
  /** Env vars that point a server process at this database. */
  env: Record<string, string>;
  /** Opens, migrates and returns a store on this database (closed by `drop`). */
  open(): Promise<{ handle: DatabaseHandle; store: Store }>;
  drop(): Promise<void>;
}

/** A new, empty database of the given dialect (not yet migrated). */
export async function createTestDatabase(dialect: DialectName): Promise<TestDatabase> {
  const home = mkdtempSync(join(tmpdir(), 'letta-test-'));
  const handles: DatabaseHandle[] = [];
  let pgUri: string | undefined;
  let dbName: string | undefined;
  if (dialect === 'postgres') {
    dbName = `letta_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
    const admin = new pg.Client({ connectionString: PG_ADMIN_URI });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
    const u = new URL(PG_ADMIN_URI);
    u.pathname = `/${dbName}`;
    pgUri = u.toString();
  }
  const sqlitePath = dialect === 'sqlite' ? join(home, 'letta.db') : undefined;
  const env: Record<string, string> = { LETTA_HOME: home };
  if (pgUri) env.LETTA_PG_URI = pgUri;
  const db: TestDatabase = {
    dialect,
    sqlitePath,
    pgUri,
    home,
    env,
    async open() {
      const handle = await openDatabase({ pgUri, sqlitePath: sqlitePath ?? join(home, 'letta.db') });
      handles.push(handle);
      await migrateToLatest(handle);
      return { handle, store: new Store(handle.db, handle.dialect) };
    },
    async drop() {
      for (const h of handles.splice(0)) await h.close().catch(() => {});
      if (dbName) {
        const admin = new pg.Client({ connectionString: PG_ADMIN_URI });
        await admin.connect();
        await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
        await admin.end();
      }
      rmSync(home, { recursive: true, force: true });
    },
    [Symbol.asyncDispose]() {
      return db.drop();
    },
  };
  return db;
}
