/**
 * What the HTTP layer is handed: the services, plus the few things routes legitimately need that
 * are not services (config values, the logger, readiness, the provider registry for model lists,
 * the run channels for live streams). Built by `createCore` (`src/core.ts`); never the store.
 */

import type { ServerConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { ProviderRegistry } from '../runtime/llm/index.js';
import type { RunChannels } from '../runtime/run-channel.js';
import type { AgentFileService } from './agent-files/index.js';
import type { AgentService } from './agent-service.js';
import type { ApiKeyService } from './api-key-service.js';
import type { ArchivalService } from './archival-service.js';
import type { ArchiveService } from './archive-service.js';
import type { BlockService } from './block-service.js';
import type { CallbackService } from './callback-service.js';
import type { ContextMaintenanceService } from './context-maintenance-service.js';
import type { ContextWindowService } from './context-window-service.js';
import type { ConversationService } from './conversation-service.js';
import type { CustomToolService } from './custom-tool-service.js';
import type { AgentFileViews, FolderService, JobService, UploadService } from './folders/index.js';
import type { McpServerService } from './mcp-server-service.js';
import type { MessageHistory } from './message-history.js';
import type { MessageSearch } from './message-search.js';
import type { MessageService } from './message-service.js';
import type { Readiness } from './readiness.js';
import type { RunService } from './run-service.js';
import type { ToolService } from './tool-service.js';

export interface Services {
  config: ServerConfig;
  log: Logger;
  /** Models and embeddings the server can use (model lists, handles in views). */
  providers: ProviderRegistry;
  agents: AgentService;
  agentFiles: AgentFileService;
  blocks: BlockService;
  tools: ToolService;
  /** Custom tools (create, run) and the sandbox they run in. */
  customTools: CustomToolService;
  /** MCP servers and their tools (`external_mcp`). */
  mcpServers: McpServerService;
  conversations: ConversationService;
  /** Sending messages and cancelling runs. */
  messages: MessageService;
  /** Reading stored messages (as Letta typed messages, with failed turns marked). */
  history: MessageHistory;
  /** What the next model call of a conversation will contain (`/v1/agents/{id}/context`). */
  contextWindows: ContextWindowService;
  /** Recompile, compact (summarize) and fork a conversation's context between turns. */
  contextMaintenance: ContextMaintenanceService;
  /** Keyword search over an agent's messages (`/v1/messages/search`). */
  messageSearch: MessageSearch;
  /** Reading runs, their steps and their stored events. */
  runs: RunService;
  archival: ArchivalService;
  /** Archives as resources (`/v1/archives`). */
  archives: ArchiveService;
  /** Folders (`/v1/folders`, `/v1/sources`), their files and chunks, attached to agents. */
  folders: FolderService;
  /** File uploads into folders (background jobs). */
  uploads: UploadService;
  /** Background jobs (`/v1/jobs`). */
  jobs: JobService;
  /** An agent's view of its folders' files (open, close). */
  agentFileViews: AgentFileViews;
  /** API keys and the organizations they map to (auth). */
  apiKeys: ApiKeyService;
  /** Signed run callbacks (and their organization secrets). */
  callbacks: CallbackService;
  /** Live event channels of the runs this process executes (stream resume). */
  channels: RunChannels;
  /** Whether this process should get new requests (draining, database answering): `/ready`. */
  readiness: Readiness;
}
