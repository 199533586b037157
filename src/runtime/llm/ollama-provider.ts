/**
 * Ollama through its OpenAI-compatible endpoint (`${OLLAMA_BASE_URL}/v1`): the OpenAI provider
 * under the provider name `ollama`. Ollama needs no key; the SDK still sends a placeholder.
 */
import type { LlmTransportOptions } from './config.js';
import { OpenAIProvider } from './openai-provider.js';

/**
 * The `/v1` endpoint for an Ollama base URL (accepts it with or without `/v1`).
 *
 * @example
 * ollamaEndpoint('http://localhost:11434/'); // 'http://localhost:11434/v1'
 */
export function ollamaEndpoint(baseUrl: string): string {
  const root = baseUrl.trim().replace(/\/+$/, '');
  return /\/v1$/.test(root) ? root : `${root}/v1`;
}

/**
 * A client for an Ollama server.
 *
 * @example
 * const ollama = createOllamaProvider('http://localhost:11434');
 */
export function createOllamaProvider(
  baseUrl: string,
  transport?: Partial<LlmTransportOptions>,
): OpenAIProvider {
  return new OpenAIProvider({
    providerName: 'ollama',
    apiKey: null,
    baseURL: ollamaEndpoint(baseUrl),
    ...(transport ? { transport } : {}),
  });
}
