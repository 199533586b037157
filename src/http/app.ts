/**
 * The HTTP application over the {@link Services}. The order below is the request lifecycle:
 * request id → local guard (Host/Origin without --auth) → CORS (preflight answered) → rate limit
 * (onRequest) → auth (preParsing) → JSON body → NUL guard → schema validation → handler → security
 * headers (onSend) → access log (onResponse); any error on the way is answered by the one error
 * handler.
 */
import { readFileSync } from 'node:fs';
import cors from '@fastify/cors';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import type { ServerConfig } from '../config.js';
import { LettaError } from '../errors.js';
import type { Services } from '../services/services.js';
import { installAuth } from './auth.js';
import { installCoercion } from './coerce.js';
import { installDrain } from './drain.js';
import { clientErrorHandler, installErrorHandlers, sendError } from './error-handler.js';
import { depthOver } from './json-depth.js';
import { lazySchemaController } from './lazy-compilers.js';
import { installLocalGuard } from './local-guard.js';
import { installNulGuard } from './nul-guard.js';
import { registerOpenApi } from './ops/index.js';
import { registerRateLimit } from './rate-limit.js';
import { installRequestHooks, markPublicPrefixes, requestIdFor } from './request-hooks.js';
import { installResponseBudget } from './response-budget.js';
import { type RouteModule, registerRoutes } from './route.js';
import { ROUTE_MODULES } from './routes.js';

export interface BuildAppOptions {
  /** Route modules registered after the built-in list (`src/http/routes.ts`). */
  routes?: RouteModule[];
}

/**
 * Builds (but does not start) the Fastify app serving `services` (the core's `services`).
 *
 * @example
 * const app = await buildApp(core.services);
 * await app.listen({ host: core.config.host, port: core.config.port });
 */
export async function buildApp(services: Services, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const { config } = services;
  const app = Fastify({
    loggerInstance: services.log,
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'req_id' }),
    genReqId: requestIdFor,
    requestIdHeader: false,
    bodyLimit: config.bodyLimit,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    schemaController: lazySchemaController(),
    ajv: {
      // removeAdditional off: a field a strict (additionalProperties: false) body does not know is
      // a 422 naming it, never silently dropped (a PATCH that ignores `tools` looks like success).
      customOptions: { removeAdditional: false, useDefaults: true, coerceTypes: false, allErrors: false },
    },
    frameworkErrors: (err, request, reply) => sendError(err, request, reply),
    clientErrorHandler,
    trustProxy:
      typeof config.trustProxy === 'number'
        ? (_address: string, hop: number) => hop < (config.trustProxy as number)
        : config.trustProxy,
    // Slow clients (slowloris): headers and the whole request must arrive in time, idle sockets close.
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.connectionTimeoutMs,
    http: serverTimeouts(config),
    ...httpsOptions(config),
    // Closing answers what reaches it and closes connections one by one (./drain.ts), instead of
    // answering 503 to requests that arrive during the drain.
    return503OnClosing: false,
    forceCloseConnections: false,
  }) as unknown as FastifyInstance;

  installErrorHandlers(app);
  installDrain(app, services.readiness, config.headersTimeoutMs);
  installRequestHooks(app);
  installLocalGuard(app, config);
  if (config.sslCert) {
    // Served over TLS: tell browsers to keep using it (no includeSubDomains: other hosts may be plain).
    app.addHook('onSend', async (_request, reply, payload) => {
      reply.header('strict-transport-security', 'max-age=31536000');
      return payload;
    });
  }
  installCoercion(app);
  installNulGuard(app);
  installResponseBudget(app, config.limits.responseBytes);
  markPublicPrefixes(app, ['/docs', '/openapi.json', '/health', '/v1/health']);
  installJsonParser(app, config.limits.jsonDepth);
  if (config.cors !== false) {
    await app.register(cors, {
      origin: config.cors === true ? true : config.cors,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      exposedHeaders: [
        'x-request-id',
        'retry-after',
        'x-ratelimit-limit',
        'x-ratelimit-remaining',
        'x-ratelimit-reset',
      ],
      maxAge: 600,
    });
  }
  await registerRateLimit(app, services);
  installAuth(app, services);
  await registerOpenApi(app, services);
  const routes = [...ROUTE_MODULES, ...(options.routes ?? [])].flatMap((module) => module(services));
  registerRoutes(
    app,
    routes.filter((r) => !r.multipart),
  );
  await app.register(async (scope) => {
    // One file part of at most LETTA_AGENT_FILE_LIMIT bytes and a few small fields.
    await scope.register(multipart, {
      limits: { fileSize: config.agentFileLimit, files: 1, fields: 20, fieldSize: 1024 * 1024, parts: 25 },
    });
    registerRoutes(
      scope,
      routes.filter((r) => r.multipart),
    );
  });
  return app;
}

/**
 * JSON only: `text/plain` is refused (415) like any other type. An empty `application/json` body
 * is no body where none is required: on routes whose body is optional (the tutorial's bodyless
 * POSTs) and on routes that take none (Letta's Python SDK sends `Content-Type: application/json`
 * with an empty body on every DELETE).
 * A body nested deeper than LETTA_MAX_JSON_DEPTH is refused before it is parsed (422
 * LIMIT_EXCEEDED).
 */
function installJsonParser(app: FastifyInstance, maxDepth: number): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const { config, schema } = request.routeOptions;
    if (body.length === 0 && (config.optionalBody || schema?.body === undefined)) {
      done(null, undefined);
      return;
    }
    const depth = depthOver(body as string, maxDepth);
    if (depth > 0) {
      done(
        new LettaError(
          'LIMIT_EXCEEDED',
          `JSON body nested more than ${maxDepth} levels deep (LETTA_MAX_JSON_DEPTH)`,
        ),
      );
      return;
    }
    parse(request, body as string, done);
  });
}

/** Node server options against slow clients (also applied to the HTTPS server). */
function serverTimeouts(config: ServerConfig): {
  headersTimeout: number;
  requestTimeout: number;
  connectionsCheckingInterval: number;
} {
  return {
    headersTimeout: config.headersTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    // How often Node checks those deadlines (its default, 30 s, would let a slow client linger).
    connectionsCheckingInterval: Math.max(
      100,
      Math.min(1000, Math.floor(config.headersTimeoutMs / 2) || 1000),
    ),
  };
}

/** The TLS files for `--ssl-cert`/`--ssl-key` (none when neither is set); fails in one line. */
export function httpsOptions(
  config: ServerConfig,
):
  | Pick<FastifyServerOptions, never>
  | { https: { cert: Buffer; key: Buffer } & ReturnType<typeof serverTimeouts> } {
  if (!config.sslCert && !config.sslKey) return {};
  if (!config.sslCert || !config.sslKey) {
    throw new LettaError('BAD_REQUEST', 'HTTPS needs both --ssl-cert and --ssl-key');
  }
  return {
    https: {
      cert: readPem(config.sslCert, '--ssl-cert'),
      key: readPem(config.sslKey, '--ssl-key'),
      ...serverTimeouts(config),
    },
  };
}

function readPem(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new LettaError(
      'BAD_REQUEST',
      `cannot read ${flag} file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
}
