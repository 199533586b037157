/**
 * A {@link ModelClient} for any OpenAI-compatible endpoint: chat completions over undici
 * ({@link OpenAIHttp}: the hot path, with the SDK's retry and error behaviour), embeddings and
 * model listing on the official `openai` SDK; one of each per provider (so HTTP keep-alive is
 * reused), bounded timeouts, retries with backoff, streaming without buffering, batched embeddings.
 *
 * Invariants: every request runs under a {@link RequestGuard} linked to the caller's signal, so an
 * abort cancels the HTTP request and surfaces as an abort error (never as an LLM failure); a
 * stream that stops without a finish reason is an error, not a silently truncated answer.
 */
import type OpenAI from 'openai';
import { LettaError } from '../../errors.js';
import { DEFAULT_TRANSPORT, type LlmTransportOptions } from './config.js';
import { toLlmError } from './llm-errors.js';
import {
  fromOpenAICompletion,
  type OpenAIDialect,
  OpenAIStreamAccumulator,
  toOpenAIBody,
} from './openai-format.js';
import { OpenAIHttp } from './openai-http.js';
import { guardedStream, RequestGuard } from './request-guard.js';
import type {
  ChatRequest,
  ChatResult,
  ChatStreamEvent,
  EmbeddingRequest,
  EmbeddingResult,
  ModelClient,
} from './types.js';

/** The official OpenAI endpoint, used when no base URL is configured. */
export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** How to reach one OpenAI-compatible endpoint. */
export interface OpenAIProviderOptions {
  /** Name used in handles and error messages (`openai`, `ollama`). */
  providerName: string;
  /** Bearer key; local servers need none. */
  apiKey?: string | null | undefined;
  /** Endpoint root including `/v1`; defaults to OpenAI's. */
  baseURL?: string | undefined;
  organization?: string | null | undefined;
  project?: string | null | undefined;
  transport?: Partial<LlmTransportOptions>;
  /** Inputs per `/embeddings` request (default 100). */
  embeddingBatchSize?: number;
  /** Request quirks; by default `max_completion_tokens` is used only against api.openai.com. */
  dialect?: Partial<OpenAIDialect>;
}

const EMBED_CONCURRENCY = 4;

/**
 * An OpenAI-compatible provider.
 *
 * @example
 * const client = new OpenAIProvider({ providerName: 'openai', apiKey: process.env.OPENAI_API_KEY });
 * const result = await client.chat({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
 */
export class OpenAIProvider implements ModelClient {
  readonly providerName: string;
  readonly baseURL: string;
  readonly #sdkOptions: ConstructorParameters<typeof OpenAI>[0];
  #sdk: Promise<OpenAI> | undefined;
  readonly #apiKey: string | null;
  readonly #transport: LlmTransportOptions;
  readonly #batchSize: number;
  readonly #dialect: OpenAIDialect;
  readonly #http: OpenAIHttp;

