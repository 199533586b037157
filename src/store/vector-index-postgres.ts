/**
 * PostgreSQL search: pgvector `embedding vector` (no fixed dimension) with one HNSW cosine index
 * per dimension, a partial expression index built after the first rows of that dimension are in
 * (so a bulk load into a new dimension builds the graph once, not row by row); queries cast to
 * that dimension and repeat the partial predicate as a literal so the planner uses it. The table
 * is shared by every organization: an index is only ever created (concurrently), never dropped,
 * except the invalid leftover of a build that died. Searches run with `hnsw.ef_search` from the
 * settings (LETTA_HNSW_EF_SEARCH) and pgvector 0.8's iterative scan (so filters applied after the
 * index scan still fill the page). Full text: GIN on the stored `text_search` tsvector
 * (`to_tsvector('english', text)`, a generated column since migration 004),
 * queried with `websearch_to_tsquery` (the query's words OR-ed) and ranked by `ts_rank_cd`.
 */
import { type Kysely, sql } from 'kysely';
import {
  andAll,
  dimLiteral,
  filterConditions,
  type IndexState,
  type PassageIndex,
  type PassageRow,
  queryWords,
  type ScoredId,
  type SearchScope,
  type TagsMatch,
  type VectorReplacement,
} from './passage-index.js';
import type { Database } from './schema.js';

/** Tags are JSON text: cast to jsonb, any of them (`?|`) or all of them (`?&`). */
const tagsMatch: TagsMatch = (tags, all) =>
  all ? sql`p.tags::jsonb ?& ${tags}::text[]` : sql`p.tags::jsonb ?| ${tags}::text[]`;

/** Rows per INSERT statement (10 parameters a row; PostgreSQL allows 65,535 a statement). */
const INSERT_CHUNK = 2000;

/** A vector in pgvector's binary format (int16 dimension, int16 unused, float4s, big-endian). */
function binary(vector: number[]): Buffer {
  const buf = Buffer.allocUnsafe(4 + 4 * vector.length);
  buf.writeInt16BE(vector.length, 0);
  buf.writeInt16BE(0, 2);
  for (let i = 0; i < vector.length; i++) buf.writeFloatBE(vector[i] ?? 0, 4 + 4 * i);
  return buf;
}

function literal(vector: number[]): string {
  return `[${vector.join(',')}]`;
}

