/**
 * Agents: creation (blocks, tools, the default conversation and its system message, in one
 * transaction), lookup by id or name, update and deletion. Both APIs call this service.
 */
import { LettaError } from '../errors.js';
import { newId } from '../ids.js';
import { AGENT_TYPES, type AgentType, defaultSystemPrompt } from '../runtime/prompts.js';
import { type BuiltinTool, defaultToolNames } from '../runtime/tools/builtin-tools.js';
import type { AgentFilter, AgentListQuery, AgentPatch } from '../store/agent-repository.js';
import type { AgentRecord, BlockRecord, Json, JsonObject, ToolRecord } from '../store/records.js';
import { nowIso } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { BlockService, NewBlockInput } from './block-service.js';
import type { RequestContext } from './context.js';
import type { ConversationService } from './conversation-service.js';
import type { ToolService } from './tool-service.js';

export type { AgentPatch };

export const AGENT_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$';
const NAME_RE = new RegExp(AGENT_NAME_PATTERN);

export interface CreateAgentInput {
  name?: string | undefined;
  description?: string | null | undefined;
  agent_type?: string | undefined;
  system?: string | undefined;
  model?: string | undefined;
  embedding?: string | null | undefined;
  context_window_limit?: number | undefined;
  memory_blocks?: NewBlockInput[] | undefined;
  block_ids?: string[] | undefined;
  tools?: string[] | undefined;
  tool_ids?: string[] | undefined;
  include_base_tools?: boolean | undefined;
  tags?: string[] | undefined;
  metadata?: JsonObject | undefined;
  model_settings?: JsonObject | undefined;
  tool_rules?: Json[] | undefined;
}

export interface AgentDetails {
  agent: AgentRecord;
  blocks: BlockRecord[];
  tools: ToolRecord[];
}

/**
 * Letta V1 allows several agents with one name; the tutorial API, which addresses agents by
 * name, refuses a duplicate (409 AGENT_NAME_TAKEN). A lookup by name finds the oldest agent of
 * that name (see AgentRepository.find), so a tutorial client keeps reaching the same agent when
 * a V1 client adds a namesake.
 */
export interface NameOptions {
  /** Refuse a name another agent of the organization has (default true). */
  uniqueName?: boolean;
}

export interface AgentDefaults {
  /** The model for agents created without one (LETTA_DEFAULT_LLM_HANDLE, or the only provider's). */
  defaultLlmHandle(): string | undefined;
  defaultEmbeddingHandle: string | undefined;
  /**
   * Checks a model name and normalises it to a handle (`gpt-4o-mini` → `openai/gpt-4o-mini`);
   * throws NO_PROVIDER or MODEL_NOT_FOUND naming what is available.
   */
  checkModel(model: string): string;
  /** Normalises a model name to a handle when it can, never throws (agent-file imports warn instead). */
  normalizeModel(model: string): string;
}

export class AgentService {
  constructor(
    private readonly store: Store,
    private readonly blocks: BlockService,
    private readonly tools: ToolService,
    private readonly conversations: ConversationService,
    private readonly defaults: AgentDefaults,
  ) {}

