/**
 * The models each configured provider is known to serve: the static catalog, models named in
 * `LETTA_MODELS` / `LETTA_EMBEDDING_MODELS`, and models discovered with `GET /models`.
 *
 * A custom endpoint (vLLM, LM Studio, Ollama…) serves what it lists, so the well-known catalog is
 * shown for it only while nothing else is known; the official endpoints always show it.
 */
import {
  DEFAULT_CONTEXT_WINDOW,
  knownContextWindow,
  knownEmbeddingDimension,
  looksLikeEmbeddingModel,
  STATIC_CHAT_MODELS,
  STATIC_EMBEDDING_MODELS,
} from './model-catalog.js';
import { OpenAIProvider } from './openai-provider.js';
import type { ProviderConfig } from './provider-config.js';
import type { EmbeddingModelInfo, ModelInfo, ProviderType } from './types.js';

/** Chat or embedding models. */
export type ModelKind = 'chat' | 'embedding';

/** What `refresh()` learned from one provider. */
export interface RefreshReport {
  provider: ProviderType;
  ok: boolean;
  /** Models found (chat + embedding). */
  models: number;
  error?: string;
}

/** Providers that serve embeddings. */
export const EMBEDDING_CAPABLE: ReadonlySet<ProviderType> = new Set<ProviderType>(['openai', 'ollama']);

/** Official OpenAI lists audio/image/realtime models too; only these count as chat models. */
const OPENAI_CHAT = /^(gpt-|o[1-9]|chatgpt-)/;
const OPENAI_NOT_CHAT = /audio|realtime|tts|transcribe|image|search|instruct/;

/** Per-provider model lists; sizes are context windows (chat) or dimensions (embeddings). */
export class ModelDirectory {
  readonly #providers: readonly ProviderConfig[];
  readonly #known: Record<ModelKind, Map<ProviderType, Map<string, number | undefined>>>;
  /** Providers whose `GET /models` answered with at least one model: their list is complete. */
  readonly #discovered = new Set<ProviderType>();

  constructor(providers: readonly ProviderConfig[]) {
    this.#providers = providers;
    this.#known = {
      chat: new Map(providers.map((p) => [p.name, new Map()])),
      embedding: new Map(providers.map((p) => [p.name, new Map()])),
    };
  }

  /** Records a model; a known size is never overwritten by an unknown one. */
  add(kind: ModelKind, provider: ProviderType, name: string, size?: number): void {
    const map = this.#known[kind].get(provider);
    if (map && (size !== undefined || !map.has(name))) map.set(name, size);
  }

  /** The first provider (in preference order) that lists `name`. */
  owner(kind: ModelKind, name: string): ProviderConfig | undefined {
    return this.#providers.find((p) => this.#known[kind].get(p.name)?.has(name));
  }

  /** True when `provider` told us what it serves (a successful `GET /models` with models). */
  discovered(provider: ProviderType): boolean {
    return this.#discovered.has(provider);
  }

  /** True when `provider`'s list (catalog, env lists, discovery) names `name`. */
  lists(kind: ModelKind, p: ProviderConfig, name: string): boolean {
    return this.#entries(kind, p).has(name);
  }

  /** The size recorded for a model, if any. */
  size(kind: ModelKind, provider: ProviderType, name: string): number | undefined {
    return this.#known[kind].get(provider)?.get(name);
  }

  #entries(kind: ModelKind, p: ProviderConfig): Map<string, number | undefined> {
    const listed = this.#known[kind].get(p.name) ?? new Map<string, number | undefined>();
    if (p.custom && listed.size > 0) return listed;
    const statics = kind === 'chat' ? STATIC_CHAT_MODELS : STATIC_EMBEDDING_MODELS;
    const merged = new Map<string, number | undefined>(statics[p.type]);
    for (const [k, v] of listed) merged.set(k, v ?? merged.get(k));
    return merged;
  }

  /** Chat models of every configured provider. */
  listChat(): ModelInfo[] {
    return this.#providers.flatMap((p) =>
      [...this.#entries('chat', p)].map(([name, size]) => ({
        handle: `${p.name}/${name}`,
        name,
        providerName: p.name,
        providerType: p.type,
        contextWindow: size ?? knownContextWindow(name) ?? DEFAULT_CONTEXT_WINDOW,
        endpoint: p.endpoint,
      })),
    );
  }

  /** Embedding models of every embedding-capable provider; `dimension` 0 means unknown. */
  listEmbedding(): EmbeddingModelInfo[] {
    return this.#providers
      .filter((p) => EMBEDDING_CAPABLE.has(p.type))
      .flatMap((p) =>
        [...this.#entries('embedding', p)].map(([name, size]) => ({
          handle: `${p.name}/${name}`,
          name,
          providerName: p.name,
          providerType: p.type,
          dimension: size ?? knownEmbeddingDimension(name) ?? 0,
          endpoint: p.endpoint,
        })),
      );
  }

  /** Asks one provider for `GET /models` and records what it serves; never throws. */
  async discover(p: ProviderConfig, timeoutMs: number): Promise<RefreshReport | undefined> {
    const client = p.client();
    if (!(client instanceof OpenAIProvider)) return undefined;
    try {
      let models = 0;
      for (const id of await client.listModelIds(timeoutMs)) {
        if (looksLikeEmbeddingModel(id)) {
          this.add('embedding', p.name, id);
          models++;
        } else if (p.custom || (OPENAI_CHAT.test(id) && !OPENAI_NOT_CHAT.test(id))) {
          this.add('chat', p.name, id);
          models++;
        }
      }
      if (models > 0) this.#discovered.add(p.name);
      return { provider: p.name, ok: true, models };
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      return { provider: p.name, ok: false, models: 0, error };
    }
  }
}
