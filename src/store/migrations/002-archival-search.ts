/**
 * Archival search indexes.
 *
 * SQLite: `passage_keys` gives every passage an integer key (sqlite-vec and FTS5 rows are keyed
 * by integer rowid); `passages_fts` is an FTS5 table keyed by it. The per-dimension `vec0` tables
 * (`passages_vec_<dim>`) are created on demand by the store, with a trigger that drops a vector
 * when its key row goes (passage deleted, directly or by cascade); the FTS row goes the same way.
 *
 * PostgreSQL: an `embedding vector` column without a fixed dimension (when pgvector is
 * installed; the store adds it later if pgvector appears afterwards), with per-dimension HNSW
 * partial indexes created on demand, and a GIN expression index for full-text search.
 */
import { type Kysely, sql } from 'kysely';
import type { StoreDialect } from '../dialect/store-dialect.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
export async function up(db: Kysely<any>, dialect: StoreDialect): Promise<void> {
  await dialect.pick({ sqlite: sqliteIndexes, postgres: postgresIndexes })(db);
  await db.schema
    .createIndex('passages_org_archive')
    .on('passages')
    .columns(['organization_id', 'archive_id'])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
async function sqliteIndexes(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('passage_keys')
    .addColumn('key', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('passage_id', 'text', (c) =>
      c.notNull().unique().references('passages.id').onDelete('cascade'),
    )
    .execute();
  await sql`CREATE VIRTUAL TABLE passages_fts USING fts5(text, tokenize = 'porter unicode61')`.execute(db);
  await sql`CREATE TRIGGER passage_keys_fts_delete AFTER DELETE ON passage_keys
      BEGIN DELETE FROM passages_fts WHERE rowid = old.key; END`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
async function postgresIndexes(db: Kysely<any>): Promise<void> {
  const { rows } = await sql`SELECT 1 FROM pg_extension WHERE extname = 'vector'`.execute(db);
  if (rows.length > 0) await sql`ALTER TABLE passages ADD COLUMN IF NOT EXISTS embedding vector`.execute(db);
  await sql`CREATE INDEX passages_fts ON passages USING gin (to_tsvector('english', text))`.execute(db);
}
