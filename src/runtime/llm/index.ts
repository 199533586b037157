/**
 * The model-provider layer: the {@link ModelClient} boundary, the OpenAI-compatible, Anthropic
 * and Ollama clients behind it, and the registry that turns a handle (`openai/gpt-4o-mini`, or a
 * bare `gpt-4o-mini`) into the client that serves it.
 *
 * @example
 * import { createProviderRegistry, isAbortError } from './runtime/llm/index.js';
 * const registry = createProviderRegistry(process.env);
 * const { client, model } = registry.resolve('openai/gpt-4o-mini');
 * for await (const ev of client.stream({ model, messages, signal })) if (ev.type === 'content') write(ev.delta);
 */

export type { AnthropicProvider, AnthropicProviderOptions } from './anthropic-provider.js';
export { DEFAULT_TRANSPORT, type LlmTransportOptions, readTransportOptions } from './config.js';
export {
  isAbortError,
  isContextOverflowError,
  LlmAbortError,
  redactSecrets,
  toLlmError,
} from './llm-errors.js';
export { DEFAULT_CONTEXT_WINDOW, knownContextWindow, knownEmbeddingDimension } from './model-catalog.js';
export { createOllamaProvider, ollamaEndpoint } from './ollama-provider.js';
export { OPENAI_DEFAULT_BASE_URL, OpenAIProvider, type OpenAIProviderOptions } from './openai-provider.js';
export { createProviderRegistry, type ProviderRegistry, type RefreshReport } from './provider-registry.js';
export type * from './types.js';
