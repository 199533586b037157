/**
 * Every route module the server serves, in registration order. To add routes, write a module
 * (`(core) => Route[]`, see `../route.ts`) and append it here.
 */
import { openaiRoutes } from '../openai/index.js';
import type { RouteModule } from '../route.js';
import { v1ArchivalRoutes } from '../v1/archival-memory.js';
import { v1Routes } from '../v1/index.js';
import { consoleRoutes } from './console.js';
import { healthRoutes } from './health.js';
import { metricsRoutes } from './metrics.js';
import { tutorialAgentRoutes } from './tutorial-agents.js';
import { tutorialArchivalRoutes } from './tutorial-archival.js';
import { tutorialConversationRoutes } from './tutorial-conversations.js';
import { tutorialMessageRoutes } from './tutorial-messages.js';

export const ROUTE_MODULES: RouteModule[] = [
  healthRoutes,
  metricsRoutes,
  tutorialAgentRoutes,
  tutorialConversationRoutes,
  tutorialMessageRoutes,
  tutorialArchivalRoutes,
  v1Routes,
  v1ArchivalRoutes,
  openaiRoutes,
  consoleRoutes,
];