  async create(
    ctx: RequestContext,
    input: CreateAgentInput,
    options: NameOptions = {},
  ): Promise<AgentDetails> {
    const type = (input.agent_type ?? 'letta_v1_agent') as AgentType;
    if (!AGENT_TYPES.includes(type)) {
      throw new LettaError('VALIDATION_ERROR', `agent_type must be one of: ${AGENT_TYPES.join(', ')}`);
    }
    const name = input.name ?? `agent-${Math.random().toString(36).slice(2, 10)}`;
    if (!NAME_RE.test(name)) {
      throw new LettaError(
        'VALIDATION_ERROR',
        'name must be 1-100 characters: letters, digits, spaces, dots, underscores and dashes, starting with a letter or digit',
      );
    }
    const model = input.model ?? this.defaults.defaultLlmHandle();
    const now = nowIso();
    const agent: AgentRecord = {
      id: newId('agent'),
      organization_id: ctx.org,
      name,
      description: input.description ?? null,
      agent_type: type,
      system: input.system ?? defaultSystemPrompt(type),
      model: model ? this.defaults.checkModel(model) : null,
      embedding: input.embedding ?? this.defaults.defaultEmbeddingHandle ?? null,
      context_window_limit: input.context_window_limit ?? null,
      model_settings: input.model_settings ?? {},
      tool_rules: input.tool_rules ?? [],
      tags: input.tags ?? [],
      metadata: input.metadata ?? {},
      last_stop_reason: null,
      created_at: now,
      updated_at: now,
    };
    const toolNames = [
      ...(input.include_base_tools === false ? [] : defaultToolNames(type)),
      ...(input.tools ?? []),
    ];
    return this.store.transaction(async (tx) => {
      if (options.uniqueName !== false) {
        await tx.agents.lockName(ctx.org, name);
        if (await tx.agents.find(ctx.org, name)) {
          throw new LettaError('AGENT_NAME_TAKEN', `An agent named '${name}' already exists`);
        }
      }
      await tx.agents.insert(agent);
      const blocks: BlockRecord[] = [];
      for (const b of input.memory_blocks ?? []) {
        const block = this.blocks.build(ctx, b, now);
        await tx.blocks.insert(block);
        await tx.blocks.attach(ctx.org, agent.id, block.id);
        blocks.push(block);
      }
      for (const id of input.block_ids ?? []) {
        const block = await tx.blocks.get(ctx.org, id);
        if (!block) throw new LettaError('BLOCK_NOT_FOUND', `Block '${id}' not found`);
        await tx.blocks.attach(ctx.org, agent.id, id);
        blocks.push(block);
      }
      this.blocks.checkAgentTotal(blocks.reduce((n, b) => n + b.value.length, 0));
      const tools = await this.tools.resolveForAgent(tx, ctx, toolNames, input.tool_ids ?? []);
      await tx.tools.attach(
        ctx.org,
        agent.id,
        tools.map((t) => t.id),
      );
      await this.conversations.createWithin(tx, ctx, agent, blocks, { isDefault: true });
      return { agent, blocks, tools };
    });
  }

  /** The agent with this id or name; AGENT_NOT_FOUND otherwise. */
  async get(ctx: RequestContext, idOrName: string): Promise<AgentRecord> {
    const agent = await this.store.agents.find(ctx.org, idOrName);
    if (!agent) throw new LettaError('AGENT_NOT_FOUND', `Agent '${idOrName}' not found`);
    return agent;
  }

  async details(ctx: RequestContext, agent: AgentRecord): Promise<AgentDetails> {
    const [blocks, tools] = await Promise.all([
      this.store.blocks.listForAgent(ctx.org, agent.id),
      this.store.tools.listForAgent(ctx.org, agent.id),
    ]);
    return { agent, blocks, tools };
  }

  async list(ctx: RequestContext, query: AgentListQuery): Promise<AgentRecord[]> {
    return this.store.agents.list(ctx.org, query);
  }

  count(ctx: RequestContext, filter: AgentFilter): Promise<number> {
    return this.store.agents.count(ctx.org, filter);
  }

  async update(
    ctx: RequestContext,
    idOrName: string,
    patch: AgentPatch,
    options: NameOptions = {},
  ): Promise<AgentRecord> {
    const agent = await this.get(ctx, idOrName);
    if (patch.model) patch.model = this.defaults.checkModel(patch.model);
    const rename = patch.name !== undefined && patch.name !== agent.name ? patch.name : undefined;
    if (rename !== undefined && !NAME_RE.test(rename))
      throw new LettaError('VALIDATION_ERROR', 'name has an invalid format');
    if (rename === undefined || options.uniqueName === false) {
      await this.store.agents.update(ctx.org, agent.id, patch, nowIso());
    } else {
      await this.store.transaction(async (tx) => {
        await tx.agents.lockName(ctx.org, rename);
        if (await tx.agents.find(ctx.org, rename)) {
          throw new LettaError('AGENT_NAME_TAKEN', `An agent named '${rename}' already exists`);
        }
        await tx.agents.update(ctx.org, agent.id, patch, nowIso());
      });
    }
    return this.get(ctx, agent.id);
  }

  async delete(ctx: RequestContext, idOrName: string): Promise<AgentRecord> {
    const agent = await this.get(ctx, idOrName);
    await this.store.transaction(async (tx) => {
      const blocks = await tx.blocks.listForAgent(ctx.org, agent.id);
      await tx.agents.delete(ctx.org, agent.id);
      // Blocks only this agent used go with it; shared blocks stay for their other agents.
      for (const b of blocks) {
        if ((await tx.blocks.listAgentIds(ctx.org, b.id)).length === 0) await tx.blocks.delete(ctx.org, b.id);
      }
    });
    return agent;
  }
}

export type { BuiltinTool };
