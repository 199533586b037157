/**
 * Maps provider SDK failures onto the error catalog, so the rest of the server sees only
 * {@link LettaError} (LLM_RATE_LIMITED, LLM_AUTH_ERROR, LLM_BAD_REQUEST, LLM_ERROR, LLM_TIMEOUT)
 * or an abort error.
 *
 * Invariants: messages name the provider and carry the provider's own explanation, but never a
 * credential (the configured key is redacted, and so is anything shaped like a key, since OpenAI
 * echoes a masked key back on 401). A request cancelled through its `signal` is never reported as
 * an LLM failure: it surfaces as {@link LlmAbortError}, which {@link isAbortError} recognises.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { LettaError } from '../../errors.js';

/** Thrown when the caller's `signal` aborted a model request; `cause` is the signal's reason. */
export class LlmAbortError extends Error {
  constructor(reason?: unknown) {
    super('The model request was aborted', reason === undefined ? undefined : { cause: reason });
    this.name = 'AbortError';
  }
}

/**
 * True for an aborted request: ours ({@link LlmAbortError}), a DOM `AbortError`, or an SDK's
 * user-abort error.
 *
 * @example
 * try { await client.chat({ ...req, signal }); } catch (err) { if (isAbortError(err)) return; throw err; }
 */
export function isAbortError(err: unknown): boolean {
  if (err instanceof OpenAI.APIUserAbortError || err instanceof Anthropic.APIUserAbortError) return true;
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError';
}

const KEY_SHAPES = /\b(sk-[A-Za-z0-9_*.-]{4,}|sk_[A-Za-z0-9_*.-]{4,}|Bearer\s+[A-Za-z0-9_*.~+/=-]{4,})/g;
const MAX_DETAIL = 500;

/** Removes `secrets` and anything shaped like an API key from `text`. */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | null | undefined> = []): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  return out.replace(KEY_SHAPES, '[redacted]');
}

/** Context a provider passes when translating a failure. */
export interface LlmErrorContext {
  /** Provider name as shown to users (`openai`, `anthropic`, `ollama`). */
  provider: string;
  /** The configured key, to redact from messages. */
  apiKey?: string | null | undefined;
  /** The caller's signal: if it aborted, the failure is an abort. */
  signal?: AbortSignal | undefined;
  /** Set when our stream idle timer fired. */
  timedOut?: boolean;
  /** Idle timeout used, for the message. */
  idleTimeoutMs?: number;
}

type SdkApiError = InstanceType<typeof OpenAI.APIError> | InstanceType<typeof Anthropic.APIError>;

function providerDetail(err: SdkApiError): string {
  if (err instanceof Anthropic.APIError && err.apiMessage) return err.apiMessage;
  const body = err.error as { message?: unknown; error?: { message?: unknown } } | undefined;
  const nested = body?.message ?? body?.error?.message;
  if (typeof nested === 'string' && nested) return nested;
  return err.message.replace(/^\d{3}\s+/, '');
}

function connectionDetail(err: Error): string {
  const cause = err.cause instanceof Error ? err.cause : undefined;
  const inner = cause?.cause instanceof Error ? cause.cause : undefined;
  const parts = [err.message, cause?.message, inner?.message].filter((p): p is string => !!p);
  return [...new Set(parts)].join(': ');
}

function clip(text: string): string {
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL)}…` : text;
}

/**
 * Translates anything a provider call threw into a {@link LettaError} or {@link LlmAbortError}.
 * Already-translated errors pass through unchanged, unless the caller aborted or the idle timer fired.
 *
 * @example
 * catch (err) { throw toLlmError(err, { provider: 'openai', apiKey, signal }); }
 */
export function toLlmError(err: unknown, ctx: LlmErrorContext): LettaError | LlmAbortError {
  if (err instanceof LlmAbortError) return err;
  // Whatever broke after the caller aborted or the idle timer fired is a consequence of that.
  if (ctx.signal?.aborted) return new LlmAbortError(ctx.signal.reason);
  const who = `LLM provider '${ctx.provider}'`;
  if (ctx.timedOut) {
    const secs = Math.round((ctx.idleTimeoutMs ?? 0) / 1000);
    return new LettaError('LLM_TIMEOUT', `${who} stream went silent for ${secs}s and was abandoned`);
  }
  if (err instanceof LettaError) return err;
  const safe = (text: string) => clip(redactSecrets(text, [ctx.apiKey]));
  if (err instanceof OpenAI.APIConnectionTimeoutError || err instanceof Anthropic.APIConnectionTimeoutError) {
    return new LettaError('LLM_TIMEOUT', `${who} did not respond in time (request timed out)`);
  }
  if (isAbortError(err)) return new LlmAbortError(err);
  if (err instanceof OpenAI.APIError || err instanceof Anthropic.APIError) {
    const status = err.status;
    if (status === undefined) {
      const detail = err instanceof OpenAI.APIConnectionError || err instanceof Anthropic.APIConnectionError;
      const text = detail ? connectionDetail(err) : providerDetail(err);
      return new LettaError('LLM_ERROR', `${who} failed: ${safe(text)}`);
    }
    const detail = safe(providerDetail(err));
    if (status === 429)
      return new LettaError('LLM_RATE_LIMITED', `${who} rate limited the request (429): ${detail}`);
    if (status === 401 || status === 403) {
      return new LettaError('LLM_AUTH_ERROR', `${who} rejected the credentials (${status}): ${detail}`);
    }
    if (status === 408) return new LettaError('LLM_TIMEOUT', `${who} timed out (408): ${detail}`);
    if (status >= 400 && status < 500) {
      return new LettaError('LLM_BAD_REQUEST', `${who} rejected the request (${status}): ${detail}`);
    }
    return new LettaError('LLM_ERROR', `${who} failed (${status}): ${detail}`);
  }
  const text = err instanceof Error ? connectionDetail(err) : String(err);
  return new LettaError('LLM_ERROR', `${who} failed: ${safe(text)}`);
}

const CONTEXT_OVERFLOW =
  /context[_ ]length|maximum context|context window|context size|prompt is too long|too many tokens|input is too long/i;

/**
 * True when a provider rejected the request because the prompt exceeds the model's context
 * window (OpenAI `context_length_exceeded`, vLLM/llama.cpp context size, Anthropic "prompt is too
 * long"): the runtime's cue to compact and retry.
 *
 * @example
 * catch (err) { if (isContextOverflowError(err)) await compact(); else throw err; }
 */
export function isContextOverflowError(err: unknown): boolean {
  return err instanceof LettaError && err.code === 'LLM_BAD_REQUEST' && CONTEXT_OVERFLOW.test(err.message);
}
