/**
 * The OpenAPI document, generated from the route schemas (never hand-written): served at
 * `GET /openapi.json`, browsable with Swagger UI at `/docs` (assets served from the package, so
 * it works offline). Both are public.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services/services.js';
import { authEnabled } from '../auth.js';
import { patternExample } from '../pattern-messages.js';
import { VERSION } from '../version.js';

/** Registers the generator (before any documented route) and the docs routes. */
export async function registerOpenApi(app: FastifyInstance, services: Services): Promise<void> {
  const optionalBodies = new Set<string>();
  app.addHook('onRoute', (route) => {
    if (!route.config?.optionalBody) return;
    for (const m of [route.method].flat()) optionalBodies.add(`${m.toLowerCase()} ${openapiPath(route.url)}`);
  });
  const secured = authEnabled(services.config);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'letta-ts',
        version: VERSION,
        description:
          "Stateful LLM agents with long-term memory: Letta's tutorial API (`/agents`) and V1 REST API (`/v1`).",
      },
      tags: TAGS,
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
          op.tags = groupTags(path, op.tags ?? []);
        }
      }
      addExamples(openapi);
      openapi.tags = declaredTags(openapi);
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
  tags?: Array<{ name: string; description?: string }>;
  paths?: Record<string, Record<string, { requestBody?: { required?: boolean }; tags?: string[] }>>;
}

/** `/docs` groups, in order: the tutorial API, the V1 API, then what operators use. */
const TAGS = (
  [
    ['tutorial: agents', 'Letta tutorial API: agents addressed by name (`/agents/{agent}`).'],
    ['tutorial: messages', 'Tutorial API: send messages (JSON, NDJSON stream, async, batch), cancel runs.'],
    ['tutorial: conversations', 'Tutorial API: conversations of an agent and their messages.'],
    [
      'tutorial: archival',
      'Tutorial API: an agent\'s archival memory (`{"text"}` to add, `?query=` to search).',
    ],
    ...['agents', 'archival-memory', 'archives', 'blocks', 'conversations', 'models', 'runs', 'tools'].map(
      (t) => [`v1: ${t}`, `Letta V1 REST API (\`/v1\`, for @letta-ai/letta-client): ${t}.`],
    ),
    ['openai-compatible', 'OpenAI-compatible routes over the agents (`/v1/chat/completions`).'],
    ['operations', 'Health, metrics and the web console.'],
  ] as Array<[string, string]>
).map(([name, description]) => ({ name, description }));

const OPERATIONAL_TAGS = new Set(['health', 'console', 'operations', 'admin']);
const OPERATIONAL = /^\/(health|ready|metrics|console|v1\/health)(\/|$)/;

/** {@link TAGS}, plus any group a route uses that it does not list, with `operations` last. */
function declaredTags(doc: OpenApiDoc): Array<{ name: string; description?: string }> {
  const used = new Set(
    Object.values(doc.paths ?? {}).flatMap((item) => Object.values(item).flatMap((op) => op.tags ?? [])),
  );
  const known = new Set(TAGS.map((t) => t.name));
  const extra = [...used].filter((t) => !known.has(t)).map((name) => ({ name }));
  return [
    ...TAGS.filter((t) => t.name !== 'operations'),
    ...extra,
    ...TAGS.filter((t) => t.name === 'operations'),
  ];
}

/** `agents` on `/v1/agents` → `v1: agents`; on `/agents` → `tutorial: agents`; health → `operations`. */
function groupTags(path: string, tags: string[]): string[] {
  if (OPERATIONAL.test(path) || path === '/' || tags.some((t) => OPERATIONAL_TAGS.has(t))) {
    return ['operations'];
  }
  if (tags.includes('openai')) return ['openai-compatible'];
  const api = path.startsWith('/v1/') ? 'v1' : 'tutorial';
  return (tags.length > 0 ? tags : [path.split('/')[api === 'v1' ? 2 : 1] ?? 'other']).map(
    (t) => `${api}: ${t}`,
  );
}

/**
 * Gives every string schema with a `pattern` (ids, agent names, labels) a matching example, and
 * each such path/query parameter the same `example`: Swagger UI otherwise invents one from the
 * regular expression.
 */
function addExamples(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) addExamples(item);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  const schema = obj.schema as Record<string, unknown> | undefined;
  if (
    typeof obj.in === 'string' &&
    schema &&
    typeof schema.pattern === 'string' &&
    obj.example === undefined
  ) {
    const example = patternExample(schema.pattern);
    if (example !== undefined) obj.example = example;
  }
  if (typeof obj.pattern === 'string' && obj.examples === undefined && obj.example === undefined) {
    const example = patternExample(obj.pattern);
    if (example !== undefined) obj.examples = [example];
  }
  for (const value of Object.values(obj)) addExamples(value);
}

/** `/agents/:agent` → `/agents/{agent}` */
function openapiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}
