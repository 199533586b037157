/**
 * The tutorial API (`/agents/…`): agents, conversations, messages (NDJSON streams) and archival
 * memory, as the Letta tutorial's client calls them.
 */
import type { RouteModule } from '../route.js';
import { tutorialAgentRoutes } from './agents.js';
import { tutorialArchivalRoutes } from './archival.js';
import { tutorialConversationRoutes } from './conversations.js';
import { tutorialMessageRoutes } from './messages.js';

export const TUTORIAL_ROUTES: RouteModule[] = [
  tutorialAgentRoutes,
  tutorialConversationRoutes,
  tutorialMessageRoutes,
  tutorialArchivalRoutes,
];
