/** Memory blocks as resources: create, read, update, attach to and detach from agents. */
import { LettaError } from '../errors.js';
import { newId } from '../ids.js';
import { DEFAULT_LIMITS, overLimit, type RequestLimits } from '../limits.js';
import type { BlockListQuery, BlockPatch } from '../store/block-repository.js';
import { type AgentRecord, type BlockRecord, type JsonObject, nowIso } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { RequestContext } from './context.js';

export type { BlockPatch };

export const DEFAULT_BLOCK_LIMIT = 100_000;
export const BLOCK_LABEL_PATTERN = '^[A-Za-z_][A-Za-z0-9_-]{0,49}$';
const LABEL_RE = new RegExp(BLOCK_LABEL_PATTERN);

export interface NewBlockInput {
  label: string;
  value: string;
  limit?: number | undefined;
  description?: string | null | undefined;
  read_only?: boolean | undefined;
  metadata?: JsonObject | undefined;
  tags?: string[] | undefined;
}

export class BlockService {
  constructor(
    private readonly store: Store,
    readonly limits: Pick<RequestLimits, 'blockChars' | 'agentBlockChars'> = DEFAULT_LIMITS,
  ) {}

  /** LIMIT_EXCEEDED when a block's value or limit is over LETTA_MAX_BLOCK_CHARS. */
  private checkSize(value: string | undefined, limit: number | undefined): void {
    const max = this.limits.blockChars;
    if (value !== undefined)
      overLimit('block value', value.length, max, 'LETTA_MAX_BLOCK_CHARS', 'characters');
    if (limit !== undefined) overLimit('block limit', limit, max, 'LETTA_MAX_BLOCK_CHARS', 'characters');
  }

  /** LIMIT_EXCEEDED when an agent's blocks together would be over LETTA_MAX_AGENT_BLOCK_CHARS. */
  checkAgentTotal(total: number): void {
    overLimit(
      "the agent's blocks together",
      total,
      this.limits.agentBlockChars,
      'LETTA_MAX_AGENT_BLOCK_CHARS',
      'characters',
    );
  }

  /** A new block record (not yet stored), validated. */
  build(ctx: RequestContext, input: NewBlockInput, now = nowIso()): BlockRecord {
    if (!LABEL_RE.test(input.label)) {
      throw new LettaError(
        'VALIDATION_ERROR',
        `block label '${input.label}' is invalid: use letters, digits, _ and -`,
      );
    }
    const limit =
      input.limit ?? Math.min(Math.max(DEFAULT_BLOCK_LIMIT, input.value.length), this.limits.blockChars);
    this.checkSize(input.value, limit);
    if (input.value.length > limit) {
      throw new LettaError(
        'VALIDATION_ERROR',
        `block '${input.label}' value exceeds its limit of ${limit} characters`,
      );
    }
    return {
      id: newId('block'),
      organization_id: ctx.org,
      label: input.label,
      value: input.value,
      limit,
      description: input.description ?? null,
      read_only: input.read_only ?? false,
      metadata: input.metadata ?? {},
      tags: input.tags ?? [],
      version: 1,
      created_at: now,
      updated_at: now,
    };
  }

  async create(ctx: RequestContext, input: NewBlockInput): Promise<BlockRecord> {
    const block = this.build(ctx, input);
    await this.store.blocks.insert(block);
    return block;
  }

  async get(ctx: RequestContext, id: string): Promise<BlockRecord> {
    const block = await this.store.blocks.get(ctx.org, id);
    if (!block) throw new LettaError('BLOCK_NOT_FOUND', `Block '${id}' not found`);
    return block;
  }

  /** The agents `blockId` is attached to, oldest first (the block must exist: else 404). */
  async listAgents(ctx: RequestContext, blockId: string): Promise<AgentRecord[]> {
    await this.get(ctx, blockId);
    const ids = await this.store.blocks.listAgentIds(ctx.org, blockId);
    return (await Promise.all(ids.map((id) => this.store.agents.find(ctx.org, id))))
      .filter((a) => a !== undefined)
      .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
  }

  list(ctx: RequestContext, query: BlockListQuery): Promise<BlockRecord[]> {
    return this.store.blocks.list(ctx.org, query);
  }

  count(ctx: RequestContext, filter: Parameters<Store['blocks']['count']>[1]): Promise<number> {
    return this.store.blocks.count(ctx.org, filter);
  }

  async listForAgent(ctx: RequestContext, agentId: string): Promise<BlockRecord[]> {
    return this.store.blocks.listForAgent(ctx.org, agentId);
  }

  async getByLabel(ctx: RequestContext, agentId: string, label: string): Promise<BlockRecord> {
    const blocks = await this.store.blocks.listForAgent(ctx.org, agentId);
    const block = blocks.find((b) => b.label === label);
    if (!block)
      throw new LettaError('BLOCK_NOT_FOUND', `Block with label '${label}' not found on agent ${agentId}`);
    return block;
  }

  async update(ctx: RequestContext, id: string, patch: BlockPatch): Promise<BlockRecord> {
    const block = await this.get(ctx, id);
    if (patch.label !== undefined && !LABEL_RE.test(patch.label)) {
      throw new LettaError('VALIDATION_ERROR', `block label '${patch.label}' is invalid`);
    }
    const value = patch.value ?? block.value;
    const limit = patch.limit ?? block.limit;
    // Only what the patch sets (a block stored before the bound keeps its larger limit).
    this.checkSize(patch.value ?? undefined, patch.limit ?? undefined);
    if (value.length > limit) {
      throw new LettaError(
        'VALIDATION_ERROR',
        `block value (${value.length} chars) exceeds its limit of ${limit}`,
      );
    }
    if (value.length > block.value.length) {
      const largest = await this.store.blocks.largestAgentTotal(ctx.org, id);
      if (largest > 0) this.checkAgentTotal(largest + value.length - block.value.length);
    }
    await this.store.blocks.update(ctx.org, id, patch, nowIso());
    return this.get(ctx, id);
  }

  async delete(ctx: RequestContext, id: string): Promise<void> {
    if (!(await this.store.blocks.delete(ctx.org, id)))
      throw new LettaError('BLOCK_NOT_FOUND', `Block '${id}' not found`);
  }

  async attach(ctx: RequestContext, agentId: string, blockId: string): Promise<void> {
    const block = await this.get(ctx, blockId);
    const existing = await this.store.blocks.listForAgent(ctx.org, agentId);
    if (existing.some((b) => b.label === block.label && b.id !== block.id)) {
      throw new LettaError('BLOCK_LABEL_TAKEN', `Agent already has a block labelled '${block.label}'`);
    }
    if (!existing.some((b) => b.id === block.id))
      this.checkAgentTotal(existing.reduce((n, b) => n + b.value.length, block.value.length));
    await this.store.blocks.attach(ctx.org, agentId, blockId);
  }

  async detach(ctx: RequestContext, agentId: string, blockId: string): Promise<void> {
    await this.get(ctx, blockId);
    await this.store.blocks.detach(ctx.org, agentId, blockId);
  }
}
