/**
 * Handle resolution, model listing, discovery and the registry's end-to-end wiring (through the
 * scripted fake LLM over real loopback HTTP).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { LettaError } from '../src/errors.js';
import { readTransportOptions } from '../src/runtime/llm/config.js';
import { createProviderRegistry } from '../src/runtime/llm/index.js';
import { startFakeLlm } from './support/fake-llm.js';

const OPENAI = { OPENAI_API_KEY: 'sk-test-registry-SECRET' };

function thrown(fn: () => unknown): LettaError {
  try {
    fn();
  } catch (err) {
    if (err instanceof LettaError) return err;
    throw err;
  }
  throw new Error('expected a throw');
}

describe('resolve', () => {
  it('with no provider configured, names the env vars to set', () => {
    const registry = createProviderRegistry({});
    for (const fn of [
      () => registry.resolve('gpt-4o-mini'),
      () => registry.resolveEmbedding('text-embedding-3-small'),
    ]) {
      const err = thrown(fn);
      expect(err.code).toBe('NO_PROVIDER');
      for (const name of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'ANTHROPIC_API_KEY', 'OLLAMA_BASE_URL']) {
        expect(err.message).toContain(name);
      }
    }
    expect(registry.listModels()).toEqual([]);
    expect(registry.contextWindowFor('gpt-4o-mini')).toBe(128_000);
  });

  it('resolves a bare name and a handle to the same provider and client', () => {
    const registry = createProviderRegistry(OPENAI);
    const bare = registry.resolve('gpt-4o-mini');
    const handle = registry.resolve('openai/gpt-4o-mini');
    expect(bare).toMatchObject({
      handle: 'openai/gpt-4o-mini',
      model: 'gpt-4o-mini',
      providerName: 'openai',
      providerType: 'openai',
      contextWindow: 128_000,
      endpoint: 'https://api.openai.com/v1',
    });
    expect(handle.handle).toBe('openai/gpt-4o-mini');
    expect(handle.client).toBe(bare.client);
    expect(registry.resolve('openai/gpt-4.1').client).toBe(bare.client); // one SDK client per provider
    expect(registry.resolve('gpt-4.1-mini').contextWindow).toBe(1_047_576);
  });

  it('sends claude-* to anthropic and unknown bare names to the first configured provider', () => {
    const registry = createProviderRegistry({
      ...OPENAI,
      ANTHROPIC_API_KEY: 'sk-ant-x',
      OLLAMA_BASE_URL: 'http://localhost:11434/',
    });
    expect(registry.resolve('claude-sonnet-4-6')).toMatchObject({
      providerName: 'anthropic',
      contextWindow: 200_000,
    });
    expect(registry.resolve('anthropic/claude-haiku-4-5').handle).toBe('anthropic/claude-haiku-4-5');
    expect(registry.resolve('my-local-model').providerName).toBe('openai');
    expect(registry.resolve('ollama/llama3.2:3b')).toMatchObject({
      providerName: 'ollama',
      model: 'llama3.2:3b',
      endpoint: 'http://localhost:11434/v1',
      contextWindow: 32_000,
    });
    expect(registry.providers.map((p) => p.name)).toEqual(['openai', 'ollama', 'anthropic']);
    expect(JSON.stringify(registry.providers)).not.toContain('sk-');
  });

  it('prefers ollama for unknown bare names when openai is absent', () => {
    const registry = createProviderRegistry({ OLLAMA_BASE_URL: 'http://localhost:11434/v1' });
    expect(registry.resolve('qwen3:8b').handle).toBe('ollama/qwen3:8b');
    expect(thrown(() => registry.resolve('gpt-4o-mini')).code).toBe('NO_PROVIDER');
  });

  it('rejects an unknown provider prefix with MODEL_NOT_FOUND and an unconfigured one with NO_PROVIDER', () => {
    const registry = createProviderRegistry(OPENAI);
    const unknown = thrown(() => registry.resolve('foo/bar'));
    expect(unknown.code).toBe('MODEL_NOT_FOUND');
    expect(unknown.message).toContain("'foo'");
    const absent = thrown(() => registry.resolve('anthropic/claude-sonnet-4-6'));
    expect(absent.code).toBe('NO_PROVIDER');
    expect(absent.message).toContain('ANTHROPIC_API_KEY');
    expect(thrown(() => registry.resolve('claude-sonnet-4-6')).message).toContain('ANTHROPIC_API_KEY');
    expect(thrown(() => registry.resolve('openai/')).code).toBe('MODEL_NOT_FOUND');
  });

  it('lets a custom OpenAI-compatible endpoint serve any bare name, including claude-*', () => {
    const registry = createProviderRegistry({ OPENAI_BASE_URL: 'http://localhost:8000/v1' });
    expect(registry.resolve('claude-sonnet-4-6').providerName).toBe('openai');
    expect(registry.resolve('Qwen2.5-7B-Instruct').endpoint).toBe('http://localhost:8000/v1');
  });

  it('resolves embeddings, with known dimensions', () => {
    const registry = createProviderRegistry({ ...OPENAI, ANTHROPIC_API_KEY: 'sk-ant-x' });
    expect(registry.resolveEmbedding('text-embedding-3-large')).toMatchObject({
      handle: 'openai/text-embedding-3-large',
      dimension: 3072,
    });
    expect(registry.resolveEmbedding('openai/my-embedder').dimension).toBeNull();
    expect(thrown(() => registry.resolveEmbedding('anthropic/claude-haiku-4-5')).code).toBe(
      'NO_EMBEDDING_MODEL',
    );
    const claudeOnly = createProviderRegistry({ ANTHROPIC_API_KEY: 'sk-ant-x' });
    expect(thrown(() => claudeOnly.resolveEmbedding('nomic-embed-text')).code).toBe('NO_EMBEDDING_MODEL');
  });
});

describe('catalog', () => {
  it('lists well-known models of configured providers only', () => {
    const models = createProviderRegistry({ ...OPENAI, ANTHROPIC_API_KEY: 'sk-ant-x' }).listModels();
    const byHandle = new Map(models.map((m) => [m.handle, m]));
    expect(byHandle.get('openai/gpt-4o-mini')).toMatchObject({
      name: 'gpt-4o-mini',
      providerName: 'openai',
      providerType: 'openai',
      contextWindow: 128_000,
      endpoint: 'https://api.openai.com/v1',
    });
    expect(byHandle.get('openai/gpt-4o')?.contextWindow).toBe(128_000);
    expect(byHandle.get('openai/gpt-4.1')?.contextWindow).toBe(1_047_576);
    expect(
      models.filter((m) => m.providerName === 'anthropic').every((m) => m.contextWindow === 200_000),
    ).toBe(true);
    expect(models.some((m) => m.providerName === 'ollama')).toBe(false);
    const embeddings = createProviderRegistry(OPENAI).listEmbeddingModels();
    expect(embeddings.map((m) => [m.name, m.dimension])).toEqual([
      ['text-embedding-3-small', 1536],
      ['text-embedding-3-large', 3072],
      ['text-embedding-ada-002', 1536],
    ]);
  });

  it('lists LETTA_MODELS / LETTA_EMBEDDING_MODELS for a custom endpoint', () => {
    const registry = createProviderRegistry({
      OPENAI_BASE_URL: 'http://localhost:8000/v1',
      LETTA_MODELS: 'qwen2.5-7b=32768, meta-llama/Llama-3.1-8B-Instruct=131072, anthropic/claude-x',
      LETTA_EMBEDDING_MODELS: 'openai/bge-m3',
    });
    expect(registry.listModels().map((m) => [m.handle, m.contextWindow])).toEqual([
      ['openai/qwen2.5-7b', 32_768],
      ['openai/meta-llama/Llama-3.1-8B-Instruct', 131_072],
    ]);
    expect(registry.resolve('meta-llama/Llama-3.1-8B-Instruct')).toMatchObject({
      providerName: 'openai',
      contextWindow: 131_072,
    });
    expect(registry.contextWindowFor('openai/qwen2.5-7b')).toBe(32_768);
    expect(registry.contextWindowFor('something-unknown')).toBe(32_000);
    expect(registry.listEmbeddingModels()).toEqual([
      expect.objectContaining({ handle: 'openai/bge-m3', dimension: 1024 }),
    ]);
  });

  it('refresh() merges GET /models and never fails', async () => {
    await using llm = await startFakeLlm({ models: ['qwen3:8b', 'nomic-embed-text:latest'] });
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const deadPort = (dead.address() as AddressInfo).port;
    await new Promise((r) => dead.close(r));
    const registry = createProviderRegistry({
      OLLAMA_BASE_URL: llm.url.replace(/\/v1$/, ''),
      OPENAI_BASE_URL: `http://127.0.0.1:${deadPort}/v1`,
    });
    const reports = await registry.refresh({ timeoutMs: 1000 });
    expect(reports).toEqual([
      expect.objectContaining({ provider: 'openai', ok: false }),
      { provider: 'ollama', ok: true, models: 2 },
    ]);
    expect(
      registry
        .listModels()
        .filter((m) => m.providerName === 'ollama')
        .map((m) => m.handle),
    ).toEqual(['ollama/qwen3:8b']);
    expect(registry.listEmbeddingModels()).toContainEqual(
      expect.objectContaining({ handle: 'ollama/nomic-embed-text:latest', dimension: 768 }),
    );
    expect(registry.resolve('qwen3:8b').providerName).toBe('ollama'); // listed by ollama, though openai comes first
  });
});

describe('registry end to end', () => {
  it('chats and embeds through the resolved clients', async () => {
    await using llm = await startFakeLlm({ embeddingDimension: 16 });
    const registry = createProviderRegistry({ OPENAI_BASE_URL: llm.url, LETTA_LLM_MAX_RETRIES: '0' });
    llm.script({ content: 'Hi from the fake' });
    const { client, model } = registry.resolve('gpt-4o-mini');
    expect((await client.chat({ model, messages: [{ role: 'user', content: 'hi' }] })).content).toBe(
      'Hi from the fake',
    );
    const emb = registry.resolveEmbedding('text-embedding-3-small');
    const out = await emb.client.embed({ model: emb.model, inputs: ['a', 'b'] });
    expect(out).toMatchObject({ dimension: 16 });
    expect(llm.requests.map((r) => [r.path, r.body.model])).toEqual([
      ['/v1/chat/completions', 'gpt-4o-mini'],
      ['/v1/embeddings', 'text-embedding-3-small'],
    ]);
  });
});

describe('transport options', () => {
  it('reads timeouts and retries from env with sane defaults', () => {
    expect(readTransportOptions({})).toEqual({
      timeoutMs: 60_000,
      streamIdleTimeoutMs: 300_000,
      maxRetries: 2,
    });
    expect(
      readTransportOptions({
        LETTA_LLM_REQUEST_TIMEOUT_SECONDS: '5',
        LETTA_LLM_MAX_RETRIES: '0',
        LETTA_LLM_STREAM_TIMEOUT_SECONDS: 'x',
      }),
    ).toEqual({ timeoutMs: 5000, streamIdleTimeoutMs: 300_000, maxRetries: 0 });
  });
});
