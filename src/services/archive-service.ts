/**
 * Archives as resources (Letta V1 `/v1/archives`): collections of passages an organization
 * creates, fills in bulk and shares between agents by attaching them. An archive is embedded
 * with one model (its `embedding` handle, fixed at creation); passages written into it are
 * embedded with that model and stored through {@link ArchivalService.insertPassages}, whose bulk
 * path builds a new dimension's vector index once, after the rows are in.
 */
import { LettaError } from '../errors.js';
import { newId } from '../ids.js';
import type { ProviderRegistry } from '../runtime/llm/index.js';
import type { ArchiveListQuery, ArchivePatch, ArchiveRecord } from '../store/archive-repository.js';
import type { PassageRecord } from '../store/passage-repository.js';
import { type JsonObject, nowIso, type PageQuery } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { ArchivalService, InsertPassageInput } from './archival-service.js';
import type { RequestContext } from './context.js';

export type { ArchiveRecord };

export interface CreateArchiveInput {
  name: string;
  description?: string | null | undefined;
  /** An embedding handle (`provider/model`); default: the server's default embedding model. */
  embedding?: string | null | undefined;
  metadata?: JsonObject | undefined;
}

export class ArchiveService {
  constructor(
    private readonly store: Store,
    private readonly archival: ArchivalService,
    private readonly providers: ProviderRegistry,
    private readonly defaultEmbeddingHandle: string | undefined,
  ) {}

  async create(ctx: RequestContext, input: CreateArchiveInput): Promise<ArchiveRecord> {
    const handle = input.embedding ?? this.defaultEmbeddingHandle ?? null;
    const archive: ArchiveRecord = {
      id: newId('archive'),
      organization_id: ctx.org,
      name: input.name,
      description: input.description ?? null,
      metadata: input.metadata ?? {},
      // Resolved now: an unknown handle is refused here, not at the first insert.
      embedding: handle === null ? null : this.providers.resolveEmbedding(handle).handle,
      embedding_dim: null,
      created_at: nowIso(),
      updated_at: null,
    };
    await this.store.archives.insert(archive);
    return archive;
  }

  async get(ctx: RequestContext, id: string): Promise<ArchiveRecord> {
    const archive = await this.store.archives.get(ctx.org, id);
    if (!archive) throw new LettaError('ARCHIVE_NOT_FOUND', `Archive '${id}' not found`);
    return archive;
  }

  async list(ctx: RequestContext, query: ArchiveListQuery): Promise<ArchiveRecord[]> {
    return this.store.archives.list(ctx.org, query);
  }

  async update(ctx: RequestContext, id: string, patch: ArchivePatch): Promise<ArchiveRecord> {
    await this.get(ctx, id);
    const updated = await this.store.archives.update(ctx.org, id, patch);
    if (!updated) throw new LettaError('ARCHIVE_NOT_FOUND', `Archive '${id}' not found`);
    return updated;
  }

  /** Deletes the archive and its passages; agents it was attached to lose it. */
  async delete(ctx: RequestContext, id: string): Promise<void> {
    await this.get(ctx, id);
    if (!(await this.store.archives.delete(ctx.org, id)))
      throw new LettaError('ARCHIVE_NOT_FOUND', `Archive '${id}' not found`);
  }

  /** Stores passages in the archive, embedded with its model, all or none. */
  async insertPassages(
    ctx: RequestContext,
    id: string,
    inputs: InsertPassageInput[],
  ): Promise<PassageRecord[]> {
    const archive = await this.get(ctx, id);
    return this.archival.insertPassages(ctx, archive, archive.embedding, inputs);
  }

  async deletePassage(ctx: RequestContext, id: string, passageId: string): Promise<void> {
    await this.get(ctx, id);
    if (!(await this.store.passages.delete(ctx.org, [id], passageId)))
      throw new LettaError('PASSAGE_NOT_FOUND', `Passage '${passageId}' not found in archive '${id}'`);
  }

  /** Ids of a page of the agents the archive is attached to. */
  async listAgentIds(ctx: RequestContext, id: string, page: PageQuery): Promise<string[]> {
    await this.get(ctx, id);
    return this.store.archives.listAgentIds(ctx.org, id, page);
  }

  /** Makes the archive's passages searchable by the agent (idempotent). */
  async attach(ctx: RequestContext, agentId: string, id: string): Promise<void> {
    await this.get(ctx, id);
    await this.store.archives.attach(ctx.org, id, agentId);
  }

  async detach(ctx: RequestContext, agentId: string, id: string): Promise<void> {
    await this.get(ctx, id);
    await this.store.archives.detach(ctx.org, id, agentId);
  }
}
