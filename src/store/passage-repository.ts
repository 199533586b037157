/**
 * Passages (archival memory). Plain rows go through Kysely; the search
 * indexes (integer keys, FTS, vectors) through the dialect's {@link PassageIndex}.
 */
import { type Kysely, type Selectable, sql } from 'kysely';
import type { StoreDialect } from './dialect/store-dialect.js';
import { pageRows } from './paginate.js';
import {
  DEFAULT_HNSW,
  type HnswSettings,
  type IndexState,
  type PassageFilter,
  type PassageIndex,
  type PassageRow,
  type ScoredId,
  type VectorReplacement,
} from './passage-index.js';
import { type JsonObject, type PageQuery, parseJson } from './records.js';
import type { Database, PassageTable } from './schema.js';

export type { HnswSettings, PassageFilter, ScoredId } from './passage-index.js';

export interface PassageRecord {
  id: string;
  organization_id: string;
  archive_id: string;
  text: string;
  tags: string[];
  metadata: JsonObject;
  embedding_model: string | null;
  embedding_dim: number | null;
  created_at: string;
  /** The folder file this chunk came from (absent for archival memory). */
  file_id?: string | undefined;
}

export interface NewPassage extends PassageRecord {
  /** The passage's embedding (null: stored for keyword search only). */
  vector: number[] | null;
}

export interface PassageListQuery extends PageQuery {
  /** Case-insensitive substring of the text. */
  search?: string | undefined;
}

/** Fresh search state; `hnsw` overrides the defaults (from the config: LETTA_HNSW_*). */
export function newIndexState(hnsw: Partial<HnswSettings> = {}): IndexState {
  return { vector: undefined, dims: new Set(), hnsw: { ...DEFAULT_HNSW, ...hnsw } };
}

export class PassageRepository {
  private readonly index: PassageIndex;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: StoreDialect,
    state: IndexState,
  ) {
    this.index = dialect.passageIndex(db, state);
  }

  // Passages

  async vectorAvailable(): Promise<boolean> {
    return this.index.vectorAvailable();
  }

  /** Makes vectors of a dimension storable (SQLite's vec0 table); call before the inserting transaction. */
  async ensureDimension(dim: number): Promise<void> {
    await this.index.ensureDimension(dim);
  }

  /**
   * Builds the dimension's HNSW index if missing (PostgreSQL); call after the inserting
   * transaction committed, outside any transaction. Returns whether it built one.
   */
  async ensureIndex(dim: number): Promise<boolean> {
    return this.index.ensureIndex(dim);
  }

  async insert(passages: NewPassage[]): Promise<void> {
    const rows: PassageRow[] = passages.map((p) => ({
      ...p,
      tags: JSON.stringify(p.tags),
      metadata: JSON.stringify(p.metadata),
    }));
    await this.index.insert(rows);
  }

  async get(org: string, archiveIds: string[], id: string): Promise<PassageRecord | undefined> {
    if (archiveIds.length === 0) return undefined;
    const row = await this.db
      .selectFrom('passages')
      .selectAll()
      .where('organization_id', '=', org)
      .where('archive_id', 'in', archiveIds)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  /** These passages, in the order of `ids` (missing ones skipped). */
  async getMany(org: string, ids: string[]): Promise<PassageRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('passages')
      .selectAll()
      .where('organization_id', '=', org)
      .where('id', 'in', ids)
      .execute();
    const byId = new Map(rows.map((r) => [r.id, fromRow(r)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /** A page of the passages of these archives. */
  async list(org: string, archiveIds: string[], query: PassageListQuery): Promise<PassageRecord[]> {
    if (archiveIds.length === 0) return [];
    let q = this.db
      .selectFrom('passages')
      .selectAll()
      .where('organization_id', '=', org)
      .where('archive_id', 'in', archiveIds);
    if (query.search) {
      // A plain substring search (instr/strpos compare whole needles with memcmp or a skip
      // table; LIKE '%…%' stepped character by character: a 100-character needle over 3 MB of
      // passages took 3.9 s on SQLite, on the event loop).
      const needle = query.search.toLowerCase();
      q = q.where(sql<boolean>`${this.dialect.textPosition}(lower(passages.text), ${needle}) > 0`);
    }
    const rows = await pageRows(q, 'passages', query, org);
    return rows.map(fromRow);
  }

  /** Every passage of the archive, oldest first, `batch` at a time after `afterId`. */
  async listForReembed(
    org: string,
    archiveId: string,
    after: string | undefined,
    batch: number,
  ): Promise<PassageRecord[]> {
    return this.list(org, [archiveId], { limit: batch, after, order: 'asc' });
  }

  async count(org: string, archiveId: string): Promise<number> {
    const row = await this.db
      .selectFrom('passages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('organization_id', '=', org)
      .where('archive_id', '=', archiveId)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async delete(org: string, archiveIds: string[], id: string): Promise<boolean> {
    if (archiveIds.length === 0) return false;
    const r = await this.db
      .deleteFrom('passages')
      .where('organization_id', '=', org)
      .where('archive_id', 'in', archiveIds)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Deletes every chunk of a folder file; returns how many. */
  async deleteForFile(org: string, fileId: string): Promise<number> {
    const r = await this.db
      .deleteFrom('passages')
      .where('organization_id', '=', org)
      .where('file_id', '=', fileId)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async replaceVectors(rows: VectorReplacement[]): Promise<void> {
    await this.index.replaceVectors(rows);
  }

  /** Nearest passages by cosine distance (score = distance, closest first). */
  async nearest(
    org: string,
    archiveIds: string[],
    vector: number[],
    filter: PassageFilter,
    limit: number,
  ): Promise<ScoredId[]> {
    if (archiveIds.length === 0) return [];
    return this.index.nearest({ org, archiveIds, filter, limit }, vector, vector.length);
  }

  /** Keyword matches (score = relevance, best first). */
  async keyword(
    org: string,
    archiveIds: string[],
    query: string,
    filter: PassageFilter,
    limit: number,
  ): Promise<ScoredId[]> {
    if (archiveIds.length === 0) return [];
    return this.index.keyword({ org, archiveIds, filter, limit }, query);
  }
}

function fromRow(row: Selectable<PassageTable>): PassageRecord {
  return {
    id: row.id,
    organization_id: row.organization_id,
    archive_id: row.archive_id,
    text: row.text,
    tags: parseJson<string[]>(row.tags, []),
    metadata: parseJson<JsonObject>(row.metadata, {}),
    embedding_model: row.embedding_model,
    embedding_dim: row.embedding_dim === null ? null : Number(row.embedding_dim),
    created_at: row.created_at,
    ...(row.file_id ? { file_id: row.file_id } : {}),
  };
}
