/** The Letta V1 REST API (`/v1/…`), one module per resource; registered from `../routes/index.ts`. */
import type { Core } from '../../core.js';
import type { Route } from '../route.js';
import { v1AgentContextRoutes } from './agent-context.js';
import { v1AgentFileRoutes } from './agent-files.js';
import { v1AgentMessageRoutes } from './agent-messages.js';
import { v1AgentRoutes } from './agents.js';
import { v1ArchiveRoutes } from './archives.js';
import { v1BlockRoutes } from './blocks.js';
import { v1CallbackSecretRoutes } from './callback-secret.js';
import { v1ConversationRoutes } from './conversations.js';
import { v1CustomToolRoutes } from './custom-tools.js';
import { v1MessageSearchRoutes } from './message-search.js';
import { v1ModelRoutes } from './models.js';
import { v1RunRoutes } from './runs.js';
import { v1StepRoutes } from './steps.js';
import { v1ToolRoutes } from './tools.js';

export function v1Routes(core: Core): Route[] {
  return [
    ...v1AgentRoutes(core),
    ...v1AgentContextRoutes(core),
    ...v1AgentFileRoutes(core),
    ...v1AgentMessageRoutes(core),
    ...v1MessageSearchRoutes(core),
    ...v1ArchiveRoutes(core),
    ...v1BlockRoutes(core),
    ...v1ToolRoutes(core),
    ...v1CustomToolRoutes(core),
    ...v1RunRoutes(core),
    ...v1StepRoutes(core),
    ...v1ConversationRoutes(core),
    ...v1ModelRoutes(core),
    ...v1CallbackSecretRoutes(core),
  ];
}