  constructor(options: OpenAIProviderOptions) {
    this.providerName = options.providerName;
    this.baseURL = (options.baseURL || OPENAI_DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.#apiKey = options.apiKey || null;
    this.#transport = { ...DEFAULT_TRANSPORT, ...options.transport };
    this.#batchSize = Math.max(1, options.embeddingBatchSize ?? 100);
    this.#dialect = {
      maxCompletionTokens: /^https:\/\/api\.openai\.com(\/|$)/.test(this.baseURL),
      ...options.dialect,
    };
    this.#sdkOptions = {
      apiKey: this.#apiKey ?? 'no-key',
      baseURL: this.baseURL,
      organization: options.organization ?? null,
      project: options.project ?? null,
      timeout: this.#transport.timeoutMs,
      maxRetries: this.#transport.maxRetries,
    };
    this.#http = new OpenAIHttp({
      baseURL: this.baseURL,
      apiKey: this.#apiKey,
      organization: options.organization,
      project: options.project,
      timeoutMs: this.#transport.timeoutMs,
      maxRetries: this.#transport.maxRetries,
    });
  }

  /** The SDK instance (one per provider), loaded on first use: chat does not need it. */
  sdk(): Promise<OpenAI> {
    this.#sdk ??= import('openai').then(({ default: SDK }) => new SDK(this.#sdkOptions));
    return this.#sdk;
  }

  #fail(err: unknown, guard: RequestGuard, signal: AbortSignal | undefined): Error {
    return toLlmError(err, {
      provider: this.providerName,
      apiKey: this.#apiKey,
      signal,
      timedOut: guard.timedOut,
      deadlineExceeded: guard.deadlineExceeded,
      requestTimeoutMs: this.#transport.timeoutMs,
      idleTimeoutMs: this.#transport.streamIdleTimeoutMs,
      endpoint: this.baseURL,
    });
  }

  /** One whole completion. */
  async chat(req: ChatRequest): Promise<ChatResult> {
    const guard = new RequestGuard(req.signal, 0, this.#transport.timeoutMs);
    try {
      const body = { ...toOpenAIBody(req, this.#dialect), stream: false as const };
      return fromOpenAICompletion(
        await this.#http.postJson<OpenAI.ChatCompletion>('/chat/completions', body, guard.signal),
      );
    } catch (err) {
      throw this.#fail(err, guard, req.signal);
    } finally {
      guard.dispose();
    }
  }

  /** A streaming completion: events are yielded as chunks arrive, then one `done`. */
  async *stream(req: ChatRequest): AsyncGenerator<ChatStreamEvent> {
    const guard = new RequestGuard(
      req.signal,
      this.#transport.streamIdleTimeoutMs,
      this.#transport.timeoutMs,
    );
    const body = {
      ...toOpenAIBody(req, this.#dialect),
      stream: true as const,
      stream_options: { include_usage: true },
    };
    yield* guardedStream(
      guard,
      this.providerName,
      this.#http.postStream<OpenAI.ChatCompletionChunk>('/chat/completions', body, guard.signal),
      new OpenAIStreamAccumulator(),
      (err) => this.#fail(err, guard, req.signal),
    );
  }

  /** Embeddings in input order, `embeddingBatchSize` inputs per request. */
  async embed(req: EmbeddingRequest): Promise<EmbeddingResult> {
    const batches: string[][] = [];
    for (let i = 0; i < req.inputs.length; i += this.#batchSize) {
      // OpenAI rejects empty strings as input.
      batches.push(req.inputs.slice(i, i + this.#batchSize).map((s) => (s === '' ? ' ' : s)));
    }
    const results: number[][][] = new Array(batches.length);
    let next = 0;
    let failed = false;
    const worker = async (): Promise<void> => {
      while (next < batches.length && !failed) {
        const i = next++;
        try {
          results[i] = await this.#embedBatch(req.model, batches[i] ?? [], req.signal);
        } catch (err) {
          failed = true;
          throw err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(EMBED_CONCURRENCY, batches.length) }, worker));
    const vectors = results.flat();
    return { vectors, dimension: vectors[0]?.length ?? 0 };
  }

  async #embedBatch(model: string, input: string[], signal: AbortSignal | undefined): Promise<number[][]> {
    const guard = new RequestGuard(signal);
    try {
      const sdk = await this.sdk();
      const res = await sdk.embeddings.create(
        { model, input, encoding_format: 'float' },
        { signal: guard.signal },
      );
      if (res.data.length !== input.length) {
        throw new LettaError(
          'LLM_ERROR',
          `LLM provider '${this.providerName}' returned ${res.data.length} embeddings for ${input.length} inputs`,
        );
      }
      return [...res.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
    } catch (err) {
      throw this.#fail(err, guard, signal);
    } finally {
      guard.dispose();
    }
  }

  /** Model ids from `GET /models`, with a short timeout and no retries. */
  async listModelIds(timeoutMs = 3000): Promise<string[]> {
    const guard = new RequestGuard(undefined);
    try {
      const page = await (await this.sdk()).models.list({
        timeout: timeoutMs,
        maxRetries: 0,
        signal: guard.signal,
      });
      return page.data.map((m) => m.id).filter((id): id is string => typeof id === 'string' && id !== '');
    } catch (err) {
      throw this.#fail(err, guard, undefined);
    } finally {
      guard.dispose();
    }
  }
}
