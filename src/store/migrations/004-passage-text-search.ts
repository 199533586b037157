/**
 * PostgreSQL keyword search reads a stored `tsvector` instead of parsing each passage again.
 * Before, the GIN index was on the expression `to_tsvector('english', text)`: it found the
 * matches, but `ts_rank_cd` re-parsed the text of every match to rank them (326–445 ms p50 at
 * 1M passages, bench/RESULTS.md). A generated column keeps the parsed form next to the row; the
 * GIN index moves onto it. SQLite's FTS5 table already stores its index: nothing to do there.
 */
import { type Kysely, sql } from 'kysely';
import type { StoreDialect } from '../dialect/store-dialect.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
export async function up(db: Kysely<any>, dialect: StoreDialect): Promise<void> {
  await dialect.pick({ sqlite: async () => {}, postgres: storedTextSearch })(db);
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
async function storedTextSearch(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE passages ADD COLUMN text_search tsvector
    GENERATED ALWAYS AS (to_tsvector('english', text)) STORED`.execute(db);
  await sql`CREATE INDEX passages_text_search ON passages USING gin (text_search)`.execute(db);
  await sql`DROP INDEX IF EXISTS passages_fts`.execute(db);
}
