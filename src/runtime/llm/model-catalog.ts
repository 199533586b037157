/**
 * What we know about models without asking a provider: a static catalog of well-known models
 * (context windows, embedding dimensions), name patterns for models not in it, the prefix table
 * that sends a bare model name to its provider, and the parser for the `LETTA_MODELS` /
 * `LETTA_EMBEDDING_MODELS` env lists.
 */
import type { ProviderType } from './types.js';

/** Context window for a model nobody told us about. */
export const DEFAULT_CONTEXT_WINDOW = 32_000;

/** Well-known chat models per provider, with their context windows. */
export const STATIC_CHAT_MODELS: Readonly<Record<ProviderType, ReadonlyArray<readonly [string, number]>>> = {
  openai: [
    ['gpt-4o-mini', 128_000],
    ['gpt-4o', 128_000],
    ['gpt-4.1', 1_047_576],
    ['gpt-4.1-mini', 1_047_576],
    ['gpt-4.1-nano', 1_047_576],
    ['gpt-5.2', 400_000],
    ['gpt-5.1', 400_000],
    ['gpt-5', 400_000],
    ['gpt-5-mini', 400_000],
    ['gpt-5-nano', 400_000],
    ['o1', 200_000],
    ['o3', 200_000],
    ['o3-mini', 200_000],
    ['o4-mini', 200_000],
    ['gpt-4-turbo', 128_000],
    ['gpt-3.5-turbo', 16_385],
  ],
  anthropic: [
    ['claude-opus-5-5', 200_000],
    ['claude-sonnet-5-5', 200_000],
    ['claude-haiku-5-5', 200_000],
    ['claude-opus-4-6', 200_000],
    ['claude-sonnet-4-6', 200_000],
    ['claude-haiku-4-5', 200_000],
  ],
  ollama: [],
};

/** Well-known embedding models per provider, with their dimensions. */
export const STATIC_EMBEDDING_MODELS: Readonly<
  Record<ProviderType, ReadonlyArray<readonly [string, number]>>
> = {
  openai: [
    ['text-embedding-3-small', 1536],
    ['text-embedding-3-large', 3072],
    ['text-embedding-ada-002', 1536],
  ],
  anthropic: [],
  ollama: [],
};

/** Dimensions of common open embedding models (Ollama names, tag stripped). */
const OPEN_EMBEDDING_DIMENSIONS: Readonly<Record<string, number>> = {
  'nomic-embed-text': 768,
  'mxbai-embed-large': 1024,
  'all-minilm': 384,
  'bge-m3': 1024,
  'bge-large': 1024,
  embeddinggemma: 768,
  'snowflake-arctic-embed2': 1024,
};

const CONTEXT_PATTERNS: ReadonlyArray<readonly [RegExp, number]> = [
  [/^gpt-4\.1/, 1_047_576],
  [/^gpt-5.*chat/, 128_000],
  [/^gpt-5/, 400_000],
  [/^(gpt-4o|chatgpt-4o|gpt-4-turbo)/, 128_000],
  [/^o[1-9]/, 200_000],
  [/^gpt-3\.5/, 16_385],
  [/^gpt-4(-\d|$)/, 8_192],
  [/^claude-/, 200_000],
];

const EXACT_CONTEXT = new Map<string, number>(Object.values(STATIC_CHAT_MODELS).flat());
const EXACT_DIMENSION = new Map<string, number>(Object.values(STATIC_EMBEDDING_MODELS).flat());

/**
 * The context window of a well-known model, by exact name or by name pattern.
 *
 * @example
 * knownContextWindow('gpt-4.1-mini-2025-04-14'); // 1047576
 */
export function knownContextWindow(model: string): number | undefined {
  const exact = EXACT_CONTEXT.get(model);
  if (exact !== undefined) return exact;
  for (const [re, n] of CONTEXT_PATTERNS) if (re.test(model)) return n;
  return undefined;
}

/**
 * The dimension of a well-known embedding model (Ollama tags like `:latest` are ignored).
 *
 * @example
 * knownEmbeddingDimension('nomic-embed-text:latest'); // 768
 */
export function knownEmbeddingDimension(model: string): number | undefined {
  return EXACT_DIMENSION.get(model) ?? OPEN_EMBEDDING_DIMENSIONS[model.replace(/:[^/]*$/, '')];
}

/** True when a model name looks like an embedding model (used to sort discovered models). */
export function looksLikeEmbeddingModel(model: string): boolean {
  return /embed|^bge-|minilm|(^|[-/])e5-/i.test(model);
}

/**
 * The provider a bare model name belongs to, from its prefix (`gpt-4o-mini` → openai,
 * `claude-…` → anthropic); undefined when the name says nothing.
 */
export function providerForBareName(model: string): ProviderType | undefined {
  if (/^(gpt-(3\.5|4|5)|chatgpt-|o[1-9](-|$)|text-embedding-)/.test(model)) return 'openai';
  if (/^claude-/.test(model)) return 'anthropic';
  return undefined;
}

/** One entry of `LETTA_MODELS` / `LETTA_EMBEDDING_MODELS`. */
export interface ModelListEntry {
  /** Provider named by a `provider/` prefix, if any. */
  provider?: ProviderType;
  name: string;
  /** Context window (chat) or dimension (embeddings) given as `=N`. */
  size?: number;
}

const PROVIDER_NAMES: ReadonlySet<string> = new Set<ProviderType>(['openai', 'anthropic', 'ollama']);

/** True for the provider names a handle may start with. */
export function isProviderName(name: string): name is ProviderType {
  return PROVIDER_NAMES.has(name);
}

/**
 * Parses a comma list of `[provider/]model[=N]`.
 *
 * @example
 * parseModelList('openai/qwen2.5-32b=32768, llama3.2:3b');
 * // [{ provider: 'openai', name: 'qwen2.5-32b', size: 32768 }, { name: 'llama3.2:3b' }]
 */
export function parseModelList(raw: string | undefined): ModelListEntry[] {
  const out: ModelListEntry[] = [];
  for (const part of (raw ?? '').split(',')) {
    let text = part.trim();
    if (!text) continue;
    const entry: ModelListEntry = { name: text };
    const eq = text.lastIndexOf('=');
    if (eq > 0) {
      const n = Number(text.slice(eq + 1));
      if (Number.isInteger(n) && n > 0) entry.size = n;
      text = text.slice(0, eq).trim();
    }
    const slash = text.indexOf('/');
    const prefix = slash > 0 ? text.slice(0, slash) : '';
    if (isProviderName(prefix)) {
      entry.provider = prefix;
      text = text.slice(slash + 1);
    }
    entry.name = text;
    if (text) out.push(entry);
  }
  return out;
}
