/** The OpenAI-compatible API over agents (`/v1/chat/completions`); registered from `../routes/index.ts`. */
import type { Core } from '../../core.js';
import type { Route } from '../route.js';
import { chatCompletionRoutes } from './chat-completions.js';

export function openaiRoutes(core: Core): Route[] {
  return [...chatCompletionRoutes(core)];
}
