/**
 * Liveness: `GET /health` (tutorial) and `GET /v1/health/` (Letta V1): the process answers.
 * Readiness: `GET /ready` and `GET /v1/health/ready`: the process should get new requests, else
 * 503 with `reason`: `SERVICE_UNAVAILABLE` while draining, `DATABASE_UNAVAILABLE` (with
 * `Retry-After`) while the database does not answer. All public.
 */
import { Type } from 'typebox';
import { LettaError } from '../../errors.js';
import type { Services } from '../../services/services.js';
import { defineRoute, type Route } from '../route.js';
import { VERSION } from '../version.js';

const Health = Type.Object({ status: Type.Literal('ok'), version: Type.String() });
const Ready = Type.Object({ status: Type.Literal('ready'), version: Type.String() });

function health(url: string): Route {
  return defineRoute({
    method: 'GET',
    url,
    public: true,
    schema: { summary: 'Check health', tags: ['health'], response: { 200: Health } },
    handler: async () => ({ status: 'ok' as const, version: VERSION }),
  });
}

function ready(services: Services, url: string): Route {
  return defineRoute({
    method: 'GET',
    url,
    public: true,
    schema: {
      summary: 'Check readiness',
      description:
        'For load balancers and Kubernetes readiness probes: 200 while this process takes new requests; 503 `SERVICE_UNAVAILABLE` (`reason: "draining"`) from the moment a shutdown signal arrives, 503 `DATABASE_UNAVAILABLE` (`reason: "database"`) while the database does not answer a `SELECT 1` within 500 ms (checked at most once a second).',
      tags: ['health'],
      response: { 200: Ready },
    },
    handler: async () => {
      const state = await services.readiness.check();
      if (!state.ready && state.reason === 'draining') {
        throw new LettaError('SERVICE_UNAVAILABLE', state.detail, { extra: { reason: state.reason } });
      }
      if (!state.ready) {
        throw new LettaError('DATABASE_UNAVAILABLE', state.detail, {
          extra: { reason: state.reason },
          retryAfterSeconds: 1,
        });
      }
      return { status: 'ready' as const, version: VERSION };
    },
  });
}

/** `/v1/health/` also answers `/v1/health` (trailing slashes are ignored). */
export function healthRoutes(services: Services): Route[] {
  return [
    health('/health'),
    health('/v1/health/'),
    ready(services, '/ready'),
    ready(services, '/v1/health/ready'),
  ];
}
