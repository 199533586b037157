/** Liveness: `GET /health` (tutorial) and `GET /v1/health/` (Letta V1), both public. */
import { Type } from 'typebox';
import { defineRoute, type Route } from '../route.js';
import { VERSION } from '../version.js';

const Health = Type.Object({ status: Type.Literal('ok'), version: Type.String() });

function health(url: string): Route {
  return defineRoute({
    method: 'GET',
    url,
    public: true,
    schema: { summary: 'Check health', tags: ['health'], response: { 200: Health } },
    handler: async () => ({ status: 'ok' as const, version: VERSION }),
  });
}

/** `/v1/health/` also answers `/v1/health` (trailing slashes are ignored). */
export function healthRoutes(): Route[] {
  return [health('/health'), health('/v1/health/')];
}
