/**
 * The database schema as Kysely sees it. JSON columns are stored as text on both dialects
 * (parsed in the repositories), timestamps as ISO-8601 UTC strings, booleans as 0/1 integers:
 * one representation, so no repository code branches on the dialect.
 */
import type { Generated } from 'kysely';

export interface OrganizationTable {
  id: string;
  name: string;
  created_at: string;
  /** HMAC key of its signed run callbacks; created on first use (migration 005). */
  callback_secret: string | null;
}

export interface ApiKeyTable {
  id: string;
  organization_id: string;
  label: string | null;
  /** sha256 of the secret; the secret itself is never stored. */
  key_hash: string;
  /** The first characters of the key, shown in listings. */
  prefix: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface AgentTable {
  id: string;
  organization_id: string;
  name: string;
  description: string | null;
  agent_type: string;
  system: string;
  model: string | null;
  embedding: string | null;
  context_window_limit: number | null;
  /** JSON: model settings (temperature, max_output_tokens, …). */
  model_settings: string;
  /** JSON: tool rules. */
  tool_rules: string;
  /** JSON: string[]. */
  tags: string;
  /** JSON: object. */
  metadata: string;
  last_stop_reason: string | null;
  created_at: string;
  updated_at: string;
}

export interface BlockTable {
  id: string;
  organization_id: string;
  label: string;
  value: string;
  limit: number;
  description: string | null;
  read_only: number;
  /** JSON: object. */
  metadata: string;
  /** JSON: string[]. */
  tags: string;
  /** Incremented by every write; used for optimistic checks and to detect memory changes. */
  version: number;
  created_at: string;
  updated_at: string;
}

export interface AgentBlockTable {
  agent_id: string;
  block_id: string;
  organization_id: string;
  position: number;
}

export interface ToolTable {
  id: string;
  organization_id: string;
  name: string;
  description: string | null;
  tool_type: string;
  source_type: string | null;
  source_code: string | null;
  /** JSON: {name, description, parameters}. */
  json_schema: string;
  /** JSON: string[]. */
  tags: string;
  return_char_limit: number;
  /** JSON object or NULL (migration 005). */
  args_json_schema: string | null;
  /** JSON: [{name, version}] or NULL. */
  pip_requirements: string | null;
  npm_requirements: string | null;
  /** JSON object: e.g. `{"mcp": {"server_name": …}}` for an MCP tool. */
  metadata: string;
  created_at: string;
  updated_at: string;
  /** 1/0: calls wait for a human's approval unless an agent says otherwise; NULL = 0. */
  default_requires_approval: Generated<number | null>;
}

/** An agent's tool variable (Letta's `secrets`): the environment its tools see. */
export interface AgentToolVariableTable {
  id: string;
  organization_id: string;
  agent_id: string;
  key: string;
  value: string;
  description: string | null;
  created_at: string;
  updated_at: string;
}

export interface AgentToolTable {
  agent_id: string;
  tool_id: string;
  organization_id: string;
  /** 1/0: the agent's own approval setting for the tool; null = none. */
  requires_approval: Generated<number | null>;
}

export interface ConversationTable {
  id: string;
  organization_id: string;
  agent_id: string;
  /** 1 for the agent's own thread (Letta's `default` conversation). */
  is_default: number;
  summary: string | null;
  /** JSON: string[] of message ids; index 0 is the system message. */
  in_context_message_ids: string;
  /** Block versions the system message was compiled from (detects memory changes cheaply). */
  memory_fingerprint: string | null;
  /** The run that holds this conversation (one run at a time, across processes). */
  active_run_id: string | null;
  /** When the holder's claim lapses unless renewed (crash recovery). */
  lease_until: string | null;
  archived: number;
  last_message_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface MessageTable {
  /** Global insertion order: cursors and "oldest first" use it. */
  seq: Generated<number>;
  id: string;
  organization_id: string;
  agent_id: string;
  conversation_id: string;
  role: string;
  /** Text content (user text, assistant text, tool return, system prompt). */
  content: string | null;
  /** Model reasoning attached to an assistant message. */
  reasoning: string | null;
  /** JSON: ToolCall[] on assistant messages. */
  tool_calls: string | null;
  tool_call_id: string | null;
  /** Tool name on tool messages; sender name on user messages. */
  name: string | null;
  /** For tool returns: 'success' | 'error'. */
  status: string | null;
  run_id: string | null;
  step_id: string | null;
  otid: string | null;
  /** Token count of this message as sent to the model, counted once at insert. */
  tokens: number;
  /** JSON: extra fields (summary stats, heartbeat markers, …). */
  metadata: string;
  created_at: string;
}

export interface RunTable {
  id: string;
  organization_id: string;
  agent_id: string;
  conversation_id: string;
  status: string;
  stop_reason: string | null;
  background: number;
  callback_url: string | null;
  /** JSON: object (request options, result, error). */
  metadata: string;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  step_count: number;
  /** Which server process runs it (for crash recovery). */
  owner: string | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
}

export interface StepTable {
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

export interface RunEventTable {
  run_id: string;
  seq_id: number;
  organization_id: string;
  /** JSON: the stream event. */
  payload: string;
  created_at: string;
}

export interface ArchiveTable {
  id: string;
  organization_id: string;
  name: string;
  /** The embedding handle passages of this archive are embedded with. */
  embedding: string | null;
  embedding_dim: number | null;
  description: string | null;
  /** JSON object. */
  metadata: Generated<string>;
  created_at: string;
  updated_at: string | null;
}

export interface ArchiveAgentTable {
  archive_id: string;
  agent_id: string;
  organization_id: string;
  /** When the link was made ('' for links older than migration 003). */
  created_at: Generated<string>;
}

export interface PassageTable {
  id: string;
  organization_id: string;
  archive_id: string;
  text: string;
  /** JSON: string[]. */
  tags: string;
  /** JSON: object. */
  metadata: string;
  embedding_model: string | null;
  embedding_dim: number | null;
  created_at: string;
  /** The folder file this chunk came from (migration 011); null for archival memory. */
  file_id: Generated<string | null>;
}

export interface FolderTable {
  id: string;
  organization_id: string;
  name: string;
  description: string | null;
  instructions: string | null;
  /** JSON object. */
  metadata: string;
  embedding: string | null;
  embedding_chunk_size: number;
  /** The hidden archive holding the folder's chunks. */
  archive_id: string;
  created_at: string;
  updated_at: string;
}

export interface FileTable {
  id: string;
  organization_id: string;
  folder_id: string;
  file_name: string;
  original_file_name: string;
  file_type: string;
  file_size: number;
  /** pending | parsing | embedding | completed | error */
  processing_status: string;
  error_message: string | null;
  total_chunks: number | null;
  chunks_embedded: number | null;
  /** The parsed text (what open_files and grep_files read). */
  content: string | null;
  created_at: string;
  updated_at: string;
}

export interface AgentFolderTable {
  agent_id: string;
  folder_id: string;
  organization_id: string;
  created_at: string;
}

export interface FileAgentTable {
  agent_id: string;
  file_id: string;
  organization_id: string;
  /** 1/0. */
  is_open: number;
  visible_content: string | null;
  start_line: number | null;
  end_line: number | null;
  last_accessed_at: string;
}

export interface JobTable {
  id: string;
  organization_id: string;
  /** pending | running | completed | failed | cancelled */
  status: string;
  job_type: string;
  /** JSON object. */
  metadata: string;
  folder_id: string | null;
  file_id: string | null;
  /** The process working on it (crash recovery). */
  owner: string | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
}

/** MCP servers (migration 010); JSON columns as text. */
export interface McpServerTable {
  id: string;
  organization_id: string;
  server_name: string;
  server_type: string;
  server_url: string | null;
  auth_header: string | null;
  auth_token: string | null;
  /** JSON: object of strings, or null. */
  custom_headers: string | null;
  command: string | null;
  /** JSON: string[], or null. */
  args: string | null;
  /** JSON: object of strings, or null. */
  env: string | null;
  created_at: string;
  updated_at: string;
}

export interface Database {
  organizations: OrganizationTable;
  api_keys: ApiKeyTable;
  agents: AgentTable;
  blocks: BlockTable;
  agents_blocks: AgentBlockTable;
  tools: ToolTable;
  agents_tools: AgentToolTable;
  conversations: ConversationTable;
  messages: MessageTable;
  runs: RunTable;
  steps: StepTable;
  run_events: RunEventTable;
  archives: ArchiveTable;
  archives_agents: ArchiveAgentTable;
  passages: PassageTable;
  agent_tool_variables: AgentToolVariableTable;
  mcp_servers: McpServerTable;
  folders: FolderTable;
  files: FileTable;
  agents_folders: AgentFolderTable;
  files_agents: FileAgentTable;
  jobs: JobTable;
}
