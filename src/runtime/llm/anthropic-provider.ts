/**
 * A {@link ModelClient} for Anthropic's Messages API on `@anthropic-ai/sdk`: the same transport
 * rules as the OpenAI provider (one SDK instance, bounded timeouts, SDK retries, abort through the
 * caller's signal, stream idle timeout) and the same error mapping. Anthropic serves no
 * embeddings, so `embed` throws NO_EMBEDDING_MODEL.
 */
import Anthropic from '@anthropic-ai/sdk';
import { LettaError } from '../../errors.js';
import { fromAnthropicMessage, toAnthropicBody } from './anthropic-format.js';
import { AnthropicStreamAccumulator } from './anthropic-stream.js';
import { DEFAULT_TRANSPORT, type LlmTransportOptions } from './config.js';
import { registerSdkErrors, toLlmError } from './llm-errors.js';
import { guardedStream, RequestGuard } from './request-guard.js';
import type {
  ChatRequest,
  ChatResult,
  ChatStreamEvent,
  EmbeddingRequest,
  EmbeddingResult,
  ModelClient,
} from './types.js';

registerSdkErrors(Anthropic);

/** Anthropic's API root, used when no base URL is configured. */
export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com';

/** How to reach Anthropic. */
export interface AnthropicProviderOptions {
  apiKey: string;
  /** API root without `/v1` (the SDK's convention); defaults to Anthropic's. */
  baseURL?: string | undefined;
  transport?: Partial<LlmTransportOptions>;
}

/**
 * The Anthropic provider (provider name `anthropic`).
 *
 * @example
 * const claude = new AnthropicProvider({ apiKey: process.env.ANTHROPIC_API_KEY ?? '' });
 * await claude.chat({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'hi' }] });
 */
export class AnthropicProvider implements ModelClient {
  readonly providerName = 'anthropic';
  readonly baseURL: string;
  /** The underlying SDK instance (one per provider). */
  readonly sdk: Anthropic;
  readonly #apiKey: string;
  readonly #transport: LlmTransportOptions;

  constructor(options: AnthropicProviderOptions) {
    this.baseURL = (options.baseURL || ANTHROPIC_DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.#apiKey = options.apiKey;
    this.#transport = { ...DEFAULT_TRANSPORT, ...options.transport };
    this.sdk = new Anthropic({
      apiKey: options.apiKey,
      baseURL: this.baseURL,
      timeout: this.#transport.timeoutMs,
      maxRetries: this.#transport.maxRetries,
    });
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
      const body = { ...toAnthropicBody(req), stream: false as const };
      return fromAnthropicMessage(await this.sdk.messages.create(body, { signal: guard.signal }));
    } catch (err) {
      throw this.#fail(err, guard, req.signal);
    } finally {
      guard.dispose();
    }
  }

  /** A streaming completion: events are yielded as they arrive, then one `done`. */
  async *stream(req: ChatRequest): AsyncGenerator<ChatStreamEvent> {
    const guard = new RequestGuard(
      req.signal,
      this.#transport.streamIdleTimeoutMs,
      this.#transport.timeoutMs,
    );
    const body = { ...toAnthropicBody(req), stream: true as const };
    const sdk = this.sdk;
    async function* events() {
      yield* await sdk.messages.create(body, { signal: guard.signal });
    }
    yield* guardedStream(guard, 'anthropic', events(), new AnthropicStreamAccumulator(), (err) =>
      this.#fail(err, guard, req.signal),
    );
  }

  /** Always throws NO_EMBEDDING_MODEL: Anthropic has no embeddings API. */
  async embed(_request?: EmbeddingRequest): Promise<EmbeddingResult> {
    throw new LettaError(
      'NO_EMBEDDING_MODEL',
      'Anthropic serves no embedding models; use an OpenAI-compatible or Ollama embedding model',
    );
  }
}
