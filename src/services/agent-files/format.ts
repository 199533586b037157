/**
 * Letta's agent file (`.af`, the "v2" multi-entity format): top-level `agents`, `blocks`,
 * `tools`, `groups`, `files`, `sources`, `mcp_servers`, `metadata`; ids are local to the file
 * (`agent-0`, `block-1`, `tool-2`, `message-3`, …) and agents refer to blocks and tools by them.
 * These types name the fields this server reads or writes; a file may carry more (they are
 * reported by the parser, see {@link AGENT_FIELDS}).
 */
import type { Json, JsonObject } from '../../store/records.js';

export interface AgentFile {
  agents: AgentFileAgent[];
  groups: JsonObject[];
  blocks: AgentFileBlock[];
  files: JsonObject[];
  sources: JsonObject[];
  tools: AgentFileTool[];
  mcp_servers: JsonObject[];
  skills?: JsonObject[];
  metadata: JsonObject;
  created_at: string | null;
}

export interface AgentFileAgent {
  id: string;
  name: string;
  agent_type: string;
  system: string | null;
  description: string | null;
  metadata: JsonObject | null;
  tags: string[];
  tool_rules: Json[];
  block_ids: string[];
  tool_ids: string[];
  /** Inline blocks (`CreateBlock`), as `POST /v1/agents/` takes them. */
  memory_blocks: JsonObject[];
  llm_config: JsonObject | null;
  embedding_config: JsonObject | null;
  model: string | null;
  embedding: string | null;
  model_settings: JsonObject | null;
  context_window_limit: number | null;
  in_context_message_ids: string[];
  messages: AgentFileMessage[];
  group_ids: string[];
  /** Secrets for the tools sandbox (`{key: value}`, or Letta's `[{key, value}]`). */
  secrets: Json;
  tool_exec_environment_variables: Json;
}

export interface AgentFileBlock {
  id: string;
  label: string;
  value: string;
  limit: number;
  description: string | null;
  read_only: boolean;
  metadata: JsonObject | null;
  tags?: string[] | null;
}

export interface AgentFileTool {
  id: string;
  name: string | null;
  tool_type: string;
  description: string | null;
  source_type: string | null;
  source_code: string | null;
  json_schema: JsonObject | null;
  args_json_schema: JsonObject | null;
  tags: string[];
  return_char_limit: number;
  pip_requirements: Json[] | null;
  npm_requirements: Json[] | null;
  metadata_: JsonObject | null;
}

/** A content part: `{type: "text", text}`, `{type: "reasoning", reasoning, …}`, … */
export type ContentPart = JsonObject & { type?: string };

/** OpenAI-format tool call, as Letta stores it on an assistant message. */
export interface FileToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface FileToolReturn {
  tool_call_id: string | null;
  status: 'success' | 'error';
  func_response: string | null;
  stdout: string[] | null;
  stderr: string[] | null;
}

export interface AgentFileMessage {
  id: string;
  type: string | null;
  role: string;
  content: ContentPart[] | string;
  name: string | null;
  otid: string | null;
  model: string | null;
  agent_id: string | null;
  tool_calls: FileToolCall[] | null;
  tool_call_id: string | null;
  tool_returns: FileToolReturn[] | null;
  created_at: string;
}

/**
 * How the importer treats each field Letta writes: `used` fields are read; `quiet` ones mean
 * nothing on this server (project, template and UI settings) and are dropped silently; `report`
 * ones are dropped and named in the answer's warnings when they hold a value. A field in none
 * of the lists is unknown and reported.
 */
export interface FieldPolicy {
  used: readonly string[];
  quiet: readonly string[];
  report: readonly string[];
}

/** `groups`, `files`, `sources`, `mcp_servers` and `skills` are read, and reported by the importer. */
export const TOP_FIELDS: FieldPolicy = {
  used: [
    'agents',
    'blocks',
    'tools',
    'metadata',
    'created_at',
    'groups',
    'files',
    'sources',
    'mcp_servers',
    'skills',
  ],
  quiet: [],
  report: [],
};

export const AGENT_FIELDS: FieldPolicy = {
  used: [
    'id',
    'name',
    'agent_type',
    'system',
    'description',
    'metadata',
    'tags',
    'tool_rules',
    'block_ids',
    'tool_ids',
    'tools',
    'memory_blocks',
    'llm_config',
    'embedding_config',
    'model',
    'embedding',
    'model_settings',
    'context_window_limit',
    'in_context_message_ids',
    'messages',
    'group_ids',
    'secrets',
    'tool_exec_environment_variables',
  ],
  quiet: [
    'include_base_tools',
    'include_multi_agent_tools',
    'include_base_tool_rules',
    'include_default_source',
    'from_template',
    'template',
    'project',
    'project_id',
    'template_id',
    'base_template_id',
    'hidden',
    'timezone',
    'max_files_open',
    'per_file_view_window_char_limit',
    'embedding_chunk_size',
    'max_tokens',
    'max_reasoning_tokens',
    'enable_reasoner',
    'reasoning',
    'parallel_tool_calls',
    'memory_variables',
    'compaction_settings',
  ],
  report: [
    'source_ids',
    'folder_ids',
    'identity_ids',
    'files_agents',
    'response_format',
    'enable_sleeptime',
    'message_buffer_autoclear',
    'initial_message_sequence',
  ],
};

export const BLOCK_FIELDS: FieldPolicy = {
  used: ['id', 'label', 'value', 'limit', 'description', 'read_only', 'metadata', 'tags'],
  quiet: [
    'project_id',
    'template_name',
    'is_template',
    'template_id',
    'base_template_id',
    'deployment_id',
    'entity_id',
    'preserve_on_migration',
    'hidden',
  ],
  report: [],
};

export const TOOL_FIELDS: FieldPolicy = {
  used: [
    'id',
    'name',
    'tool_type',
    'description',
    'source_type',
    'source_code',
    'json_schema',
    'args_json_schema',
    'tags',
    'return_char_limit',
    'pip_requirements',
    'npm_requirements',
    'metadata_',
  ],
  quiet: ['created_by_id', 'last_updated_by_id', 'project_id', 'enable_parallel_execution'],
  report: ['default_requires_approval'],
};

export const MESSAGE_FIELDS: FieldPolicy = {
  used: [
    'id',
    'type',
    'role',
    'content',
    'name',
    'otid',
    'model',
    'agent_id',
    'tool_calls',
    'tool_call_id',
    'tool_returns',
    'created_at',
  ],
  quiet: ['sender_id', 'batch_item_id', 'group_id', 'step_id', 'run_id'],
  report: ['approve', 'approval_request_id', 'denial_reason', 'approvals'],
};

/** Letta's tool types; another value is reported (and the tool kept, not runnable). */
export const LETTA_TOOL_TYPES = [
  'custom',
  'letta_core',
  'letta_memory_core',
  'letta_multi_agent_core',
  'letta_sleeptime_core',
  'letta_voice_sleeptime_core',
  'letta_builtin',
  'letta_files_core',
  'external_langchain',
  'external_composio',
  'external_mcp',
] as const;

/** What `POST /v1/agents/import` answers: Letta's `agent_ids`, plus what did not come across. */
export interface ImportResult {
  agent_ids: string[];
  /** One line per thing dropped, changed or unknown, each starting with its JSON path. */
  warnings: string[];
  /** Tools stored but not runnable on this server yet (custom code, MCP). */
  not_runnable_tools: { id: string; name: string; tool_type: string; reason: string }[];
}
