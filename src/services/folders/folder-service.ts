/**
 * Folders (Letta's sources) as resources: create, list, get, modify, delete, count, by name,
 * the organization's totals; their files and chunks; and attaching them to agents, which gives
 * the agent Letta's file tools (`open_files`, `grep_files`, `semantic_search_files`) and shows
 * its folders' files in its context window. Detaching the last folder takes the tools away.
 */
import { LettaError } from '../../errors.js';
import { newId } from '../../ids.js';
import { agentFiles } from '../../runtime/file-blocks.js';
import type { ProviderRegistry } from '../../runtime/llm/index.js';
import { FILE_TOOL_NAMES } from '../../runtime/tools/builtin-tools.js';
import { openFileViews } from '../../runtime/tools/file-tools.js';
import { ToolError } from '../../runtime/tools/memory-edits.js';
import type { FileRecord } from '../../store/file-repository.js';
import type { FolderListQuery, FolderPatch, FolderRecord } from '../../store/folder-repository.js';
import type { PassageRecord } from '../../store/passage-repository.js';
import { type JsonObject, nowIso, type PageQuery } from '../../store/records.js';
import type { Store } from '../../store/store.js';
import type { RequestContext } from '../context.js';
import type { ToolService } from '../tool-service.js';

export type { FileRecord, FolderRecord };

export interface CreateFolderInput {
  name: string;
  description?: string | null | undefined;
  instructions?: string | null | undefined;
  metadata?: JsonObject | null | undefined;
  embedding?: string | null | undefined;
  embedding_chunk_size?: number | null | undefined;
}

export interface FolderStats {
  total_sources: number;
  total_files: number;
  total_size: number;
  sources: Array<{
    source_id: string;
    source_name: string;
    num_files: number;
    total_size: number;
    files: Array<{ file_id: string; file_name: string; file_size: number }>;
  }>;
}

export class FolderService {
  constructor(
    private readonly store: Store,
    private readonly tools: ToolService,
    private readonly providers: ProviderRegistry,
    private readonly defaultEmbeddingHandle: string | undefined,
  ) {}

  async create(ctx: RequestContext, input: CreateFolderInput): Promise<FolderRecord> {
    const name = input.name.trim();
    if (name === '') throw new LettaError('VALIDATION_ERROR', 'body/name must not be empty');
    if (await this.store.folders.getByName(ctx.org, name))
      throw new LettaError('FOLDER_NAME_TAKEN', `A folder named '${name}' already exists`);
    const handle = input.embedding ?? this.defaultEmbeddingHandle ?? null;
    const embedding = handle === null ? null : this.providers.resolveEmbedding(handle).handle;
    const now = nowIso();
    const folder: FolderRecord = {
      id: newId('source'),
      organization_id: ctx.org,
      name,
      description: input.description ?? null,
      instructions: input.instructions ?? null,
      metadata: input.metadata ?? {},
      embedding,
      embedding_chunk_size: input.embedding_chunk_size ?? 300,
      archive_id: newId('archive'),
      created_at: now,
      updated_at: now,
    };
    await this.store.transaction(async (tx) => {
      await tx.archives.insert({
        id: folder.archive_id,
        organization_id: ctx.org,
        name: `folder ${folder.id}`,
        description: null,
        metadata: {},
        embedding,
        embedding_dim: null,
        created_at: now,
        updated_at: null,
      });
      await tx.folders.insert(folder);
    });
    return folder;
  }

  async get(ctx: RequestContext, id: string): Promise<FolderRecord> {
    const folder = await this.store.folders.get(ctx.org, id);
    if (!folder) throw new LettaError('FOLDER_NOT_FOUND', `Folder '${id}' not found`);
    return folder;
  }

  async getByName(ctx: RequestContext, name: string): Promise<FolderRecord> {
    const folder = await this.store.folders.getByName(ctx.org, name);
    if (!folder) throw new LettaError('FOLDER_NOT_FOUND', `Folder named '${name}' not found`);
    return folder;
  }

  list(ctx: RequestContext, query: FolderListQuery): Promise<FolderRecord[]> {
    return this.store.folders.list(ctx.org, query);
  }

