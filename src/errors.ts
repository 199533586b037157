/**
 * The error catalog: every error the API can answer with has a stable code, an HTTP status and a
 * human message. Services and the store throw {@link LettaError}; one handler in `http/` maps it
 * to `{"detail": "<message>", "code": "<CODE>"}`. Anything else is a 500 with the cause logged
 * and nothing internal in the body. `docs/errors.md` lists every code (a test keeps them in step).
 *
 * @example
 * throw new LettaError('AGENT_NOT_FOUND', `Agent 'sam' not found`);
 */

export const ERROR_CODES = {
  BAD_REQUEST: 400,
  INVALID_JSON: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  HOST_NOT_ALLOWED: 403,
  ORIGIN_NOT_ALLOWED: 403,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  AGENT_NOT_FOUND: 404,
  CONVERSATION_NOT_FOUND: 404,
  BLOCK_NOT_FOUND: 404,
  TOOL_NOT_FOUND: 404,
  RUN_NOT_FOUND: 404,
  PASSAGE_NOT_FOUND: 404,
  ARCHIVE_NOT_FOUND: 404,
  API_KEY_NOT_FOUND: 404,
  MCP_SERVER_NOT_FOUND: 404,
  FOLDER_NOT_FOUND: 404,
  FILE_NOT_FOUND: 404,
  JOB_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  AGENT_NAME_TAKEN: 409,
  BLOCK_LABEL_TAKEN: 409,
  TOOL_NAME_TAKEN: 409,
  MCP_SERVER_NAME_TAKEN: 409,
  MCP_STDIO_DISABLED: 403,
  FOLDER_NAME_TAKEN: 409,
  FILE_NAME_TAKEN: 409,
  BUILTIN_TOOL_READ_ONLY: 403,
  CONVERSATION_BUSY: 409,
  NOTHING_TO_CANCEL: 409,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  FILE_TYPE_UNSUPPORTED: 415,
  VALIDATION_ERROR: 422,
  INVALID_TOOL_SOURCE: 422,
  TOOL_REQUIREMENT_UNAVAILABLE: 422,
  INVALID_ID: 422,
  BATCH_TOO_LARGE: 422,
  LIMIT_EXCEEDED: 422,
  EMBEDDING_DIMENSION_MISMATCH: 422,
  OUTBOUND_URL_REFUSED: 422,
  AGENT_FILE_INVALID: 422,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  NO_PROVIDER: 400,
  MODEL_NOT_FOUND: 400,
  LLM_ERROR: 502,
  MCP_SERVER_ERROR: 502,
  LLM_RATE_LIMITED: 502,
  LLM_AUTH_ERROR: 502,
  LLM_BAD_REQUEST: 502,
  LLM_TIMEOUT: 504,
  NO_EMBEDDING_MODEL: 400,
  SERVICE_UNAVAILABLE: 503,
  DATABASE_UNAVAILABLE: 503,
  STORAGE_FULL: 507,
  REQUEST_TIMEOUT: 408,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** A typed, client-safe error: its message is shown to API users as `detail`. */
export class LettaError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra fields merged into the JSON body (e.g. `run_id` for CONVERSATION_BUSY). */
  readonly extra: Record<string, unknown> | undefined;
  /** Sent as `Retry-After` (seconds) with the answer: when to try again. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; extra?: Record<string, unknown>; retryAfterSeconds?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LettaError';
    this.code = code;
    this.status = ERROR_CODES[code];
    this.extra = options?.extra;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

export function isLettaError(err: unknown): err is LettaError {
  return err instanceof LettaError;
}
