/**
 * Operating the server: liveness and readiness (`/health`, `/ready`), Prometheus `/metrics`, the
 * OpenAPI document and its browsable docs (`/openapi.json`, `/docs`, registered as a plugin by
 * `../app.ts`), and the web console (`/console`).
 */
import type { RouteModule } from '../route.js';
import { consoleRoutes } from './console.js';
import { healthRoutes } from './health.js';
import { metricsRoutes } from './metrics.js';

export { registerOpenApi } from './openapi.js';

export const OPS_ROUTES: RouteModule[] = [healthRoutes, metricsRoutes, consoleRoutes];
