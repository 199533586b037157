/**
 * Archival memory: each agent's archive of passages (created on first use), embedded with the
 * agent's embedding model and searched by hybrid ranking — reciprocal rank fusion (k = 60) of the
 * nearest vectors and the best keyword matches, with tag and date filters applied in both legs.
 * Without an embedding model on the agent, or without a vector extension, search is keyword only
 * and says so (`search_mode: 'keyword'`).
 *
 * An archive records the embedding model and dimension its vectors were made with; inserting or
 * searching with a model of another dimension is EMBEDDING_DIMENSION_MISMATCH until
 * {@link ArchivalService.reembed} re-embeds the archive with the agent's current model.
 */

import { LettaError } from '../errors.js';
import { newId } from '../ids.js';
import { DEFAULT_LIMITS, overLimit, type RequestLimits } from '../limits.js';
import type { Logger } from '../logger.js';
import type { ProviderRegistry } from '../runtime/llm/index.js';
import type { ArchivalTools, ToolEnv } from '../runtime/tools/execute-tool.js';
import { ToolError } from '../runtime/tools/memory-edits.js';
import type { ArchiveRecord } from '../store/archive-repository.js';
import type {
  NewPassage,
  PassageFilter,
  PassageListQuery,
  PassageRecord,
  ScoredId,
} from '../store/passage-repository.js';
import { type AgentRecord, type JsonObject, nowIso } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { RequestContext } from './context.js';

export type { PassageRecord };

export const RRF_K = 60;
export const DEFAULT_TOP_K = 10;
const MAX_TOP_K = 1000;
const REEMBED_BATCH = 100;

export type SearchMode = 'hybrid' | 'vector' | 'keyword';

export interface InsertPassageInput {
  text: string;
  tags?: string[] | undefined;
  /** ISO-8601; defaults to now. */
  created_at?: string | undefined;
  metadata?: JsonObject | undefined;
  /** The folder file the passage is a chunk of. */
  file_id?: string | undefined;
}

export interface ArchivalSearchOptions {
  top_k?: number | undefined;
  tags?: string[] | undefined;
  tag_match_mode?: 'any' | 'all' | undefined;
  start_datetime?: string | undefined;
  end_datetime?: string | undefined;
  /** Force a mode (default hybrid when the agent has an embedding model). */
  mode?: SearchMode | undefined;
}

export interface ArchivalHit {
  passage: PassageRecord;
  /** The fused score (RRF), or the single leg's rank score. Higher is better. */
  score: number;
  /** 1-based rank in the vector leg, when it appeared there. */
  vector_rank: number | null;
  /** 1-based rank in the keyword leg, when it appeared there. */
  keyword_rank: number | null;
}

export interface ArchivalSearchResult {
  results: ArchivalHit[];
  search_mode: SearchMode;
  /** Why the search was not hybrid, when it was not asked to be. */
  note?: string | undefined;
}

export class ArchivalService {
  private warnedNoVector = false;
  /** Index builds this process started, by dimension (one at a time each). */
  private readonly builds = new Map<number, Promise<void>>();
  /** The adapter the built-in archival tools call. */
  readonly tools: ArchivalTools;

  constructor(
    private readonly store: Store,
    private readonly providers: ProviderRegistry,
    private readonly log: Logger,
    private readonly limits: RequestLimits = DEFAULT_LIMITS,
  ) {
    this.tools = {
      insert: (env, content, tags) => this.toolInsert(env, content, tags),
      search: (env, args) => this.toolSearch(env, args),
    };
  }

  /**
   * The archive the agent writes to (the first linked to it), created (with the agent's
   * embedding handle) when `create` and missing.
   */
  async archive(ctx: RequestContext, agent: AgentRecord, create: true): Promise<ArchiveRecord>;
  async archive(ctx: RequestContext, agent: AgentRecord, create: boolean): Promise<ArchiveRecord | undefined>;
  async archive(
    ctx: RequestContext,
    agent: AgentRecord,
    create: boolean,
  ): Promise<ArchiveRecord | undefined> {
    const [found] = await this.store.archives.listForAgent(ctx.org, agent.id);
    if (found || !create) return found;
    const archive: ArchiveRecord = {
      id: newId('archive'),
      organization_id: ctx.org,
      name: `${agent.name} archival memory`,
      description: null,
      metadata: {},
      embedding: agent.embedding,
      embedding_dim: null,
      created_at: nowIso(),
      updated_at: null,
    };
    await this.store.transaction(async (tx) => {
      await tx.archives.insert(archive);
      await tx.archives.attach(ctx.org, archive.id, agent.id);
    });
    return archive;
  }

