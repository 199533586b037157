/**
 * Resolves model handles (`provider/model`, or a bare model name) to the provider client that
 * serves them, and lists the models the configured providers offer.
 *
 * Bare names: a model some provider lists (LETTA_MODELS or discovery) goes there; otherwise the
 * prefix table decides (`gpt-*`, `o1/o3/o4*`, `text-embedding-*` → openai; `claude-*` →
 * anthropic), falling back to a custom OpenAI-compatible endpoint when that provider is absent;
 * otherwise the first configured provider (openai, then ollama, then anthropic).
 *
 * Invariant: resolution is a map lookup after the first call per handle (the hot path of every
 * send); each provider has exactly one SDK client, so HTTP keep-alive is shared.
 */
import { LettaError } from '../../errors.js';
import {
  DEFAULT_CONTEXT_WINDOW,
  isProviderName,
  knownContextWindow,
  knownEmbeddingDimension,
  parseModelList,
  providerForBareName,
} from './model-catalog.js';
import { EMBEDDING_CAPABLE, ModelDirectory, type ModelKind, type RefreshReport } from './model-directory.js';
import { PROVIDER_ENV_HINT, type ProviderConfig, readProviderConfigs } from './provider-config.js';
import type { EmbeddingModelInfo, ModelInfo, ResolvedEmbeddingModel, ResolvedModel } from './types.js';

export type { RefreshReport } from './model-directory.js';

/** The provider registry built from the environment. */
export interface ProviderRegistry {
  /** Configured providers (no credentials), in preference order. */
  readonly providers: ReadonlyArray<Pick<ProviderConfig, 'name' | 'type' | 'endpoint'>>;
  /** The chat model a handle names; throws NO_PROVIDER or MODEL_NOT_FOUND. */
  resolve(handle: string): ResolvedModel;
  /** The embedding model a handle names; throws NO_PROVIDER, NO_EMBEDDING_MODEL or MODEL_NOT_FOUND. */
  resolveEmbedding(handle: string): ResolvedEmbeddingModel;
  /**
   * The handle `resolve` gives `handle`, after checking the model is one its provider serves;
   * throws NO_PROVIDER or MODEL_NOT_FOUND (naming what is available). "Serves" means: listed by
   * the provider (catalog, LETTA_MODELS, `GET /models`), or, for the official OpenAI and
   * Anthropic endpoints, named like their models (`gpt-…`, `o3…`, `claude-…`: new models appear
   * before the catalog knows them). A custom endpoint whose model list could not be fetched
   * accepts any name (vLLM, LM Studio… serve what they were started with). With no provider at
   * all, any handle is accepted: the agent can be set up before a key is given (sends fail with
   * NO_PROVIDER naming the variables).
   */
  checkChatModel(handle: string): string;
  /**
   * The model for agents created without one when exactly one provider is configured: OpenAI's
   * `gpt-4o-mini`, Anthropic's `claude-haiku-4-5`, or the first chat model a custom endpoint
   * (OPENAI_BASE_URL, Ollama) lists; undefined otherwise.
   */
  defaultChatHandle(): string | undefined;
  /** Chat models of the configured providers (catalog, env lists, discovery). */
  listModels(): ModelInfo[];
  /** Embedding models of the configured providers; `dimension` 0 means unknown. */
  listEmbeddingModels(): EmbeddingModelInfo[];
  /** The context window for a handle; never throws ({@link DEFAULT_CONTEXT_WINDOW} if unknown). */
  contextWindowFor(handle: string): number;
  /** Asks OpenAI-compatible/Ollama endpoints for `GET /models` and merges the answers; never throws. */
  refresh(options?: { timeoutMs?: number }): Promise<RefreshReport[]>;
}

const MAX_CACHED_HANDLES = 1000;

const noProvider = (): LettaError =>
  new LettaError(
    'NO_PROVIDER',
    'No LLM provider is configured. Set OPENAI_API_KEY (and/or OPENAI_BASE_URL for an OpenAI-compatible ' +
      'server such as vLLM, LM Studio or llama.cpp), ANTHROPIC_API_KEY, or OLLAMA_BASE_URL, then restart the server.',
  );

function remember<T>(cache: Map<string, T>, key: string, value: T): T {
  if (cache.size >= MAX_CACHED_HANDLES) cache.clear();
  cache.set(key, value);
  return value;
}

/**
 * Builds the registry from `env` (read once).
 *
 * @example
 * const registry = createProviderRegistry();
 * const { client, model } = registry.resolve('gpt-4o-mini'); // → openai/gpt-4o-mini
 * await client.chat({ model, messages: [{ role: 'user', content: 'hi' }] });
 */
