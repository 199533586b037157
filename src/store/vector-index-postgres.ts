/**
 * PostgreSQL search: pgvector `embedding vector` (no fixed dimension) with one HNSW cosine index
 * per dimension, a partial expression index created when the dimension first appears; queries
 * cast to that dimension and repeat the partial predicate as a literal so the planner uses it.
 * Searches run with `hnsw.ef_search = 200` and pgvector 0.8's iterative scan (so filters applied
 * after the index scan still fill the page). Full text: GIN on `to_tsvector('english', text)`,
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
  type VectorReplacement,
} from './passage-index.js';
import type { Database } from './schema.js';

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

  async ensureDimension(dim: number): Promise<void> {
    if (this.state.dims.has(dim) || !(await this.vectorAvailable())) return;
    const d = dimLiteral(dim);
    try {
      await sql`CREATE INDEX IF NOT EXISTS ${sql.raw(`passages_embedding_${dim}`)} ON passages
        USING hnsw ((embedding::vector(${d})) vector_cosine_ops) WHERE embedding_dim = ${d}`.execute(this.db);
    } catch (err) {
      // Two processes creating the same index at once: the loser sees a duplicate; the index exists.
      const code = (err as { code?: string }).code;
      if (code !== '23505' && code !== '42P07') throw err;
    }
    this.state.dims.add(dim);
  }

  async insert(rows: PassageRow[]): Promise<void> {
    if (rows.length === 0) return;
    const vector = await this.vectorAvailable();
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500);
      const values = chunk.map(
        (r) =>
          sql`(${r.id}, ${r.organization_id}, ${r.archive_id}, ${r.text}, ${r.tags}, ${r.metadata}, ${r.embedding_model}, ${r.embedding_dim}, ${r.created_at}${
            vector ? sql`, ${r.vector ? literal(r.vector) : null}::vector` : sql``
          })`,
      );
      await sql`INSERT INTO passages (id, organization_id, archive_id, text, tags, metadata, embedding_model, embedding_dim, created_at${
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
      await sql`SET LOCAL hnsw.ef_search = ${sql.raw(String(Math.max(200, Math.min(scope.limit, 1000))))}`.execute(
        db,
      );
      await sql`SET LOCAL hnsw.iterative_scan = relaxed_order`.execute(db);
      const { rows } = await sql<{ id: string; distance: number }>`
        SELECT p.id, (p.embedding::vector(${d})) <=> ${literal(vector)}::vector(${d}) AS distance
        FROM passages p
        WHERE p.embedding_dim = ${d} AND p.embedding IS NOT NULL
          AND p.organization_id = ${scope.org} AND p.archive_id = ${scope.archiveId}${andAll(filterConditions('postgres', scope.filter))}
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
      SELECT p.id, ts_rank_cd(to_tsvector('english', p.text), q) AS score
      FROM passages p, websearch_to_tsquery('english', ${words.join(' or ')}) q
      WHERE to_tsvector('english', p.text) @@ q
        AND p.organization_id = ${scope.org} AND p.archive_id = ${scope.archiveId}${andAll(filterConditions('postgres', scope.filter))}
      ORDER BY score DESC, p.created_at DESC LIMIT ${scope.limit}`.execute(this.db);
    return rows.map((r) => ({ id: r.id, score: Number(r.score) }));
  }
}
