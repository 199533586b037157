/**
 * How the V1 API shows resources: Letta's `AgentState`, `BlockResponse`, `Tool`, `Conversation`,
 * `Model`. Serializers only (no lookups beyond what is passed in), plus the loose TypeBox
 * response schemas (`additionalProperties: true`, so every field reaches the client) and the
 * "1.x SDK" detection that decides whether agent relationships are included by default.
 */

import type { FastifyRequest } from 'fastify';
import { type TSchema, Type } from 'typebox';
import { embeddingConfig } from '../../runtime/llm/embedding-config.js';
import { contextWindowFor } from '../../runtime/turn.js';
import type { AgentDetails } from '../../services/agent-service.js';
import type { FolderRecord } from '../../services/folders/index.js';
import type { Services } from '../../services/services.js';
import type {
  AgentRecord,
  AgentVariableRecord,
  BlockRecord,
  ConversationRecord,
  ToolRecord,
} from '../../store/records.js';
import { folderView } from './folder-views.js';

/** An object schema that lists the main fields and lets every other field through. */
export const Loose = (props: Record<string, TSchema> = {}) =>
  Type.Object(props, { additionalProperties: true });

export const AgentStateSchema = Loose({ id: Type.String(), name: Type.String() });
export const BlockSchema = Loose({ id: Type.String(), value: Type.String() });
export const ToolSchema = Loose({ id: Type.String(), name: Type.String() });
export const ConversationSchema = Loose({ id: Type.String(), agent_id: Type.String() });
export const MessageSchema = Loose({ id: Type.String(), message_type: Type.String() });
export const AnyObject = Loose();

/** `include` values understood on agent reads. */
export const AgentInclude = Type.Array(Type.String({ maxLength: 100 }), { maxItems: 20 });

/**
 * Whether the caller is a 1.x (Stainless) SDK, as Letta decides it: `X-Stainless-Package-Version`
 * present, or no User-Agent, or a `letta-client/1.x` User-Agent. Such callers get agents without
 * relationships (blocks, tools) unless `include` asks for them; other callers get everything.
 */
export function isSdk1(req: FastifyRequest): boolean {
  if (req.headers['x-stainless-package-version'] !== undefined) return true;
  const ua = req.headers['user-agent'];
  if (ua === undefined || ua === '') return true;
  return /^(@letta-ai\/)?letta-client\/1\./.test(ua);
}

export interface Relationships {
  blocks: boolean;
  tools: boolean;
  /** The agent's tool variables (`secrets`). */
  secrets?: boolean | undefined;
  /** The folders attached to the agent (`sources`). */
  sources?: boolean | undefined;
}

/** Which relationships to show for this request and its `include` list. */
export function relationshipsFor(req: FastifyRequest, include: readonly string[] | undefined): Relationships {
  if (include && include.length > 0) {
    return {
      blocks: include.includes('agent.blocks'),
      tools: include.includes('agent.tools'),
      secrets: include.includes('agent.secrets'),
      sources: include.includes('agent.sources'),
    };
  }
  const all = !isSdk1(req);
  return { blocks: all, tools: all, secrets: all, sources: all };
}

export function blockView(b: BlockRecord) {
  return {
    id: b.id,
    label: b.label,
    value: b.value,
    limit: b.limit,
    description: b.description,
    read_only: b.read_only,
    metadata: b.metadata,
    tags: b.tags,
    hidden: null,
    is_template: false,
    template_name: null,
    template_id: null,
    base_template_id: null,
    deployment_id: null,
    entity_id: null,
    project_id: null,
    preserve_on_migration: false,
    created_by_id: null,
    last_updated_by_id: null,
  };
}

export function toolView(t: ToolRecord) {
  return {
    id: t.id,
    name: t.name,
    description: t.description,
    tool_type: t.tool_type,
    source_type: t.source_type,
    source_code: t.source_code,
    json_schema: t.json_schema,
    args_json_schema: t.args_json_schema,
    tags: t.tags,
    return_char_limit: t.return_char_limit,
    pip_requirements: t.pip_requirements,
    npm_requirements: t.npm_requirements,
    default_requires_approval: t.default_requires_approval ?? false,
    enable_parallel_execution: false,
    created_by_id: null,
    last_updated_by_id: null,
    metadata_: t.metadata,
    project_id: null,
  };
}

export function conversationView(c: ConversationRecord) {
  return {
    id: c.id,
    agent_id: c.agent_id,
    summary: c.summary,
    archived: c.archived,
    in_context_message_ids: c.in_context_message_ids,
    isolated_block_ids: [],
    model: null,
    model_settings: null,
    last_message_at: c.last_message_at,
    created_at: c.created_at,
    updated_at: c.updated_at,
    created_by_id: null,
    last_updated_by_id: null,
  };
}

