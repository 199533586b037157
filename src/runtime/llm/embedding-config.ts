/**
 * Letta's `EmbeddingConfig` for an embedding model handle: what the agent, archive, passage and
 * agent-file views show. One function for all of them (the HTTP views and the agent-file export).
 */
import type { ProviderRegistry } from './provider-registry.js';

/** A type alias (not an interface) so that it is a JSON object for the agent-file format. */
export type EmbeddingConfig = {
  embedding_endpoint_type: string;
  embedding_endpoint: null;
  embedding_model: string;
  embedding_dim: number | null;
  embedding_chunk_size: number;
  handle: string;
  batch_size: number;
};

export interface EmbeddingConfigOptions {
  /** The dimension stored with the vectors (an archive's, a passage's), when there is one. */
  dimension?: number | null | undefined;
  /** Shown when neither a stored nor the model's known dimension exists (default null). */
  unknownDimension?: number | null | undefined;
}

/**
 * The config of `handle`: the provider type and model as the registry resolves them (the handle's
 * own parts when no configured provider serves it: a handle as stored stays showable), and the
 * dimension stored with the vectors, else the model's known one, else `unknownDimension`.
 *
 * @example
 * embeddingConfig(providers, 'openai/text-embedding-3-small') // embedding_dim 1536
 */
export function embeddingConfig(
  providers: Pick<ProviderRegistry, 'resolveEmbedding'>,
  handle: string,
  options: EmbeddingConfigOptions = {},
): EmbeddingConfig {
  const [prefix = 'openai', ...rest] = handle.split('/');
  let type = prefix;
  let model = rest.length > 0 ? rest.join('/') : handle;
  let known: number | null = null;
  try {
    const resolved = providers.resolveEmbedding(handle);
    type = resolved.providerType;
    model = resolved.model;
    known = resolved.dimension || null;
  } catch {
    // unknown to the registry (a provider no longer configured): show the handle as stored
  }
  return {
    embedding_endpoint_type: type,
    embedding_endpoint: null,
    embedding_model: model,
    embedding_dim: options.dimension ?? known ?? options.unknownDimension ?? null,
    embedding_chunk_size: 300,
    handle,
    batch_size: 32,
  };
}
