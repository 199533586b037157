/**
 * Transport settings shared by every provider client: request timeout, stream idle timeout and
 * retry count, read once from the environment when the registry is built.
 *
 * - `LETTA_LLM_REQUEST_TIMEOUT_SECONDS` (default 60): time allowed until a response starts
 *   (per attempt; the SDKs retry timeouts).
 * - `LETTA_LLM_STREAM_TIMEOUT_SECONDS` (default 300): longest silence allowed between two
 *   chunks of a stream once it has started (reasoning models can think quietly for minutes).
 *   Named after Letta's `LETTA_LLM_STREAM_TIMEOUT_SECONDS` setting; here it bounds idle gaps.
 * - `LETTA_LLM_MAX_RETRIES` (default 2): retries with backoff on 408/409/429/5xx and connection
 *   errors, done by the SDKs (which honour `retry-after`).
 */

/** Transport settings for one provider client. */
export interface LlmTransportOptions {
  /** Per-attempt timeout until the response headers arrive, in milliseconds. */
  timeoutMs: number;
  /** Longest gap between two stream chunks, in milliseconds. */
  streamIdleTimeoutMs: number;
  /** SDK retries on 429/5xx/connection errors (0 disables). */
  maxRetries: number;
}

export const DEFAULT_TRANSPORT: Readonly<LlmTransportOptions> = {
  timeoutMs: 60_000,
  streamIdleTimeoutMs: 300_000,
  maxRetries: 2,
};

function positiveNumber(raw: string | undefined, fallback: number, allowZero = false): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (n === 0 && !allowZero)) return fallback;
  return n;
}

/**
 * Reads the transport settings from `env`; invalid values fall back to the defaults.
 *
 * @example
 * readTransportOptions({ LETTA_LLM_MAX_RETRIES: '0' }).maxRetries; // 0
 */
export function readTransportOptions(env: NodeJS.ProcessEnv = process.env): LlmTransportOptions {
  return {
    timeoutMs: Math.round(
      positiveNumber(env['LETTA_LLM_REQUEST_TIMEOUT_SECONDS'], DEFAULT_TRANSPORT.timeoutMs / 1000) * 1000,
    ),
    streamIdleTimeoutMs: Math.round(
      positiveNumber(env['LETTA_LLM_STREAM_TIMEOUT_SECONDS'], DEFAULT_TRANSPORT.streamIdleTimeoutMs / 1000) *
        1000,
    ),
    maxRetries: Math.floor(positiveNumber(env['LETTA_LLM_MAX_RETRIES'], DEFAULT_TRANSPORT.maxRetries, true)),
  };
}