/** `llm_config` for an agent's model handle (from the provider registry when it knows it). */
export function llmConfig(services: Services, agent: AgentRecord) {
  const handle = agent.model;
  const settings = agent.model_settings;
  let resolved:
    | { model: string; providerType: string; providerName: string; endpoint: string; contextWindow: number }
    | undefined;
  if (handle) {
    try {
      resolved = services.providers.resolve(handle);
    } catch {
      resolved = undefined;
    }
  }
  const [provider, ...rest] = (handle ?? '').split('/');
  return {
    model: resolved?.model ?? (rest.length > 0 ? rest.join('/') : (handle ?? '')),
    display_name: null,
    model_endpoint_type: resolved?.providerType ?? (provider || 'openai'),
    model_endpoint: resolved?.endpoint ?? null,
    provider_name: resolved?.providerName ?? (provider || null),
    provider_category: 'base',
    model_wrapper: null,
    // The window the agent's turns fit in: its limit, else the server's default, never more than
    // the model's (what `GET /v1/agents/{id}/context` reports as its maximum).
    context_window: resolved
      ? contextWindowFor(agent, resolved, services.config.defaultContextWindow)
      : (agent.context_window_limit ?? services.config.defaultContextWindow),
    put_inner_thoughts_in_kwargs: false,
    handle,
    temperature: typeof settings.temperature === 'number' ? settings.temperature : 0.7,
    max_tokens: typeof settings.max_output_tokens === 'number' ? settings.max_output_tokens : null,
    enable_reasoner: false,
    reasoning_effort: null,
    max_reasoning_tokens: 0,
    frequency_penalty: null,
    parallel_tool_calls: false,
  };
}

/** An agent's `embedding_config` (null without an embedding model). */
export function agentEmbeddingConfig(services: Services, handle: string | null) {
  return handle ? embeddingConfig(services.providers, handle, { unknownDimension: 1536 }) : null;
}

/** Letta's `AgentEnvironmentVariable` (values are shown, as Letta's schema has them). */
export function agentVariableView(v: AgentVariableRecord) {
  return {
    id: v.id,
    key: v.key,
    value: v.value,
    description: v.description,
    agent_id: v.agent_id,
    value_enc: null,
    created_by_id: null,
    last_updated_by_id: null,
    created_at: v.created_at,
    updated_at: v.updated_at,
  };
}

/** Letta's `AgentState`; `rel` says which relationships are filled in. */
export function agentStateView(
  services: Services,
  { agent, blocks, tools }: AgentDetails,
  rel: Relationships,
  messageIds: string[] = [],
  variables: AgentVariableRecord[] = [],
  folders: FolderRecord[] = [],
) {
  const variableViews = rel.secrets ? variables.map(agentVariableView) : [];
  const blockViews = rel.blocks ? blocks.map(blockView) : [];
  return {
    id: agent.id,
    name: agent.name,
    description: agent.description,
    agent_type: agent.agent_type,
    system: agent.system,
    model: agent.model,
    embedding: agent.embedding,
    llm_config: llmConfig(services, agent),
    embedding_config: agentEmbeddingConfig(services, agent.embedding),
    model_settings: Object.keys(agent.model_settings).length > 0 ? agent.model_settings : null,
    compaction_settings: null,
    response_format: null,
    memory: { agent_type: agent.agent_type, blocks: blockViews, file_blocks: [], prompt_template: '' },
    blocks: blockViews,
    tools: rel.tools ? tools.map(toolView) : [],
    sources: rel.sources ? folders.map((f) => folderView(services, f)) : [],
    tags: agent.tags,
    tool_rules: agent.tool_rules,
    message_ids: messageIds,
    metadata: agent.metadata,
    identity_ids: [],
    identities: [],
    tool_exec_environment_variables: variableViews,
    secrets: variableViews,
    project_id: null,
    template_id: null,
    base_template_id: null,
    deployment_id: null,
    entity_id: null,
    pending_approval: null,
    message_buffer_autoclear: false,
    enable_sleeptime: null,
    multi_agent_group: null,
    managed_group: null,
    last_run_completion: null,
    last_run_duration_ms: null,
    last_stop_reason: agent.last_stop_reason,
    timezone: 'UTC',
    max_files_open: null,
    per_file_view_window_char_limit: null,
    hidden: null,
    created_by_id: null,
    last_updated_by_id: null,
    created_at: agent.created_at,
    updated_at: agent.updated_at,
  };
}

/** Loads what an AgentState shows (blocks, tools, in-context ids) and serializes it. */
export async function loadAgentState(
  services: Services,
  req: FastifyRequest,
  agent: AgentRecord,
  include?: readonly string[],
) {
  const rel = relationshipsFor(req, include);
  const [details, messageIds, variables, folders] = await Promise.all([
    services.agents.details(req.ctx, agent),
    services.conversations.inContextMessageIds(req.ctx, agent.id),
    rel.secrets ? services.customTools.agentVariables(req.ctx, agent.id) : [],
    rel.sources ? services.folders.listForAgent(req.ctx, agent.id) : [],
  ]);
  return agentStateView(services, details, rel, messageIds, variables, folders);
}
