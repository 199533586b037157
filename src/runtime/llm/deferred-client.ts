/**
 * A {@link ModelClient} whose implementation module is imported on first use. The Anthropic SDK
 * alone costs a quarter of a second to import; a server that never calls Anthropic should not
 * pay that at start.
 */
import type {
  ChatRequest,
  ChatResult,
  ChatStreamEvent,
  EmbeddingRequest,
  EmbeddingResult,
  ModelClient,
} from './types.js';

export class DeferredClient implements ModelClient {
  #client: Promise<ModelClient> | undefined;

  constructor(private readonly load: () => Promise<ModelClient>) {}

  #get(): Promise<ModelClient> {
    this.#client ??= this.load();
    return this.#client;
  }

  async chat(request: ChatRequest): Promise<ChatResult> {
    return (await this.#get()).chat(request);
  }

  async *stream(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
    yield* (await this.#get()).stream(request);
  }

  async embed(request: EmbeddingRequest): Promise<EmbeddingResult> {
    return (await this.#get()).embed(request);
  }
}