  /** Stores a passage (embedded when the agent has an embedding model); returns it as a one-element list. */
  async insert(ctx: RequestContext, agent: AgentRecord, input: InsertPassageInput): Promise<PassageRecord[]> {
    this.checkInput(input);
    const archive = await this.archive(ctx, agent, true);
    return this.insertPassages(ctx, archive, agent.embedding, [input]);
  }

  /**
   * Stores passages in an archive, embedded with `embedding` (null: keyword search only), in one
   * transaction (multi-row inserts), all or none. The bulk path: when their dimension has no
   * vector index yet, the index is built once after the rows are in (PostgreSQL), not row by row.
   */
  async insertPassages(
    ctx: RequestContext,
    archive: ArchiveRecord,
    embedding: string | null,
    inputs: InsertPassageInput[],
  ): Promise<PassageRecord[]> {
    if (inputs.length === 0) return [];
    for (const input of inputs) this.checkInput(input);
    const createdAt = inputs.map((i) =>
      i.created_at === undefined ? nowIso() : isoDate(i.created_at, 'created_at'),
    );
    const embedded = await this.embed(
      embedding,
      inputs.map((i) => i.text),
    );
    const dim = embedded?.dimension ?? null;
    if (embedded) {
      this.checkDimension(archive, embedded.handle, embedded.dimension);
      await this.store.passages.ensureDimension(embedded.dimension);
    }
    const passages: NewPassage[] = inputs.map((input, i) => ({
      id: newId('passage'),
      organization_id: ctx.org,
      archive_id: archive.id,
      text: input.text,
      tags: [...new Set(input.tags ?? [])],
      metadata: input.metadata ?? {},
      embedding_model: embedded?.handle ?? null,
      embedding_dim: dim,
      created_at: createdAt[i] ?? nowIso(),
      ...(input.file_id === undefined ? {} : { file_id: input.file_id }),
      vector: embedded?.vectors[i] ?? null,
    }));
    await this.store.transaction(async (tx) => {
      if (embedded && archive.embedding_dim === null) {
        await tx.archives.updateEmbedding(ctx.org, archive.id, embedded.handle, embedded.dimension);
      }
      await tx.passages.insert(passages);
    });
    if (dim !== null) this.indexInBackground(dim);
    return passages.map(({ vector: _v, ...record }) => record);
  }

  private checkInput(input: InsertPassageInput): void {
    if (input.text.trim() === '') throw new LettaError('VALIDATION_ERROR', 'text must not be empty');
    overLimit(
      'passage text',
      input.text.length,
      this.limits.passageChars,
      'LETTA_MAX_PASSAGE_CHARS',
      'characters',
    );
  }

  /** LIMIT_EXCEEDED for a search query that is too long, has too many words or too long a word. */
  private checkQuery(query: string): void {
    const l = this.limits;
    overLimit('search query', query.length, l.searchChars, 'LETTA_MAX_SEARCH_CHARS', 'characters');
    const words = query.match(/[\p{L}\p{N}]+/gu) ?? [];
    overLimit('search query', words.length, l.searchTerms, 'LETTA_MAX_SEARCH_TERMS', 'words');
    const longest = words.reduce((n, w) => Math.max(n, w.length), 0);
    overLimit('a search word', longest, l.searchTermChars, 'LETTA_MAX_SEARCH_TERM_CHARS', 'characters');
  }

  async search(
    ctx: RequestContext,
    agent: AgentRecord,
    query: string,
    options: ArchivalSearchOptions = {},
  ): Promise<ArchivalSearchResult> {
    const archives = await this.store.archives.listForAgent(ctx.org, agent.id);
    return this.searchIn(ctx, archives, agent.embedding, query, options);
  }

