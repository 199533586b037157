/**
 * Which providers the environment configures, read the way their SDKs read it:
 * `OPENAI_API_KEY` / `OPENAI_BASE_URL` (any OpenAI-compatible endpoint; either one configures
 * the `openai` provider), `ANTHROPIC_API_KEY` (+ `ANTHROPIC_BASE_URL`), `OLLAMA_BASE_URL`.
 *
 * Invariant: keys live only inside the lazily created SDK clients; nothing here exposes them.
 */
import { type LlmTransportOptions, readTransportOptions } from './config.js';
import { DeferredClient } from './deferred-client.js';
import { createOllamaProvider, ollamaEndpoint } from './ollama-provider.js';
import { OPENAI_DEFAULT_BASE_URL, OpenAIProvider } from './openai-provider.js';
import type { ModelClient, ProviderType } from './types.js';

/** The env vars that configure a provider, for error messages. */
export const PROVIDER_ENV_HINT: Readonly<Record<ProviderType, string>> = {
  openai: 'OPENAI_API_KEY (or OPENAI_BASE_URL for an OpenAI-compatible server)',
  anthropic: 'ANTHROPIC_API_KEY',
  ollama: 'OLLAMA_BASE_URL',
};

/** A configured provider; its SDK client is created on first use and then reused. */
export interface ProviderConfig {
  name: ProviderType;
  type: ProviderType;
  /** The endpoint requests go to. */
  endpoint: string;
  /** True for the `openai` provider pointed at something other than api.openai.com. */
  custom: boolean;
  /** The provider's single client instance. */
  client(): OpenAIProvider | ModelClient;
}

function read(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= make();
    return value;
  };
}

/**
 * The providers `env` configures, in resolution-preference order (openai, ollama, anthropic).
 *
 * @example
 * readProviderConfigs({ OLLAMA_BASE_URL: 'http://localhost:11434' }).map((p) => p.name); // ['ollama']
 */
export function readProviderConfigs(
  env: NodeJS.ProcessEnv,
  transport: LlmTransportOptions = readTransportOptions(env),
): ProviderConfig[] {
  const out: ProviderConfig[] = [];
  const openaiKey = read(env, 'OPENAI_API_KEY');
  const openaiBase = read(env, 'OPENAI_BASE_URL');
  if (openaiKey || openaiBase) {
    const endpoint = (openaiBase ?? OPENAI_DEFAULT_BASE_URL).replace(/\/+$/, '');
    out.push({
      name: 'openai',
      type: 'openai',
      endpoint,
      custom: !/^https:\/\/api\.openai\.com(\/|$)/.test(endpoint),
      client: lazy(
        () =>
          new OpenAIProvider({
            providerName: 'openai',
            apiKey: openaiKey,
            baseURL: endpoint,
            organization: read(env, 'OPENAI_ORG_ID') ?? null,
            project: read(env, 'OPENAI_PROJECT_ID') ?? null,
            transport,
          }),
      ),
    });
  }
  const ollamaBase = read(env, 'OLLAMA_BASE_URL');
  if (ollamaBase) {
    out.push({
      name: 'ollama',
      type: 'ollama',
      endpoint: ollamaEndpoint(ollamaBase),
      custom: true,
      client: lazy(() => createOllamaProvider(ollamaBase, transport)),
    });
  }
  const anthropicKey = read(env, 'ANTHROPIC_API_KEY');
  if (anthropicKey) {
    const baseURL = read(env, 'ANTHROPIC_BASE_URL');
    // The Anthropic SDK is imported on the first Anthropic call, not at start.
    const provider = lazy(
      () =>
        new DeferredClient(async () => {
          const { AnthropicProvider } = await import('./anthropic-provider.js');
          return new AnthropicProvider({ apiKey: anthropicKey, baseURL, transport });
        }),
    );
    out.push({
      name: 'anthropic',
      type: 'anthropic',
      endpoint: (baseURL ?? 'https://api.anthropic.com').replace(/\/+$/, ''),
      custom: baseURL !== undefined,
      client: provider,
    });
  }
  return out;
}
