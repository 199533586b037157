/** The OpenAI-compatible API over agents (`/v1/chat/completions`); listed in `../routes.ts`. */
import type { RouteModule } from '../route.js';
import { chatCompletionRoutes } from './chat-completions.js';

export const OPENAI_ROUTES: RouteModule[] = [chatCompletionRoutes];
