/**
 * Routes as data. A route is declared once (method, url, TypeBox schemas, whether it is public,
 * handler); {@link registerRoutes} turns it into a Fastify route, which validates the request,
 * serialises the response and feeds `/openapi.json`. The success status is the lowest 2xx key of
 * `schema.response` (200 when there is none), so a handler only returns the body.
 *
 * @example
 * const getThing = defineRoute({
 *   method: 'GET',
 *   url: '/things/:thing',
 *   schema: { summary: 'Get a thing', tags: ['things'], params: Type.Object({ thing: Type.String({ maxLength: 50 }) }) },
 *   handler: async (req) => ({ name: req.params.thing }),
 * });
 * registerRoutes(app, [getThing]);
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Static, TSchema } from 'typebox';
import type { Services } from '../services/services.js';
import { type ErrorAnswer, sendError } from './error-handler.js';
import { ErrorBody } from './schemas.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteSchema {
  summary: string;
  description?: string;
  tags: string[];
  params?: TSchema;
  querystring?: TSchema;
  body?: TSchema;
  /** Response bodies by status; the lowest 2xx is the status a successful call answers with. */
  response?: Record<number, TSchema>;
}

type StaticOf<T> = T extends TSchema ? Static<T> : unknown;

/** The Fastify request a route's handler receives, typed from its schemas. */
export type RouteRequest<S extends RouteSchema> = FastifyRequest<{
  Params: StaticOf<S['params']>;
  Querystring: StaticOf<S['querystring']>;
  Body: StaticOf<S['body']>;
}>;

export interface Route<S extends RouteSchema = RouteSchema> {
  method: HttpMethod;
  /** Fastify syntax: `/agents/:agent`. */
  url: string;
  schema: S;
  /** Reachable without credentials when auth is on (health, docs). */
  public?: boolean;
  /** The body may be absent (no body, or an empty `application/json` body): the handler sees `{}`. */
  optionalBody?: boolean;
  /** How this route's errors look, when not Letta's `{detail, code}` (e.g. OpenAI's `{error}`). */
  errorShape?: ErrorShape;
  /**
   * The body is multipart/form-data, read by the handler (`request.parts()`); such routes are
   * registered in a scope with the multipart parser, so every other route still answers 415.
   */
  multipart?: boolean;
  handler(request: RouteRequest<S>, reply: FastifyReply): Promise<unknown>;
}

/** Another API's error body: its schema, and how an error answer is rewritten into it. */
export interface ErrorShape {
  schema: TSchema;
  reshape(answer: ErrorAnswer): { status: number; body: object };
}

/**
 * A group of routes built over the services (one file under `src/http/tutorial/`, `v1/`, `openai/`
 * or `ops/`). Routes never see the store: what they read or write goes through a service.
 */
export type RouteModule = (services: Services) => Route[];

/** Declares a route, inferring the handler's request type from the schemas. */
export function defineRoute<const S extends RouteSchema>(route: Route<S>): Route {
  return route as unknown as Route;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    public?: boolean;
    optionalBody?: boolean;
  }
}

/** Registers each route on `app`, with the shared error responses added to its schema. */
export function registerRoutes(app: FastifyInstance, routes: readonly Route[]): void {
  for (const route of routes) {
    const { summary, description, tags, params, querystring, body, response } = route.schema;
    const status = successStatus(response);
    const errorBody = route.errorShape?.schema ?? ErrorBody;
    const shape = route.errorShape;
    app.route({
      method: route.method,
      url: route.url,
      config: { public: route.public === true, optionalBody: route.optionalBody === true },
      schema: {
        summary,
        ...(description === undefined ? {} : { description }),
        tags,
        ...(params === undefined ? {} : { params }),
        ...(querystring === undefined ? {} : { querystring }),
        ...(body === undefined ? {} : { body }),
        ...(route.public ? { security: [] } : {}),
        response: { ...response, '4xx': errorBody, '5xx': errorBody },
      },
      ...(shape
        ? { errorHandler: (err, request, reply) => sendError(err, request, reply, shape.reshape) }
        : {}),
      preValidation: route.optionalBody ? defaultEmptyBody : undefined,
      handler: async (request, reply) => {
        reply.code(status);
        return route.handler(request as RouteRequest<RouteSchema>, reply);
      },
    });
  }
}

async function defaultEmptyBody(request: FastifyRequest): Promise<void> {
  if (request.body === undefined || request.body === null) request.body = {};
}

function successStatus(response: Record<number, TSchema> | undefined): number {
  const codes = Object.keys(response ?? {})
    .map(Number)
    .filter((n) => n >= 200 && n < 300)
    .sort((a, b) => a - b);
  return codes[0] ?? 200;
}