  /**
   * Hybrid search over these archives with `embedding` (null: keyword only); the first archive
   * sets the vector space (archives embedded otherwise join through keywords). Folder file search
   * uses it over the agent's folders' archives.
   */
  async searchIn(
    ctx: RequestContext,
    archives: ArchiveRecord[],
    embedding: string | null,
    query: string,
    options: ArchivalSearchOptions = {},
  ): Promise<ArchivalSearchResult> {
    this.checkQuery(query);
    const topK = Math.min(Math.max(Math.trunc(options.top_k ?? DEFAULT_TOP_K), 1), MAX_TOP_K);
    const filter: PassageFilter = {
      tags: options.tags && options.tags.length > 0 ? options.tags : undefined,
      tagMatchMode: options.tag_match_mode ?? 'any',
      start:
        options.start_datetime === undefined ? undefined : isoDate(options.start_datetime, 'start_datetime'),
      end: options.end_datetime === undefined ? undefined : isoDate(options.end_datetime, 'end_datetime'),
    };
    let mode: SearchMode = options.mode ?? 'hybrid';
    let note: string | undefined;
    if (mode !== 'keyword' && !embedding) {
      mode = 'keyword';
      note = 'no embedding model; keyword search only';
    } else if (mode !== 'keyword' && !(await this.store.passages.vectorAvailable())) {
      mode = 'keyword';
      note = `vector search is unavailable (no ${this.store.dialect.vectorExtension}); keyword search only`;
      if (!this.warnedNoVector) {
        this.warnedNoVector = true;
        this.log.warn(note);
      }
    }
    const [archive] = archives;
    if (!archive) return { results: [], search_mode: mode, note };
    const pool = Math.min(Math.max(topK * 4, 50), 1000);
    let vectorHits: ScoredId[] = [];
    let keywordHits: ScoredId[] = [];
    if (mode !== 'keyword') {
      const embedded = await this.embed(embedding, [query]);
      const vector = embedded?.vectors[0];
      if (embedded && vector) {
        this.checkDimension(archive, embedded.handle, embedded.dimension);
        // Attached archives embedded with another model join through keywords only.
        const sameSpace = archives.filter(
          (a) =>
            a === archive ||
            ((a.embedding_dim === null || a.embedding_dim === embedded.dimension) &&
              (a.embedding === null || a.embedding === embedded.handle)),
        );
        vectorHits = await this.store.passages.nearest(
          ctx.org,
          sameSpace.map((a) => a.id),
          vector,
          filter,
          mode === 'vector' ? topK : pool,
        );
      }
    }
    if (mode !== 'vector') {
      keywordHits = await this.store.passages.keyword(
        ctx.org,
        archives.map((a) => a.id),
        query,
        filter,
        mode === 'keyword' ? topK : pool,
      );
    }
    const fused = fuse(vectorHits, keywordHits).slice(0, topK);
    const passages = await this.store.passages.getMany(
      ctx.org,
      fused.map((f) => f.id),
    );
    const byId = new Map(passages.map((p) => [p.id, p]));
    const results = fused.flatMap((f) => {
      const passage = byId.get(f.id);
      return passage
        ? [{ passage, score: f.score, vector_rank: f.vectorRank, keyword_rank: f.keywordRank }]
        : [];
    });
    return { results, search_mode: mode, note };
  }

  /** The passages of every archive linked to the agent. */
  async list(ctx: RequestContext, agent: AgentRecord, query: PassageListQuery): Promise<PassageRecord[]> {
    if (query.search !== undefined)
      overLimit(
        'search',
        query.search.length,
        this.limits.searchTermChars,
        'LETTA_MAX_SEARCH_TERM_CHARS',
        'characters',
      );
    return this.store.passages.list(ctx.org, await this.archiveIds(ctx, agent), query);
  }

