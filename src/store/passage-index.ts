/**
 * What the passage repository needs from a dialect's search machinery: storing a passage's
 * index rows (integer keys, full-text rows, vectors), nearest-neighbour search and keyword search.
 * One implementation per dialect (`vector-index-sqlite.ts`, `vector-index-postgres.ts`); the rest
 * of the code never branches on the dialect.
 */
import { type RawBuilder, sql } from 'kysely';

import type { HnswSettings } from '../hnsw-settings.js';

export { DEFAULT_HNSW, type HnswSettings } from '../hnsw-settings.js';

/** Per-database search state shared by every repository over it (also inside transactions). */
export interface IndexState {
  /** Whether the vector extension is usable; detected on first use. */
  vector: boolean | undefined;
  /** Dimensions whose vector table (SQLite) / valid HNSW index (PostgreSQL) is known to exist. */
  dims: Set<number>;
  hnsw: HnswSettings;
}

/** A passage row as written, plus its vector (null: not embedded). */
export interface PassageRow {
  id: string;
  organization_id: string;
  archive_id: string;
  text: string;
  /** JSON string[]. */
  tags: string;
  /** JSON object. */
  metadata: string;
  embedding_model: string | null;
  embedding_dim: number | null;
  created_at: string;
  /** The folder file the chunk came from (absent/null: archival memory). */
  file_id?: string | null | undefined;
  vector: number[] | null;
}

/** Filters applied in both search legs. */
export interface PassageFilter {
  tags?: string[] | undefined;
  tagMatchMode?: 'any' | 'all' | undefined;
  /** ISO-8601 UTC, inclusive. */
  start?: string | undefined;
  /** ISO-8601 UTC, inclusive. */
  end?: string | undefined;
}

export interface SearchScope {
  org: string;
  /** The archives searched (an agent's linked archives); at least one. */
  archiveIds: string[];
  filter: PassageFilter;
  limit: number;
}

export interface ScoredId {
  id: string;
  /** Vector leg: cosine distance (lower is closer). Keyword leg: relevance (higher is better). */
  score: number;
}

export interface PassageIndex {
  /** Whether vectors can be stored and searched (pgvector / sqlite-vec loaded). */
  vectorAvailable(): Promise<boolean>;
  /**
   * Makes vectors of this dimension storable: SQLite creates the `vec0` table (needed before the
   * insert); PostgreSQL needs nothing (the column has no fixed dimension). Idempotent.
   */
  ensureDimension(dim: number): Promise<void>;
  /**
   * Builds the dimension's approximate index when it does not exist yet, after the rows are in
   * (PostgreSQL: `CREATE INDEX CONCURRENTLY` with the build settings, so a bulk load pays for one
   * build instead of per-row maintenance and other tenants keep writing); a no-op where the index
   * is exact (sqlite-vec). Call outside transactions; never drops a valid index. Returns whether
   * it built one.
   */
  ensureIndex(dim: number): Promise<boolean>;
  /** Inserts passages with their index rows (keys, full text, vectors), in multi-row chunks. */
  insert(rows: PassageRow[]): Promise<void>;
  /** Replaces the vector of existing passages (re-embedding). */
  replaceVectors(rows: VectorReplacement[]): Promise<void>;
  /** The nearest passages to `vector` (dimension `dim`) in the scope, closest first. */
  nearest(scope: SearchScope, vector: number[], dim: number): Promise<ScoredId[]>;
  /** Passages matching any of the query's words, best first. */
  keyword(scope: SearchScope, query: string): Promise<ScoredId[]>;
}

/** A passage's new vector (re-embedding). */
export interface VectorReplacement {
  id: string;
  archive_id: string;
  old_dim: number | null;
  dim: number;
  vector: number[];
  model: string;
}

/** The words of a query (letters and digits), lowercased, at most 64. */
export function queryWords(query: string): string[] {
  const words = query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return [...new Set(words)].filter((w) => w !== 'or' && w !== 'and').slice(0, 64);
}

/** How a database matches a passage's JSON tags (`p.tags`) against any or all of `tags`. */
export type TagsMatch = (tags: string[], all: boolean) => RawBuilder<unknown>;

/** The SQL conditions for `filter` on the passages table aliased `p`. */
export function filterConditions(filter: PassageFilter, tagsMatch: TagsMatch): RawBuilder<unknown>[] {
  const out: RawBuilder<unknown>[] = [];
  if (filter.start !== undefined) out.push(sql`p.created_at >= ${filter.start}`);
  if (filter.end !== undefined) out.push(sql`p.created_at <= ${filter.end}`);
  const tags = filter.tags ?? [];
  if (tags.length > 0) out.push(tagsMatch(tags, filter.tagMatchMode === 'all'));
  return out;
}

/** `AND c1 AND c2 …` (empty when there are no conditions). */
export function andAll(conditions: RawBuilder<unknown>[]): RawBuilder<unknown> {
  return conditions.length === 0 ? sql`` : sql` AND ${sql.join(conditions, sql` AND `)}`;
}

/** A dimension checked to be a small positive integer, for inlining into SQL. */
export function dimLiteral(dim: number): RawBuilder<unknown> {
  if (!Number.isInteger(dim) || dim < 1 || dim > 16_000)
    throw new Error(`invalid embedding dimension ${dim}`);
  return sql.raw(String(dim));
}
