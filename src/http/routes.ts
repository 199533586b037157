/**
 * Every route module the server serves, in registration order: one list per API surface, each
 * from its folder's `index.ts`. To add routes, write a module (`(services) => Route[]`, see
 * `./route.ts`) in its surface's folder and append it to that folder's list.
 */
import { OPENAI_ROUTES } from './openai/index.js';
import { OPS_ROUTES } from './ops/index.js';
import type { RouteModule } from './route.js';
import { TUTORIAL_ROUTES } from './tutorial/index.js';
import { V1_ROUTES } from './v1/index.js';

export const ROUTE_MODULES: RouteModule[] = [
  ...OPS_ROUTES,
  ...TUTORIAL_ROUTES,
  ...V1_ROUTES,
  ...OPENAI_ROUTES,
];
