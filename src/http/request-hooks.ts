/**
 * Per-request plumbing shared by every route: the request id (the caller's `x-request-id` when it
 * is sane, else a random one) echoed on every answer, security headers, `Cache-Control: no-store`
 * on API JSON, and one access-log line per request.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { endSpan, type Frame, startSpan, tracingOn, withFrame } from '../telemetry.js';

const SANE_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** Fastify `genReqId`: the incoming `x-request-id` if it is short and plain, else a new uuid. */
export function requestIdFor(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
}

const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/** Marks the routes under `prefixes` public (plugins' routes such as Swagger UI's). */
export function markPublicPrefixes(app: FastifyInstance, prefixes: string[]): void {
  app.addHook('onRoute', (route) => {
    if (prefixes.some((p) => route.url === p || route.url.startsWith(`${p}/`))) {
      route.config = { ...route.config, public: true };
    }
  });
}

export function installRequestHooks(app: FastifyInstance): void {
  if (tracingOn()) installTracingHooks(app);
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
    // API answers are per caller and never cacheable; static assets (docs) set their own.
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        url: request.url.split('?')[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });
}

/**
 * With tracing on: one span per request (method, route, status), the current span for what the
 * handler starts (runs, transactions). Entered again before the handler, since the body arrives
 * on the connection's own async context.
 */
function installTracingHooks(app: FastifyInstance): void {
  const spans = new WeakMap<FastifyRequest, Frame>();
  app.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const frame = startSpan(
      `${request.method} ${route}`,
      {
        'http.request.method': request.method,
        'http.route': route,
        'url.path': request.url.split('?')[0],
      },
      true,
    );
    if (frame) spans.set(request, frame);
    withFrame(frame, done);
  });
  app.addHook('preHandler', (request, _reply, done) => withFrame(spans.get(request), done));
  app.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    endSpan(spans.get(request), { 'http.response.status_code': status }, status >= 500);
    done();
  });
}