  count(ctx: RequestContext): Promise<number> {
    return this.store.folders.count(ctx.org);
  }

  async update(ctx: RequestContext, id: string, patch: FolderPatch): Promise<FolderRecord> {
    const folder = await this.get(ctx, id);
    if (patch.name !== undefined) {
      patch.name = patch.name.trim();
      if (patch.name === '') throw new LettaError('VALIDATION_ERROR', 'body/name must not be empty');
      const other = await this.store.folders.getByName(ctx.org, patch.name);
      if (other && other.id !== folder.id)
        throw new LettaError('FOLDER_NAME_TAKEN', `A folder named '${patch.name}' already exists`);
    }
    const updated = await this.store.folders.update(ctx.org, id, { ...patch, updated_at: nowIso() });
    if (!updated) throw new LettaError('FOLDER_NOT_FOUND', `Folder '${id}' not found`);
    return updated;
  }

  /** Deletes the folder, its files and chunks; agents it was attached to lose it (and, if it was their last, the file tools). */
  async delete(ctx: RequestContext, id: string): Promise<void> {
    const folder = await this.get(ctx, id);
    const agentIds = await this.store.folders.listAgentIds(ctx.org, id, { limit: 100_000 });
    await this.store.transaction(async (tx) => {
      await tx.folders.delete(ctx.org, id);
      await tx.archives.delete(ctx.org, folder.archive_id);
      for (const agentId of agentIds) await this.syncFileTools(tx, ctx, agentId);
    });
  }

  async stats(ctx: RequestContext, detailed: boolean): Promise<FolderStats> {
    const folders = await this.store.folders.list(ctx.org, { limit: 100_000, order: 'asc' });
    const out: FolderStats = { total_sources: folders.length, total_files: 0, total_size: 0, sources: [] };
    for (const f of folders) {
      const s = await this.store.files.stats(ctx.org, f.id);
      out.total_files += s.count;
      out.total_size += s.size;
      if (detailed) {
        const files = await this.store.files.listForFolders(ctx.org, [f.id]);
        out.sources.push({
          source_id: f.id,
          source_name: f.name,
          num_files: s.count,
          total_size: s.size,
          files: files.map((x) => ({ file_id: x.id, file_name: x.file_name, file_size: x.file_size })),
        });
      }
    }
    return out;
  }

  // Files

  async listFiles(
    ctx: RequestContext,
    id: string,
    page: PageQuery,
    withContent: boolean,
  ): Promise<FileRecord[]> {
    await this.get(ctx, id);
    return this.store.files.list(ctx.org, id, page, withContent);
  }

  async getFile(ctx: RequestContext, id: string, fileId: string, withContent: boolean): Promise<FileRecord> {
    await this.get(ctx, id);
    const file = await this.store.files.get(ctx.org, fileId, withContent);
    if (!file || file.folder_id !== id)
      throw new LettaError('FILE_NOT_FOUND', `File '${fileId}' not found in folder '${id}'`);
    return file;
  }

  /** Deletes a file and its chunks (an upload still being processed stops at its next batch). */
  async deleteFile(ctx: RequestContext, id: string, fileId: string): Promise<void> {
    await this.getFile(ctx, id, fileId, false);
    await this.store.transaction(async (tx) => {
      await tx.passages.deleteForFile(ctx.org, fileId);
      await tx.files.delete(ctx.org, fileId);
    });
  }

  async listPassages(ctx: RequestContext, id: string, page: PageQuery): Promise<PassageRecord[]> {
    const folder = await this.get(ctx, id);
    return this.store.passages.list(ctx.org, [folder.archive_id], page);
  }

  async listAgentIds(ctx: RequestContext, id: string, page: PageQuery): Promise<string[]> {
    await this.get(ctx, id);
    return this.store.folders.listAgentIds(ctx.org, id, page);
  }

  // Agents

  listForAgent(ctx: RequestContext, agentId: string): Promise<FolderRecord[]> {
    return this.store.folders.listForAgent(ctx.org, agentId);
  }