  async get(ctx: RequestContext, agent: AgentRecord, id: string): Promise<PassageRecord> {
    const passage = await this.store.passages.get(ctx.org, await this.archiveIds(ctx, agent), id);
    if (!passage) throw new LettaError('PASSAGE_NOT_FOUND', `Passage '${id}' not found`);
    return passage;
  }

  async delete(ctx: RequestContext, agent: AgentRecord, id: string): Promise<void> {
    const deleted = await this.store.passages.delete(ctx.org, await this.archiveIds(ctx, agent), id);
    if (!deleted) throw new LettaError('PASSAGE_NOT_FOUND', `Passage '${id}' not found`);
  }

  private async archiveIds(ctx: RequestContext, agent: AgentRecord): Promise<string[]> {
    return (await this.store.archives.listForAgent(ctx.org, agent.id)).map((a) => a.id);
  }

  /**
   * Re-embeds every passage of the agent's archive with the agent's current embedding model
   * (after a model change), then records the new model and dimension on the archive.
   */
  async reembed(
    ctx: RequestContext,
    agent: AgentRecord,
  ): Promise<{
    archive_id: string | null;
    reembedded: number;
    embedding: string | null;
    embedding_dim: number | null;
  }> {
    if (!agent.embedding)
      throw new LettaError(
        'NO_EMBEDDING_MODEL',
        `Agent '${agent.name}' has no embedding model to re-embed with`,
      );
    const archive = await this.archive(ctx, agent, false);
    if (!archive) return { archive_id: null, reembedded: 0, embedding: agent.embedding, embedding_dim: null };
    let after: string | undefined;
    let count = 0;
    let dim: number | null = null;
    let handle: string = agent.embedding;
    for (;;) {
      const batch = await this.store.passages.listForReembed(ctx.org, archive.id, after, REEMBED_BATCH);
      if (batch.length === 0) break;
      const embedded = await this.embed(
        agent.embedding,
        batch.map((p) => p.text),
      );
      if (!embedded) break;
      dim = embedded.dimension;
      handle = embedded.handle;
      await this.store.passages.ensureDimension(dim);
      const d = dim;
      await this.store.transaction((tx) =>
        tx.passages.replaceVectors(
          batch.map((p, i) => ({
            id: p.id,
            archive_id: archive.id,
            old_dim: p.embedding_dim,
            dim: d,
            vector: embedded.vectors[i] ?? [],
            model: handle,
          })),
        ),
      );
      count += batch.length;
      after = batch.at(-1)?.id;
    }
    await this.store.archives.updateEmbedding(ctx.org, archive.id, handle, dim);
    if (dim !== null) this.indexInBackground(dim);
    this.log.info({ agent: agent.id, archive: archive.id, count, dim }, 're-embedded archival memory');
    return { archive_id: archive.id, reembedded: count, embedding: handle, embedding_dim: dim };
  }

  // Built-in tools

  private async toolInsert(env: ToolEnv, content: string, tags: string[]): Promise<string> {
    try {
      const [p] = await this.insert(env.ctx, env.agent, { text: content, tags });
      return `Inserted into archival memory (id ${p?.id ?? '?'}).`;
    } catch (err) {
      if (err instanceof LettaError) throw new ToolError(err.message);
      throw err;
    }
  }

  private async toolSearch(env: ToolEnv, a: Record<string, unknown>): Promise<string> {
    const tags = Array.isArray(a.tags) ? a.tags.map(String) : undefined;
    const mode = a.tag_match_mode === 'all' ? 'all' : 'any';
    const topK =
      typeof a.top_k === 'number'
        ? a.top_k
        : typeof a.top_k === 'string'
          ? Number.parseInt(a.top_k, 10) || undefined
          : undefined;
    const opt = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
    try {
      const r = await this.search(env.ctx, env.agent, String(a.query ?? ''), {
        tags,
        tag_match_mode: mode,
        top_k: topK,
        start_datetime: opt(a.start_datetime),
        end_datetime: opt(a.end_datetime),
      });
      if (r.results.length === 0) return `No results found in archival memory (${r.search_mode} search).`;
      const lines = r.results.map((h, i) => {
        const tagText = h.passage.tags.length > 0 ? ` [tags: ${h.passage.tags.join(', ')}]` : '';
        return `${i + 1}. (${h.passage.created_at})${tagText} ${h.passage.text}`;
      });
      return `Found ${r.results.length} result(s) in archival memory (${r.search_mode} search):\n${lines.join('\n')}`;
    } catch (err) {
      if (err instanceof LettaError) throw new ToolError(err.message);
      throw err;
    }
  }

