/**
 * `GET /metrics`: Prometheus text format (see `src/metrics.ts`). Behind the same auth as the API
 * when auth is on; it carries no tenant data (counts only).
 */

import { loadMetrics } from '../../metrics.js';
import type { Services } from '../../services/services.js';
import { defineRoute, type Route } from '../route.js';

export function metricsRoutes(_services: Services): Route[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/metrics',
      schema: { summary: 'Prometheus metrics', tags: ['health'] },
      handler: async (_req, reply) => {
        const { register } = await loadMetrics();
        reply.header('content-type', register.contentType);
        return reply.send(await register.metrics());
      },
    }),
  ];
}
