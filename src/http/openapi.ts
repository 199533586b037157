/**
 * The OpenAPI document, generated from the route schemas (never hand-written): served at
 * `GET /openapi.json`, browsable with Swagger UI at `/docs` (assets served from the package, so
 * it works offline). Both are public.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../core.js';
import { authEnabled } from './auth.js';
import { VERSION } from './version.js';

/** Registers the generator (before any documented route) and the docs routes. */
export async function registerOpenApi(app: FastifyInstance, core: Core): Promise<void> {
  const optionalBodies = new Set<string>();
  app.addHook('onRoute', (route) => {
    if (!route.config?.optionalBody) return;
    for (const m of [route.method].flat()) optionalBodies.add(`${m.toLowerCase()} ${openapiPath(route.url)}`);
  });
  const secured = authEnabled(core.config);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'letta-ts',
        version: VERSION,
        description:
          "Stateful LLM agents with long-term memory: Letta's tutorial API (`/agents`) and V1 REST API (`/v1`).",
      },
      ...(secured
        ? {
            components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
            security: [{ bearerAuth: [] }],
          }
        : {}),
    },
    transformObject: (doc) => {
      const openapi = (doc as { openapiObject: OpenApiDoc }).openapiObject;
      for (const [path, item] of Object.entries(openapi.paths ?? {})) {
        for (const [method, op] of Object.entries(item)) {
          if (op.requestBody && optionalBodies.has(`${method} ${path}`)) op.requestBody.required = false;
        }
      }
      return openapi;
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // No calls out (the online validator badge), so the page works offline.
    uiConfig: { deepLinking: true, validatorUrl: null },
    // Swagger UI's own CSP minus `upgrade-insecure-requests`, which would break plain-HTTP docs
    // served on a LAN address (`--host 0.0.0.0`), and minus its external hosts.
    staticCSP: DOCS_CSP,
  });
  app.get('/openapi.json', { schema: { hide: true }, config: { public: true } }, async () => app.swagger());
}

const DOCS_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "font-src 'self' data:",
  "frame-ancestors 'none'",
  "img-src 'self' data:",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self'",
].join('; ');

/** The part of the generated document we adjust. */
interface OpenApiDoc {
  paths?: Record<string, Record<string, { requestBody?: { required?: boolean } }>>;
}

/** `/agents/:agent` → `/agents/{agent}` */
function openapiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}