export class PostgresPassageIndex implements PassageIndex {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly state: IndexState,
  ) {}

  async vectorAvailable(): Promise<boolean> {
    if (this.state.vector === undefined) {
      const { rows } = await sql`SELECT 1 FROM pg_extension WHERE extname = 'vector'`.execute(this.db);
      if (rows.length > 0) {
        // pgvector installed after migration 002: add the column now (idempotent).
        await sql`ALTER TABLE passages ADD COLUMN IF NOT EXISTS embedding vector`.execute(this.db);
      }
      this.state.vector = rows.length > 0;
    }
    return this.state.vector;
  }

  async ensureDimension(_dim: number): Promise<void> {
    await this.vectorAvailable();
  }

  async ensureIndex(dim: number): Promise<boolean> {
    if (this.state.dims.has(dim) || !(await this.vectorAvailable())) return false;
    const name = `passages_embedding_${dim}`;
    if ((await indexStatus(this.db, name)) === 'valid') {
      this.state.dims.add(dim);
      return false;
    }
    const built = this.db.isTransaction
      ? await this.buildInTransaction(dim, name)
      : await this.db.connection().execute((conn) => this.buildConcurrently(conn, dim, name));
    if (built && (await indexStatus(this.db, name)) === 'valid') this.state.dims.add(dim);
    return built;
  }

  /**
   * The normal build: on one pooled connection, under an advisory lock on the index name (one
   * builder per dimension across processes; the others go on and search exactly until it is
   * valid), with session settings for this build only, reset before the connection goes back.
   */
  private async buildConcurrently(conn: Kysely<Database>, dim: number, name: string): Promise<boolean> {
    const { rows } = await sql<{
      locked: boolean;
    }>`SELECT pg_try_advisory_lock(hashtext(${name})) AS locked`.execute(conn);
    if (!rows[0]?.locked) return false;
    try {
      const status = await indexStatus(conn, name);
      if (status === 'valid') return false;
      // The leftover of a build that died half-way (invalid, and we hold the builders' lock).
      if (status === 'invalid') await sql`DROP INDEX CONCURRENTLY IF EXISTS ${sql.raw(name)}`.execute(conn);
      await this.applyBuildSettings(conn, '');
      await this.createIndex(dim, name, true).execute(conn);
      return true;
    } finally {
      await sql`RESET maintenance_work_mem`.execute(conn);
      await sql`RESET max_parallel_maintenance_workers`.execute(conn);
      await sql`SELECT pg_advisory_unlock(hashtext(${name}))`.execute(conn);
    }
  }

  /** Inside a caller's transaction CONCURRENTLY is impossible: a plain build, settings local to it. */
  private async buildInTransaction(dim: number, name: string): Promise<boolean> {
    const { rows } = await sql<{
      locked: boolean;
    }>`SELECT pg_try_advisory_xact_lock(hashtext(${name})) AS locked`.execute(this.db);
    if (!rows[0]?.locked || (await indexStatus(this.db, name)) !== 'missing') return false;
    await this.applyBuildSettings(this.db, 'LOCAL ');
    await this.createIndex(dim, name, false).execute(this.db);
    return true;
  }

  private async applyBuildSettings(db: Kysely<Database>, scope: '' | 'LOCAL '): Promise<void> {
    const { buildMemory, buildWorkers } = this.state.hnsw;
    await sql`SET ${sql.raw(scope)}maintenance_work_mem = ${sql.lit(buildMemory)}`.execute(db);
    await sql`SET ${sql.raw(scope)}max_parallel_maintenance_workers = ${sql.raw(String(Math.trunc(buildWorkers)))}`.execute(
      db,
    );
  }

  private createIndex(dim: number, name: string, concurrently: boolean) {
    const d = dimLiteral(dim);
    const { m, efConstruction } = this.state.hnsw;
    return sql`CREATE INDEX ${sql.raw(concurrently ? 'CONCURRENTLY ' : '')}IF NOT EXISTS ${sql.raw(name)}
      ON passages USING hnsw ((embedding::vector(${d})) vector_cosine_ops)
      WITH (m = ${sql.raw(String(Math.trunc(m)))}, ef_construction = ${sql.raw(String(Math.trunc(efConstruction)))})
      WHERE embedding_dim = ${d}`;
  }

  async insert(rows: PassageRow[]): Promise<void> {
    if (rows.length === 0) return;
    const vector = await this.vectorAvailable();
    // Multi-row VALUES, vectors as binary parameters (pgvector's wire format: no float
    // formatting in JS or parsing in the server, the bulk of a text insert's cost).
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const chunk = rows.slice(i, i + INSERT_CHUNK);
      const values = chunk.map(
        (r) =>
          sql`(${r.id}, ${r.organization_id}, ${r.archive_id}, ${r.text}, ${r.tags}, ${r.metadata}, ${r.embedding_model}, ${r.embedding_dim}, ${r.created_at}, ${r.file_id ?? null}${
            vector ? sql`, ${r.vector ? binary(r.vector) : null}::vector` : sql``
          })`,
      );
      await sql`INSERT INTO passages (id, organization_id, archive_id, text, tags, metadata, embedding_model, embedding_dim, created_at, file_id${
        vector ? sql`, embedding` : sql``
      }) VALUES ${sql.join(values)}`.execute(this.db);
    }
  }

  async replaceVectors(rows: VectorReplacement[]): Promise<void> {
    const vector = await this.vectorAvailable();
    for (const r of rows) {
      await sql`UPDATE passages SET embedding_dim = ${r.dim}, embedding_model = ${r.model}${
        vector ? sql`, embedding = ${literal(r.vector)}::vector` : sql``
      } WHERE id = ${r.id}`.execute(this.db);
    }
  }

  async nearest(scope: SearchScope, vector: number[], dim: number): Promise<ScoredId[]> {
    if (!(await this.vectorAvailable())) return [];
    const d = dimLiteral(dim);
    const run = async (db: Kysely<Database>) => {
      const ef = Math.min(Math.max(this.state.hnsw.efSearch, scope.limit), 1000);
      // Both settings in one round trip (set_config(…, true) is SET LOCAL).
      await sql`SELECT set_config('hnsw.ef_search', ${String(Math.trunc(ef))}, true),
        set_config('hnsw.iterative_scan', 'relaxed_order', true)`.execute(db);
      const { rows } = await sql<{ id: string; distance: number }>`
        SELECT p.id, (p.embedding::vector(${d})) <=> ${literal(vector)}::vector(${d}) AS distance
        FROM passages p
        WHERE p.embedding_dim = ${d} AND p.embedding IS NOT NULL
          AND p.organization_id = ${scope.org} AND p.archive_id = ANY(${scope.archiveIds}::text[])${andAll(filterConditions(scope.filter, tagsMatch))}
        ORDER BY (p.embedding::vector(${d})) <=> ${literal(vector)}::vector(${d})
        LIMIT ${scope.limit}`.execute(db);
      return rows;
    };
    const rows = this.db.isTransaction ? await run(this.db) : await this.db.transaction().execute(run);
    // relaxed_order may return slightly out of order: sort by distance.
    return rows.map((r) => ({ id: r.id, score: Number(r.distance) })).sort((a, b) => a.score - b.score);
  }

  async keyword(scope: SearchScope, query: string): Promise<ScoredId[]> {
    const words = queryWords(query);
    if (words.length === 0) return [];
    const { rows } = await sql<{ id: string; score: number }>`
      SELECT p.id, ts_rank_cd(p.text_search, q) AS score
      FROM passages p, websearch_to_tsquery('english', ${words.join(' or ')}) q
      WHERE p.text_search @@ q
        AND p.organization_id = ${scope.org} AND p.archive_id = ANY(${scope.archiveIds}::text[])${andAll(filterConditions(scope.filter, tagsMatch))}
      ORDER BY score DESC, p.created_at DESC LIMIT ${scope.limit}`.execute(this.db);
    return rows.map((r) => ({ id: r.id, score: Number(r.score) }));
  }
}

/** `valid`, `invalid` (being built, or the leftover of a build that died) or `missing`. */
async function indexStatus(db: Kysely<Database>, name: string): Promise<'valid' | 'invalid' | 'missing'> {
  const { rows } = await sql<{
    valid: boolean;
  }>`SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = to_regclass(${name})`.execute(db);
  const row = rows[0];
  return !row ? 'missing' : row.valid ? 'valid' : 'invalid';
}