  /** Waits for the index builds this process started (before the database closes). */
  async drain(): Promise<void> {
    await Promise.all(this.builds.values());
  }

  // Helpers

  /**
   * Builds the dimension's vector index if it is missing, without holding up the caller: a bulk
   * load answers when its rows are committed, and searches run exactly (by scan) until the index
   * is valid. A build cut short (process stopped) leaves an invalid index, replaced next time.
   */
  private indexInBackground(dim: number): void {
    if (this.builds.has(dim)) return;
    const started = Date.now();
    const build = this.store.passages
      .ensureIndex(dim)
      .then((built) => {
        if (built) this.log.info({ dim, ms: Date.now() - started }, 'built the archival vector index');
      })
      .catch((err: unknown) => this.log.error({ err, dim }, 'archival vector index build failed'))
      .finally(() => this.builds.delete(dim));
    this.builds.set(dim, build);
  }

  private async embed(
    handle: string | null,
    inputs: string[],
  ): Promise<{ vectors: number[][]; dimension: number; handle: string } | null> {
    if (!handle) return null;
    const model = this.providers.resolveEmbedding(handle);
    const { vectors, dimension } = await model.client.embed({ model: model.model, inputs });
    if (vectors.length !== inputs.length || dimension < 1) {
      throw new LettaError(
        'LLM_ERROR',
        `Embedding model '${model.handle}' returned ${vectors.length} vectors for ${inputs.length} inputs`,
      );
    }
    return { vectors, dimension, handle: model.handle };
  }

  private checkDimension(archive: ArchiveRecord, handle: string, dim: number): void {
    if (archive.embedding_dim !== null && archive.embedding_dim !== dim) {
      throw new LettaError(
        'EMBEDDING_DIMENSION_MISMATCH',
        `The archive holds ${archive.embedding_dim}-dimensional embeddings from '${archive.embedding ?? 'unknown'}', ` +
          `but the agent's embedding model '${handle}' produces ${dim}-dimensional vectors. ` +
          `Re-embed the archive with the new model (letta reembed <agent>) or switch back to '${archive.embedding ?? 'the old model'}'.`,
        {
          extra: {
            archive_dimension: archive.embedding_dim,
            archive_embedding: archive.embedding,
            model_dimension: dim,
            model: handle,
          },
        },
      );
    }
  }
}

interface Fused {
  id: string;
  score: number;
  vectorRank: number | null;
  keywordRank: number | null;
}

/** Reciprocal rank fusion: score = Σ 1 / (k + rank) over the legs a passage appears in. */
export function fuse(vector: ScoredId[], keyword: ScoredId[], k = RRF_K): Fused[] {
  const out = new Map<string, Fused>();
  const add = (hits: ScoredId[], leg: 'vectorRank' | 'keywordRank') => {
    hits.forEach((h, i) => {
      const f = out.get(h.id) ?? { id: h.id, score: 0, vectorRank: null, keywordRank: null };
      if (f[leg] !== null) return;
      f[leg] = i + 1;
      f.score += 1 / (k + i + 1);
      out.set(h.id, f);
    });
  };
  add(vector, 'vectorRank');
  add(keyword, 'keywordRank');
  return [...out.values()].sort(
    (a, b) =>
      b.score - a.score ||
      (a.vectorRank ?? Number.MAX_SAFE_INTEGER) - (b.vectorRank ?? Number.MAX_SAFE_INTEGER),
  );
}

function isoDate(value: string, field: string): string {
  const t = Date.parse(value);
  if (Number.isNaN(t))
    throw new LettaError('VALIDATION_ERROR', `${field} is not a valid ISO-8601 date-time: '${value}'`);
  return new Date(t).toISOString();
}