export function createProviderRegistry(env: NodeJS.ProcessEnv = process.env): ProviderRegistry {
  const providers = readProviderConfigs(env);
  const byName = new Map(providers.map((p) => [p.name, p]));
  const directory = new ModelDirectory(providers);
  const chatCache = new Map<string, ResolvedModel>();
  const embedCache = new Map<string, ResolvedEmbeddingModel>();

  /** The provider a bare name goes to (see the module header). */
  function bareProvider(name: string, kind: ModelKind): ProviderConfig {
    const listed = directory.owner(kind, name);
    if (listed) return listed;
    const wanted = providerForBareName(name);
    if (wanted) {
      const direct = byName.get(wanted);
      if (direct) return direct;
      const compatible = byName.get('openai');
      if (compatible?.custom) return compatible;
      throw new LettaError(
        'NO_PROVIDER',
        `Model '${name}' is served by provider '${wanted}', which is not configured: set ${PROVIDER_ENV_HINT[wanted]}`,
      );
    }
    const first = kind === 'chat' ? providers[0] : providers.find((p) => EMBEDDING_CAPABLE.has(p.type));
    if (first) return first;
    throw new LettaError(
      'NO_EMBEDDING_MODEL',
      `No embedding provider is configured for '${name}': set ${PROVIDER_ENV_HINT.openai} or OLLAMA_BASE_URL`,
    );
  }

  /** Splits a handle into its provider and the provider's model name. */
  function split(handle: string, kind: ModelKind): { provider: ProviderConfig; model: string } {
    if (providers.length === 0) throw noProvider();
    const h = handle.trim();
    if (!h) throw new LettaError('MODEL_NOT_FOUND', 'A model handle is required (e.g. openai/gpt-4o-mini)');
    const slash = h.indexOf('/');
    if (slash <= 0) return { provider: bareProvider(h, kind), model: h };
    const prefix = h.slice(0, slash);
    const model = h.slice(slash + 1);
    if (isProviderName(prefix)) {
      const provider = byName.get(prefix);
      if (!provider) {
        throw new LettaError(
          'NO_PROVIDER',
          `Provider '${prefix}' is not configured: set ${PROVIDER_ENV_HINT[prefix]} to use '${h}'`,
        );
      }
      if (!model) throw new LettaError('MODEL_NOT_FOUND', `Handle '${h}' names no model`);
      return { provider, model };
    }
    // Not a provider prefix: a listed model whose own name has a slash (`meta-llama/Llama-3-8B`)?
    const listed = directory.owner(kind, h);
    if (listed) return { provider: listed, model: h };
    throw new LettaError(
      'MODEL_NOT_FOUND',
      `Model '${h}' not found: unknown provider '${prefix}'. Configured providers: ` +
        `${providers.map((p) => p.name).join(', ')} (use e.g. '${providers[0]?.name}/<model>')`,
    );
  }

  for (const [kind, variable] of [
    ['chat', 'LETTA_MODELS'],
    ['embedding', 'LETTA_EMBEDDING_MODELS'],
  ] as const) {
    for (const e of parseModelList(env[variable])) {
      let p: ProviderConfig | undefined;
      try {
        p = e.provider ? byName.get(e.provider) : bareProvider(e.name, kind);
      } catch {
        p = undefined; // its provider is not configured: nothing to list
      }
      if (p) directory.add(kind, p.name, e.name, e.size);
    }
  }

  function resolve(handle: string): ResolvedModel {
    const hit = chatCache.get(handle);
    if (hit) return hit;
    const { provider: p, model } = split(handle, 'chat');
    return remember(chatCache, handle, {
      handle: `${p.name}/${model}`,
      model,
      providerName: p.name,
      providerType: p.type,
      contextWindow:
        directory.size('chat', p.name, model) ?? knownContextWindow(model) ?? DEFAULT_CONTEXT_WINDOW,
      endpoint: p.endpoint,
      client: p.client(),
    });
  }

  function resolveEmbedding(handle: string): ResolvedEmbeddingModel {
    const hit = embedCache.get(handle);
    if (hit) return hit;
    const { provider: p, model } = split(handle, 'embedding');
    if (!EMBEDDING_CAPABLE.has(p.type)) {
      throw new LettaError(
        'NO_EMBEDDING_MODEL',
        `Provider '${p.name}' serves no embedding models ('${handle}')`,
      );
    }
    return remember(embedCache, handle, {
      handle: `${p.name}/${model}`,
      model,
      providerName: p.name,
      providerType: p.type,
      dimension: directory.size('embedding', p.name, model) ?? knownEmbeddingDimension(model) ?? null,
      client: p.client(),
    });
  }

  function checkChatModel(handle: string): string {
    if (providers.length === 0) return handle;
    const { provider: p, model } = split(handle, 'chat');
    const named =
      !p.custom &&
      p.type !== 'ollama' &&
      providerForBareName(model) === p.type &&
      !model.startsWith('text-embedding');
    const open = p.custom && !directory.discovered(p.name);
    if (named || open || directory.lists('chat', p, model)) return `${p.name}/${model}`;
    const available = directory.listChat().map((m) => m.handle);
    const shown =
      available.slice(0, 20).join(', ') + (available.length > 20 ? `, … (${available.length} in all)` : '');
    throw new LettaError(
      'MODEL_NOT_FOUND',
      `Model '${handle}' is not served by provider '${p.name}' (${p.endpoint}). Available: ${shown || 'none'} (GET /v1/models/ lists them)`,
    );
  }

  function defaultChatHandle(): string | undefined {
    const only = providers.length === 1 ? providers[0] : undefined;
    if (!only) return undefined;
    if (!only.custom && only.type === 'openai') return 'openai/gpt-4o-mini';
    if (!only.custom && only.type === 'anthropic') return 'anthropic/claude-haiku-4-5';
    return directory.discovered(only.name) ? directory.listChat()[0]?.handle : undefined;
  }

  return {
    providers: providers.map(({ name, type, endpoint }) => ({ name, type, endpoint })),
    resolve,
    resolveEmbedding,
    checkChatModel,
    defaultChatHandle,
    listModels: () => directory.listChat(),
    listEmbeddingModels: () => directory.listEmbedding(),

    contextWindowFor(handle) {
      try {
        return resolve(handle).contextWindow;
      } catch {
        const slash = handle.indexOf('/');
        const model = slash > 0 && isProviderName(handle.slice(0, slash)) ? handle.slice(slash + 1) : handle;
        return knownContextWindow(model.trim()) ?? DEFAULT_CONTEXT_WINDOW;
      }
    },

    async refresh(options = {}) {
      const timeoutMs = options.timeoutMs ?? 3000;
      const reports = await Promise.all(providers.map((p) => directory.discover(p, timeoutMs)));
      chatCache.clear();
      embedCache.clear();
      return reports.filter((r): r is RefreshReport => r !== undefined);
    },
  };
}
