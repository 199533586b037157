/**
 * OpenAI's error shape for the OpenAI-compatible routes: `{"error": {"message", "type", "param",
 * "code"}}`, so OpenAI SDKs raise their own typed errors (NotFoundError, AuthenticationError, …).
 * Statuses are ours except a validation error, which is 400 (OpenAI has no 422).
 *
 * | status | type | code |
 * |---|---|---|
 * | 400 (also our 422) | `invalid_request_error` | catalog code, lower case |
 * | 401 | `authentication_error` | `invalid_api_key` |
 * | 404 | `not_found_error` | `model_not_found` for an unknown agent |
 * | 429 | `rate_limit_error` | `rate_limit_exceeded` |
 * | 5xx | `server_error` | catalog code, lower case (`llm_error`, …) |
 */
import { Type } from 'typebox';
import type { ErrorAnswer } from '../error-handler.js';
import type { ErrorShape } from '../route.js';

const TYPES: Record<number, string> = {
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
};
const CODES: Record<string, string> = {
  AGENT_NOT_FOUND: 'model_not_found',
  UNAUTHORIZED: 'invalid_api_key',
  RATE_LIMITED: 'rate_limit_exceeded',
};

/** The OpenAI error body for one of our error answers, and its status. */
export function openaiErrorAnswer(answer: ErrorAnswer): {
  status: number;
  body: { error: { message: string; type: string; param: string | null; code: string } };
} {
  const status = answer.status === 422 ? 400 : answer.status;
  const code = String(answer.body.code);
  return {
    status,
    body: {
      error: {
        message: answer.body.detail,
        type: TYPES[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error'),
        param: code === 'AGENT_NOT_FOUND' ? 'model' : null,
        code: CODES[code] ?? code.toLowerCase(),
      },
    },
  };
}

export const OPENAI_ERRORS: ErrorShape = {
  schema: Type.Object({
    error: Type.Object({
      message: Type.String(),
      type: Type.String(),
      param: Type.Union([Type.String(), Type.Null()]),
      code: Type.Union([Type.String(), Type.Null()]),
    }),
  }),
  reshape: openaiErrorAnswer,
};
