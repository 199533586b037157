/** The Letta V1 REST API (`/v1/…`), one module per resource; listed in `../routes.ts`. */
import type { RouteModule } from '../route.js';
import { v1AgentContextRoutes } from './agent-context.js';
import { v1AgentFileRoutes } from './agent-files.js';
import { v1AgentFolderRoutes } from './agent-folders.js';
import { v1AgentMessageRoutes } from './agent-messages.js';
import { v1AgentRoutes } from './agents.js';
import { v1ArchivalRoutes } from './archival-memory.js';
import { v1ArchiveRoutes } from './archives.js';
import { v1BlockRoutes } from './blocks.js';
import { v1CallbackSecretRoutes } from './callback-secret.js';
import { v1ContextMaintenanceRoutes } from './context-maintenance.js';
import { v1ConversationRoutes } from './conversations.js';
import { v1CustomToolRoutes } from './custom-tools.js';
import { v1FolderRoutes } from './folders.js';
import { v1JobRoutes } from './jobs.js';
import { v1McpLegacyRoutes } from './mcp-legacy.js';
import { v1McpServerRoutes } from './mcp-servers.js';
import { v1MessageSearchRoutes } from './message-search.js';
import { v1MessageRoutes } from './messages.js';
import { v1ModelRoutes } from './models.js';
import { v1RunRoutes } from './runs.js';
import { v1StepRoutes } from './steps.js';
import { v1ToolRoutes } from './tools.js';

export const V1_ROUTES: RouteModule[] = [
  v1AgentRoutes,
  v1AgentContextRoutes,
  v1AgentFileRoutes,
  v1AgentMessageRoutes,
  v1MessageSearchRoutes,
  v1MessageRoutes,
  v1ArchiveRoutes,
  v1BlockRoutes,
  v1ToolRoutes,
  v1CustomToolRoutes,
  v1McpServerRoutes,
  v1McpLegacyRoutes,
  v1RunRoutes,
  v1StepRoutes,
  v1ConversationRoutes,
  v1ContextMaintenanceRoutes,
  v1ModelRoutes,
  v1CallbackSecretRoutes,
  v1ArchivalRoutes,
  v1FolderRoutes,
  v1AgentFolderRoutes,
  v1JobRoutes,
];
