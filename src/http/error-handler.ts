/**
 * The one place errors become HTTP answers. Every answer is JSON `{detail, code, ...extra}`:
 * a {@link LettaError} keeps its code and status; Fastify's own request errors (validation, bad
 * JSON, body too large, wrong content type, malformed URL) get catalog codes; anything else is a
 * 500 with the error logged and nothing internal in the body.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorCode, isLettaError } from '../errors.js';
import { describePattern } from './pattern-messages.js';

export interface ErrorAnswer {
  status: number;
  /** `Retry-After` seconds, when the error says when to try again. */
  retryAfter?: number | undefined;
  body: { detail: string; code: ErrorCode | string; [key: string]: unknown };
}

const INTERNAL: ErrorAnswer = {
  status: 500,
  body: { detail: 'An unknown error occurred', code: 'INTERNAL_ERROR' },
};

/** Fastify error codes whose status and message are safe to show, mapped to our codes. */
const FASTIFY_CODES: Record<string, { status: number; code: ErrorCode; detail?: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: 'INVALID_JSON',
    detail: 'The request body is not valid JSON',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'INVALID_JSON',
    detail: "The request body is empty but Content-Type is 'application/json': send a JSON object",
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
    detail: 'The request body is too large',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    detail: "Unsupported Content-Type: send 'application/json'",
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'BAD_REQUEST',
    detail: 'Content-Length does not match the body',
  },
  FST_ERR_BAD_URL: { status: 400, code: 'BAD_REQUEST', detail: 'The request URL is malformed' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 400, code: 'BAD_REQUEST', detail: 'A path parameter is too long' },
};

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/** What to answer for `err`; `internal` means it must be logged as a server fault. */
export function toErrorAnswer(err: unknown): ErrorAnswer & { internal: boolean } {
  if (isLettaError(err)) {
    return {
      status: err.status,
      retryAfter: err.retryAfterSeconds,
      body: { ...err.extra, detail: err.message, code: err.code },
      internal: false,
    };
  }
  const fe = err as Partial<FastifyError> | null;
  if (fe && typeof fe === 'object') {
    if (Array.isArray(fe.validation) && fe.validation.length > 0) {
      return {
        status: 422,
        body: { detail: validationDetail(fe as FastifyError), code: 'VALIDATION_ERROR' },
        internal: false,
      };
    }
    const known = typeof fe.code === 'string' ? FASTIFY_CODES[fe.code] : undefined;
    if (known) {
      return {
        status: known.status,
        body: { detail: known.detail ?? String(fe.message), code: known.code },
        internal: false,
      };
    }
    const status = fe.statusCode;
    if (
      typeof fe.code === 'string' &&
      fe.code.startsWith('FST_') &&
      status &&
      status >= 400 &&
      status < 500
    ) {
      return {
        status,
        body: { detail: String(fe.message), code: STATUS_CODES[status] ?? 'BAD_REQUEST' },
        internal: false,
      };
    }
  }
  return { ...INTERNAL, internal: true };
}

/** `body/name must be string`, `body must have required property 'message'`, … */
function validationDetail(err: FastifyError): string {
  const first = err.validation?.[0];
  if (!first) return err.message;
  const where = `${err.validationContext ?? 'request'}${first.instancePath ?? ''}`;
  const params = first.params as { pattern?: unknown; additionalProperty?: unknown } | undefined;
  if (first.keyword === 'pattern' && typeof params?.pattern === 'string') {
    return `${where} ${describePattern(params.pattern)}`;
  }
  if (first.keyword === 'additionalProperties' && typeof params?.additionalProperty === 'string') {
    return `${where} has an unknown field '${params.additionalProperty}' (see /docs for the fields it accepts)`;
  }
  const allowed = (first.params as { allowedValues?: unknown } | undefined)?.allowedValues;
  const suffix = Array.isArray(allowed) ? `: ${allowed.map(String).join(', ')}` : '';
  return `${where} ${first.message ?? 'is invalid'}${suffix}`;
}

/** "The request body is larger than 1 MB (1048576 bytes), the server's limit: …" */
function bodyTooLarge(limit: number | undefined): string {
  if (!limit) return 'The request body is too large';
  const size =
    limit >= 1 << 20 ? `${+(limit / (1 << 20)).toFixed(2)} MB` : `${+(limit / 1024).toFixed(2)} kB`;
  return (
    `The request body is larger than ${size} (${limit} bytes), the server's limit: send less, ` +
    'or start the server with a larger --body-limit (LETTA_BODY_LIMIT), e.g. --body-limit 5mb'
  );
}

/**
 * Sends the error answer for `err` (logging it first when it is a server fault); `reshape`
 * rewrites it for routes of another API (OpenAI's error shape).
 */
export function sendError(
  err: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  reshape?: (answer: ErrorAnswer) => { status: number; body: object },
): FastifyReply {
  const internal = toErrorAnswer(err);
  if ((err as Partial<FastifyError> | null)?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    internal.body.detail = bodyTooLarge(request.routeOptions?.bodyLimit);
  }
  const answer = reshape ? { ...reshape(internal), internal: internal.internal } : internal;
  if (answer.internal) request.log.error({ err }, 'unhandled error');
  else if (answer.status >= 500) {
    const cause = (err as Error).cause;
    request.log.warn(
      {
        code: internal.body.code,
        detail: internal.body.detail,
        ...(cause instanceof Error ? { cause: cause.message } : {}),
      },
      'request failed',
    );
  }
  if (internal.retryAfter !== undefined) reply.header('retry-after', String(internal.retryAfter));
  return reply.code(answer.status).type('application/json; charset=utf-8').send(answer.body);
}

/** Installs the error handler and the JSON 404 for unknown routes. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => sendError(err, request, reply));
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]?.slice(0, 200) ?? '';
    return reply
      .code(404)
      .send({ detail: `No route for ${request.method} ${path}`, code: 'ROUTE_NOT_FOUND' });
  });
}

/**
 * Errors Node's HTTP parser raises before a request exists (a slow client past its deadline,
 * oversized headers, bytes that are not HTTP): answered in the same `{detail, code}` shape as
 * every other error, then the connection is closed.
 */
export function clientErrorHandler(
  this: FastifyInstance,
  err: NodeJS.ErrnoException,
  socket: import('node:net').Socket,
): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, body] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [
          408,
          'Request Timeout',
          {
            detail: 'The request did not arrive in time (headers or body too slow)',
            code: 'REQUEST_TIMEOUT',
          },
        ]
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [
            431,
            'Request Header Fields Too Large',
            { detail: 'The request headers are too large', code: 'BAD_REQUEST' },
          ]
        : [400, 'Bad Request', { detail: 'The request is not valid HTTP', code: 'BAD_REQUEST' }];
  this.log.debug({ err: err.message, status }, 'client error');
  if (socket.writable) {
    const json = JSON.stringify(body);
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(json)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${json}`,
    );
  }
  socket.destroy(err);
}