  /** Attaches the folder to the agent (idempotent) and gives the agent the file tools. */
  async attach(ctx: RequestContext, agentId: string, id: string): Promise<void> {
    await this.get(ctx, id);
    await this.tools.ensureBuiltins(this.store, ctx.org);
    await this.store.transaction(async (tx) => {
      await tx.folders.attach(ctx.org, id, agentId, nowIso());
      await this.syncFileTools(tx, ctx, agentId);
    });
  }

  async detach(ctx: RequestContext, agentId: string, id: string): Promise<void> {
    await this.get(ctx, id);
    await this.store.transaction(async (tx) => {
      await tx.folders.detach(ctx.org, id, agentId);
      await tx.files.forgetFolderForAgent(ctx.org, agentId, id);
      await this.syncFileTools(tx, ctx, agentId);
    });
  }

  /** The file tools are attached while the agent has a folder, and detached with its last. */
  private async syncFileTools(tx: Store, ctx: RequestContext, agentId: string): Promise<void> {
    const hasFolders = (await tx.folders.listForAgent(ctx.org, agentId)).length > 0;
    const fileTools = await tx.tools.findByNames(ctx.org, [...FILE_TOOL_NAMES]);
    if (hasFolders) {
      await tx.tools.attach(
        ctx.org,
        agentId,
        fileTools.map((t) => t.id),
      );
    } else {
      for (const t of fileTools) await tx.tools.detach(ctx.org, agentId, t.id);
    }
  }
}

/** One file as an agent sees it (Letta's `AgentFileAttachment`). */
export interface AgentFileAttachment {
  id: string;
  file_id: string;
  file_name: string;
  folder_id: string;
  folder_name: string;
  is_open: boolean;
  last_accessed_at: string | null;
  visible_content: string | null;
  start_line: number | null;
  end_line: number | null;
  created_at: string;
}

/** The agent's side: its folders' files, opened and closed through the API. */
export class AgentFileViews {
  constructor(private readonly store: Store) {}

  async list(
    ctx: RequestContext,
    agentId: string,
    isOpen: boolean | undefined,
  ): Promise<AgentFileAttachment[]> {
    const views = await agentFiles(this.store, ctx.org, agentId);
    return views
      .filter((v) => isOpen === undefined || (v.state?.is_open ?? false) === isOpen)
      .map((v) => ({
        id: v.file.id,
        file_id: v.file.id,
        file_name: v.name,
        folder_id: v.folder.id,
        folder_name: v.folder.name,
        is_open: v.state?.is_open ?? false,
        last_accessed_at: v.state?.last_accessed_at ?? null,
        visible_content: v.state?.is_open ? v.state.visible_content : null,
        start_line: v.state?.is_open ? v.state.start_line : null,
        end_line: v.state?.is_open ? v.state.end_line : null,
        created_at: v.file.created_at,
      }));
  }

  /** Opens the whole file (up to the view window); returns the names of files closed to make room. */
  async open(ctx: RequestContext, agentId: string, fileId: string): Promise<string[]> {
    try {
      return (await openFileViews(this.store, ctx.org, agentId, [{ file_id: fileId }], false)).closed;
    } catch (err) {
      if (err instanceof ToolError) throw new LettaError('FILE_NOT_FOUND', err.message);
      throw err;
    }
  }

  async close(ctx: RequestContext, agentId: string, fileId: string): Promise<void> {
    const views = await agentFiles(this.store, ctx.org, agentId);
    if (!views.some((v) => v.file.id === fileId))
      throw new LettaError('FILE_NOT_FOUND', `File '${fileId}' is not in a folder attached to the agent`);
    await this.store.files.closeForAgent(ctx.org, agentId, [fileId]);
  }

  /** Closes every open file; returns their names. */
  async closeAll(ctx: RequestContext, agentId: string): Promise<string[]> {
    const open = (await agentFiles(this.store, ctx.org, agentId)).filter((v) => v.state?.is_open);
    await this.store.files.closeForAgent(ctx.org, agentId);
    return open.map((v) => v.name);
  }
}
