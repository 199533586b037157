/**
 * What the repositories return: rows with JSON columns parsed and booleans as booleans. Field
 * names follow Letta's vocabulary so the API serializers stay thin.
 */

/**
 * One tool call requested by the model, as stored on an assistant message. `arguments` is the raw
 * JSON text the model produced. The runtime's model boundary uses the same shape.
 */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface AgentRecord {
  id: string;
  organization_id: string;
  name: string;
  description: string | null;
  agent_type: string;
  system: string;
  model: string | null;
  embedding: string | null;
  context_window_limit: number | null;
  model_settings: JsonObject;
  tool_rules: Json[];
  tags: string[];
  metadata: JsonObject;
  last_stop_reason: string | null;
  created_at: string;
  updated_at: string;
}

export interface BlockRecord {
  id: string;
  organization_id: string;
  label: string;
  value: string;
  limit: number;
  description: string | null;
  read_only: boolean;
  metadata: JsonObject;
  tags: string[];
  version: number;
  created_at: string;
  updated_at: string;
}

export interface ToolRecord {
  id: string;
  organization_id: string;
  name: string;
  description: string | null;
  tool_type: string;
  source_type: string | null;
  source_code: string | null;
  json_schema: JsonObject;
  tags: string[];
  return_char_limit: number;
  /** Letta's argument schema, kept for the tools sandbox. */
  args_json_schema: JsonObject | null;
  /** Packages a custom tool needs (`[{name, version}]`), kept for the tools sandbox. */
  pip_requirements: Json[] | null;
  npm_requirements: Json[] | null;
  /** Letta's `metadata_`: an MCP tool's server (`{"mcp": {"server_name": …}}`). */
  metadata: JsonObject;
  created_at: string;
  updated_at: string;
  /** Calls wait for a human's approval, unless an agent sets otherwise. */
  default_requires_approval?: boolean;
  /** Listed for an agent: its calls wait for a human's approval (the agent's setting, else the default). */
  requires_approval?: boolean;
}

export interface ConversationRecord {
  id: string;
  organization_id: string;
  agent_id: string;
  is_default: boolean;
  summary: string | null;
  in_context_message_ids: string[];
  memory_fingerprint: string | null;
  active_run_id: string | null;
  lease_until: string | null;
  archived: boolean;
  last_message_at: string | null;
  created_at: string;
  updated_at: string;
}

export type MessageRole = 'system' | 'user' | 'assistant' | 'tool';

export interface MessageRecord {
  seq: number;
  id: string;
  organization_id: string;
  agent_id: string;
  conversation_id: string;
  role: MessageRole;
  content: string | null;
  reasoning: string | null;
  tool_calls: ToolCall[] | null;
  tool_call_id: string | null;
  name: string | null;
  status: 'success' | 'error' | null;
  run_id: string | null;
  step_id: string | null;
  otid: string | null;
  tokens: number;
  metadata: JsonObject;
  created_at: string;
}

/** A message about to be stored (the store assigns `seq`). */
export type NewMessage = Omit<MessageRecord, 'seq'>;

export type RunStatus = 'created' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface RunRecord {
  id: string;
  organization_id: string;
  agent_id: string;
  conversation_id: string;
  status: RunStatus;
  stop_reason: string | null;
  background: boolean;
  callback_url: string | null;
  metadata: JsonObject;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  step_count: number;
  owner: string | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
}

export interface StepRecord {
  id: string;
  organization_id: string;
  run_id: string;
  agent_id: string;
  model: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  stop_reason: string | null;
  created_at: string;
}

export interface ApiKeyRecord {
  id: string;
  organization_id: string;
  label: string | null;
  prefix: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

/** Cursor pagination shared by every list: `after`/`before` are ids, `order` by creation. */
export interface PageQuery {
  limit: number;
  after?: string | undefined;
  before?: string | undefined;
  order?: 'asc' | 'desc' | undefined;
}

export function nowIso(): string {
  return new Date().toISOString();
}

export function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null || text === '') return fallback;
  return JSON.parse(text) as T;
}

/** One of an agent's tool variables (Letta's `secrets`): the only environment its tools see. */
export interface AgentVariableRecord {
  id: string;
  organization_id: string;
  agent_id: string;
  key: string;
  value: string;
  description: string | null;
  created_at: string;
  updated_at: string;
}

/** How the server reaches an MCP server (Letta's `mcp_server_type`). */
export type McpServerType = 'streamable_http' | 'sse' | 'stdio';

/**
 * An MCP server an organization registered: by URL (streamable HTTP or SSE, with an optional auth
 * header and custom headers) or by command (stdio, only when the operator allows it).
 */
export interface McpServerRecord {
  id: string;
  organization_id: string;
  server_name: string;
  server_type: McpServerType;
  server_url: string | null;
  /** The header the token goes in (`Authorization` when only a token is given). */
  auth_header: string | null;
  auth_token: string | null;
  custom_headers: Record<string, string> | null;
  command: string | null;
  args: string[] | null;
  env: Record<string, string> | null;
  created_at: string;
  updated_at: string;
}
