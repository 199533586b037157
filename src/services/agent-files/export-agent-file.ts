/**
 * One agent as an agent file, in the form {@link importAgentFile} (and Letta) read: file-local
 * ids (`agent-0`, `block-0`, `tool-0`, `message-0`), the agent's blocks and tools as top-level
 * entities, and the messages of one conversation (the default one unless asked) with its
 * in-context ids. Export then import gives the same agent: blocks, system prompt, messages,
 * tools (custom ones with their source), tool rules, tags and model handles.
 */
import { embeddingConfig } from '../../runtime/llm/embedding-config.js';
import type { ProviderRegistry } from '../../runtime/llm/provider-registry.js';
import type { AgentRecord, BlockRecord, JsonObject, MessageRecord, ToolRecord } from '../../store/records.js';
import { nowIso } from '../../store/records.js';
import type { Store } from '../../store/store.js';
import type { RequestContext } from '../context.js';
import type { ConversationService } from '../conversation-service.js';
import type { AgentFile } from './format.js';
import { recordToFileMessage } from './message-mapping.js';

export interface ExportOptions {
  conversationId?: string | null | undefined;
  /** Leave every message out (Letta's `scrub_messages`). */
  scrubMessages?: boolean | undefined;
  /** Skills to carry in the file as given (`POST …/export`). */
  skills?: JsonObject[] | undefined;
}

export interface ExportDeps {
  store: Store;
  conversations: ConversationService;
  providers: ProviderRegistry;
}

const PAGE = 1000;

export async function exportAgentFile(
  deps: ExportDeps,
  ctx: RequestContext,
  agent: AgentRecord,
  options: ExportOptions = {},
): Promise<AgentFile> {
  const [blocks, tools] = await Promise.all([
    deps.store.blocks.listForAgent(ctx.org, agent.id),
    deps.store.tools.listForAgent(ctx.org, agent.id),
  ]);
  const conv = await deps.conversations.resolve(ctx, agent, options.conversationId ?? 'default');
  const messages = options.scrubMessages ? [] : await allMessages(deps.store, ctx.org, conv.id);
  const messageIds = new Map(messages.map((m, i) => [m.id, `message-${i}`]));
  const fileAgent = {
    ...agentFields(deps.providers, agent),
    block_ids: blocks.map((_, i) => `block-${i}`),
    tool_ids: tools.map((_, i) => `tool-${i}`),
    id: 'agent-0',
    in_context_message_ids: conv.in_context_message_ids
      .map((id) => messageIds.get(id))
      .filter((id): id is string => id !== undefined),
    messages: messages.map((m) => recordToFileMessage(m, 'agent-0', messageIds.get(m.id) as string)),
    files_agents: [],
    group_ids: [],
  };
  return {
    agents: [fileAgent as unknown as AgentFile['agents'][number]],
    groups: [],
    blocks: blocks.map((b, i) => blockFields(b, `block-${i}`)) as unknown as AgentFile['blocks'],
    files: [],
    sources: [],
    tools: tools.map((t, i) => toolFields(t, `tool-${i}`)) as unknown as AgentFile['tools'],
    mcp_servers: [],
    ...(options.skills && options.skills.length > 0 ? { skills: options.skills } : {}),
    metadata: { exported_by: 'letta-ts' },
    created_at: nowIso(),
  };
}

async function allMessages(store: Store, org: string, conversationId: string): Promise<MessageRecord[]> {
  const out: MessageRecord[] = [];
  for (;;) {
    const page = await store.messages.list(org, {
      conversationId,
      limit: PAGE,
      order: 'asc',
      after: out.at(-1)?.id,
    });
    out.push(...page);
    if (page.length < PAGE) return out;
  }
}

function agentFields(providers: ProviderRegistry, a: AgentRecord) {
  return {
    name: a.name,
    memory_blocks: [],
    tools: [],
    tool_ids: [],
    source_ids: [],
    folder_ids: null,
    block_ids: [],
    tool_rules: a.tool_rules,
    tags: a.tags,
    system: a.system,
    agent_type: a.agent_type,
    initial_message_sequence: null,
    include_base_tools: false,
    include_multi_agent_tools: false,
    include_base_tool_rules: false,
    include_default_source: false,
    description: a.description,
    metadata: a.metadata,
    llm_config: a.model ? llmConfig(providers, a, a.model) : null,
    embedding_config: a.embedding ? embeddingConfig(providers, a.embedding) : null,
    model: a.model,
    embedding: a.embedding,
    model_settings: Object.keys(a.model_settings).length > 0 ? a.model_settings : null,
    context_window_limit: a.context_window_limit,
    tool_exec_environment_variables: {},
    secrets: null,
    message_buffer_autoclear: false,
    enable_sleeptime: false,
    timezone: 'UTC',
  };
}

function llmConfig(providers: ProviderRegistry, a: AgentRecord, handle: string): JsonObject {
  const [provider = 'openai', ...rest] = handle.split('/');
  let model = rest.length > 0 ? rest.join('/') : handle;
  let type = provider;
  let endpoint: string | null = null;
  try {
    const resolved = providers.resolve(handle);
    model = resolved.model;
    type = resolved.providerType;
    endpoint = resolved.endpoint;
  } catch {
    // not served here: the handle as stored
  }
  const s = a.model_settings;
  return {
    model,
    model_endpoint_type: type,
    model_endpoint: endpoint,
    provider_name: provider,
    context_window: a.context_window_limit ?? providers.contextWindowFor(handle),
    handle,
    temperature: typeof s.temperature === 'number' ? s.temperature : 0.7,
    max_tokens: typeof s.max_output_tokens === 'number' ? s.max_output_tokens : null,
  };
}

function blockFields(b: BlockRecord, id: string) {
  return {
    value: b.value,
    limit: b.limit,
    label: b.label,
    read_only: b.read_only,
    description: b.description,
    metadata: b.metadata,
    tags: b.tags,
    is_template: false,
    preserve_on_migration: false,
    hidden: null,
    id,
  };
}

function toolFields(t: ToolRecord, id: string) {
  return {
    id,
    tool_type: t.tool_type,
    description: t.description,
    source_type: t.source_type,
    name: t.name,
    tags: t.tags,
    source_code: t.source_code,
    json_schema: t.json_schema,
    args_json_schema: t.args_json_schema,
    return_char_limit: t.return_char_limit,
    pip_requirements: t.pip_requirements,
    npm_requirements: t.npm_requirements,
    default_requires_approval: null,
    enable_parallel_execution: false,
    metadata_: t.metadata,
  };
}
