/**
 * Agent names are not unique, as in Letta V1 (`POST /v1/agents/` takes a second `wf-agent`): the
 * `(organization_id, name)` unique constraint becomes a plain index. The tutorial API still
 * refuses a duplicate name on create (its agents are addressed by name); see AgentService.
 *
 * PostgreSQL drops the constraint. SQLite cannot drop a table constraint, so the table is rebuilt
 * (SQLite's documented procedure): foreign keys off (outside a transaction, else the pragma is a
 * no-op and dropping `agents` would cascade into every child table), then in one transaction a
 * copy without the constraint, the old table dropped and the copy renamed, the foreign keys
 * checked, commit, foreign keys on again.
 */
import { type Kysely, sql } from 'kysely';
import type { StoreDialect } from '../dialect/store-dialect.js';

const UNIQUE_CLAUSE =
  /,\s*constraint\s+"?agents_org_name_unique"?\s+unique\s*\(\s*"?organization_id"?\s*,\s*"?name"?\s*\)/i;

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
export async function up(db: Kysely<any>, dialect: StoreDialect): Promise<void> {
  await dialect.pick({ sqlite: rebuildSqlite, postgres: dropPostgresConstraint })(db);
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
async function dropPostgresConstraint(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE agents DROP CONSTRAINT IF EXISTS agents_org_name_unique`.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS agents_org_name ON agents (organization_id, name)`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
async function rebuildSqlite(db: Kysely<any>): Promise<void> {
  const row = await sql<{
    sql: string;
  }>`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'agents'`.execute(db);
  const create = row.rows[0]?.sql ?? '';
  if (!UNIQUE_CLAUSE.test(create)) throw new Error('agents table: the name constraint was not found');
  const copy = create
    .replace(UNIQUE_CLAUSE, '')
    .replace(/^create table\s+"?agents"?/i, 'CREATE TABLE "agents_rebuilt"');
  const indexes = await sql<{ sql: string }>`SELECT sql FROM sqlite_master
    WHERE type = 'index' AND tbl_name = 'agents' AND sql IS NOT NULL`.execute(db);
  await sql`PRAGMA foreign_keys = OFF`.execute(db);
  try {
    await sql`BEGIN IMMEDIATE`.execute(db);
    try {
      await sql.raw(copy).execute(db);
      await sql`INSERT INTO agents_rebuilt SELECT * FROM agents`.execute(db);
      await sql`DROP TABLE agents`.execute(db);
      await sql`ALTER TABLE agents_rebuilt RENAME TO agents`.execute(db);
      for (const index of indexes.rows) await sql.raw(index.sql).execute(db);
      await sql`CREATE INDEX agents_org_name ON agents (organization_id, name)`.execute(db);
      const broken = await sql`PRAGMA foreign_key_check`.execute(db);
      if (broken.rows.length > 0) throw new Error('agents table rebuild: foreign key check failed');
      await sql`COMMIT`.execute(db);
    } catch (err) {
      await sql`ROLLBACK`.execute(db);
      throw err;
    }
  } finally {
    await sql`PRAGMA foreign_keys = ON`.execute(db);
  }
}
