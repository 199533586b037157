/**
 * SQLite search: every passage gets an integer key (`passage_keys`); full text lives in the FTS5
 * table `passages_fts` and vectors in sqlite-vec `vec0` tables, one per dimension
 * (`passages_vec_<dim>`, cosine, partitioned by archive), all keyed by that integer (as BigInt:
 * sqlite-vec rejects floating-point rowids). Deleting a key row (a passage deleted, directly or
 * by cascade) drops its FTS row and vector through triggers.
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

/** Tags are JSON text: any of them (EXISTS), or all of them (counting distinct matches). */
const tagsMatch: TagsMatch = (tags, all) => {
  const list = sql.join(tags.map((t) => sql`${t}`));
  return all
    ? sql`(SELECT count(DISTINCT j.value) FROM json_each(p.tags) j WHERE j.value IN (${list})) = ${new Set(tags).size}`
    : sql`EXISTS (SELECT 1 FROM json_each(p.tags) j WHERE j.value IN (${list}))`;
};

function blob(vector: number[]): Buffer {
  const f = new Float32Array(vector);
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength);
}

export class SqlitePassageIndex implements PassageIndex {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly state: IndexState,
  ) {}

  async vectorAvailable(): Promise<boolean> {
    if (this.state.vector === undefined) {
      try {
        await sql`SELECT vec_version()`.execute(this.db);
        this.state.vector = true;
      } catch {
        this.state.vector = false;
      }
    }
    return this.state.vector;
  }

  async ensureDimension(dim: number): Promise<void> {
    if (this.state.dims.has(dim) || !(await this.vectorAvailable())) return;
    const d = dimLiteral(dim);
    const table = sql.table(`passages_vec_${dim}`);
    await sql`CREATE VIRTUAL TABLE IF NOT EXISTS ${table} USING vec0(archive_id text partition key, embedding float[${d}] distance_metric=cosine)`.execute(
      this.db,
    );
    await sql`CREATE TRIGGER IF NOT EXISTS ${sql.raw(`passages_vec_${dim}_delete`)} AFTER DELETE ON passage_keys
      BEGIN DELETE FROM ${table} WHERE rowid = old.key; END`.execute(this.db);
    this.state.dims.add(dim);
  }

  /** sqlite-vec's `vec0` is a flat (exact) index kept as rows go in: nothing to build. */
  async ensureIndex(_dim: number): Promise<boolean> {
    return false;
  }

  async insert(rows: PassageRow[]): Promise<void> {
    if (rows.length === 0) return;
    const vector = await this.vectorAvailable();
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500);
      await this.db
        .insertInto('passages')
        .values(chunk.map(({ vector: _v, ...r }) => r))
        .execute();
      for (const r of chunk) {
        const { rows: keyRows } = await sql<{
          key: number;
        }>`INSERT INTO passage_keys (passage_id) VALUES (${r.id}) RETURNING key`.execute(this.db);
        const key = BigInt(keyRows[0]?.key ?? 0);
        await sql`INSERT INTO passages_fts (rowid, text) VALUES (${key}, ${r.text})`.execute(this.db);
        if (vector && r.vector && r.embedding_dim) {
          await sql`INSERT INTO ${sql.table(`passages_vec_${r.embedding_dim}`)} (rowid, archive_id, embedding) VALUES (${key}, ${r.archive_id}, ${blob(r.vector)})`.execute(
            this.db,
          );
        }
      }
    }
  }

  async replaceVectors(rows: VectorReplacement[]): Promise<void> {
    const vector = await this.vectorAvailable();
    for (const r of rows) {
      const { rows: keyRows } = await sql<{
        key: number;
      }>`SELECT key FROM passage_keys WHERE passage_id = ${r.id}`.execute(this.db);
      const k = keyRows[0];
      if (!k) continue;
      const key = BigInt(k.key);
      if (vector && r.old_dim) {
        if (await this.tableExists(r.old_dim)) {
          await sql`DELETE FROM ${sql.table(`passages_vec_${r.old_dim}`)} WHERE rowid = ${key}`.execute(
            this.db,
          );
        }
      }
      if (vector) {
        await sql`INSERT INTO ${sql.table(`passages_vec_${r.dim}`)} (rowid, archive_id, embedding) VALUES (${key}, ${r.archive_id}, ${blob(r.vector)})`.execute(
          this.db,
        );
      }
      await this.db
        .updateTable('passages')
        .set({ embedding_dim: r.dim, embedding_model: r.model })
        .where('id', '=', r.id)
        .execute();
    }
  }

  async nearest(scope: SearchScope, vector: number[], dim: number): Promise<ScoredId[]> {
    if (!(await this.vectorAvailable()) || !(await this.tableExists(dim))) return [];
    const table = sql.table(`passages_vec_${dim}`);
    const filters = filterConditions(scope.filter, tagsMatch);
    if (filters.length === 0) {
      // KNN over each archive's partition (sqlite-vec caps k at 4096), merged by distance.
      const hits: ScoredId[] = [];
      for (const archiveId of scope.archiveIds) {
        const { rows } = await sql<{ id: string; distance: number }>`
          SELECT p.id, v.distance FROM (
            SELECT rowid, distance FROM ${table}
            WHERE embedding MATCH ${blob(vector)} AND k = ${Math.min(scope.limit, 4096)} AND archive_id = ${archiveId}
          ) v
          JOIN passage_keys k ON k.key = v.rowid
          JOIN passages p ON p.id = k.passage_id
          WHERE p.organization_id = ${scope.org}
          ORDER BY v.distance`.execute(this.db);
        hits.push(...rows.map((r) => ({ id: r.id, score: r.distance })));
      }
      return hits.sort((a, b) => a.score - b.score).slice(0, scope.limit);
    }
    // Filtered: exact distances over the rows that pass the filters (no recall loss to post-filtering).
    const { rows } = await sql<{ id: string; distance: number }>`
      SELECT p.id, vec_distance_cosine(v.embedding, ${blob(vector)}) AS distance
      FROM passages p
      JOIN passage_keys k ON k.passage_id = p.id
      JOIN ${table} v ON v.rowid = k.key
      WHERE p.organization_id = ${scope.org} AND p.archive_id IN (${sql.join(scope.archiveIds)}) AND p.embedding_dim = ${dim}${andAll(filters)}
      ORDER BY distance LIMIT ${scope.limit}`.execute(this.db);
    return rows.map((r) => ({ id: r.id, score: r.distance }));
  }

  async keyword(scope: SearchScope, query: string): Promise<ScoredId[]> {
    const words = queryWords(query);
    if (words.length === 0) return [];
    const match = words.map((w) => `"${w}"`).join(' OR ');
    const { rows } = await sql<{ id: string; score: number }>`
      SELECT p.id, bm25(passages_fts) AS score
      FROM passages_fts
      JOIN passage_keys k ON k.key = passages_fts.rowid
      JOIN passages p ON p.id = k.passage_id
      WHERE passages_fts MATCH ${match} AND p.organization_id = ${scope.org} AND p.archive_id IN (${sql.join(scope.archiveIds)})${andAll(filterConditions(scope.filter, tagsMatch))}
      ORDER BY score LIMIT ${scope.limit}`.execute(this.db);
    // bm25 is lower-is-better; report higher-is-better.
    return rows.map((r) => ({ id: r.id, score: -r.score }));
  }

  private async tableExists(dim: number): Promise<boolean> {
    if (this.state.dims.has(dim)) return true;
    const { rows } = await sql`SELECT 1 FROM sqlite_master WHERE name = ${`passages_vec_${dim}`}`.execute(
      this.db,
    );
    if (rows.length > 0) this.state.dims.add(dim);
    return rows.length > 0;
  }
}
