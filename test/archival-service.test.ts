import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_ORG_ID } from '../src/ids.js';
import { fuse } from '../src/services/archival-service.js';
import type { AgentRecord } from '../src/store/records.js';
import { createTestCore, type TestCore } from './support/core.js';
import { DIALECTS } from './support/databases.js';

const ctx = { org: DEFAULT_ORG_ID };
const EMBEDDING = 'openai/text-embedding-3-small';

describe('reciprocal rank fusion', () => {
  it('ranks passages found by both legs first', () => {
    const f = fuse(
      [
        { id: 'a', score: 0.1 },
        { id: 'b', score: 0.2 },
      ],
      [
        { id: 'b', score: 3 },
        { id: 'c', score: 2 },
      ],
    );
    expect(f.map((x) => x.id)).toEqual(['b', 'a', 'c']);
    expect(f[0]?.score).toBeCloseTo(1 / 62 + 1 / 61);
  });
});

describe.each(DIALECTS)('archival memory on %s', (dialect) => {
  let t: TestCore;
  let agent: AgentRecord;

  beforeEach(async () => {
    t = await createTestCore(dialect, { llm: { embeddingDimension: 32 } });
    ({ agent } = await t.core.agents.create(ctx, {
      name: 'sam',
      model: 'gpt-4o-mini',
      embedding: EMBEDDING,
    }));
  });
  afterEach(async () => {
    await t.close();
  });

  const texts = async (query: string, options = {}) =>
    (await t.core.archival.search(ctx, agent, query, options)).results.map((r) => r.passage.text);

  it('inserts, lists, searches by meaning and keyword, and deletes', async () => {
    const [p] = await t.core.archival.insert(ctx, agent, {
      text: 'Ada loves green tea in the morning',
      tags: ['food'],
    });
    await t.core.archival.insert(ctx, agent, {
      text: 'The quarterly report is due on Friday',
      tags: ['work'],
    });
    await t.core.archival.insert(ctx, agent, { text: 'Her cat is named Pixel', tags: ['pets', 'food'] });
    expect(p?.embedding_dim).toBe(32);
    expect(p?.embedding_model).toBe(EMBEDDING);
    const listed = await t.core.archival.list(ctx, agent, { limit: 10 });
    expect(listed.map((x) => x.text)).toHaveLength(3);

    const r = await t.core.archival.search(ctx, agent, 'green tea morning');
    expect(r.search_mode).toBe('hybrid');
    expect(r.results[0]?.passage.text).toBe('Ada loves green tea in the morning');
    expect(r.results[0]?.vector_rank).toBe(1);
    expect(r.results[0]?.keyword_rank).toBe(1);

    // Keyword leg alone (stemming: "reports" matches "report").
    expect((await texts('reports', { mode: 'keyword' }))[0]).toBe('The quarterly report is due on Friday');
    // Vector leg alone ranks the passage sharing words first even with a stop-word-heavy query.
    expect((await texts('what is her cat named', { mode: 'vector' }))[0]).toBe('Her cat is named Pixel');

    await t.core.archival.delete(ctx, agent, p!.id);
    expect(await texts('green tea')).not.toContain('Ada loves green tea in the morning');
    await expect(t.core.archival.delete(ctx, agent, p!.id)).rejects.toMatchObject({
      code: 'PASSAGE_NOT_FOUND',
    });
  });

  it('filters by tags (any / all) and by date range in both legs', async () => {
    await t.core.archival.insert(ctx, agent, {
      text: 'apple pie recipe',
      tags: ['food'],
      created_at: '2024-01-01T00:00:00Z',
    });
    await t.core.archival.insert(ctx, agent, {
      text: 'apple orchard trip',
      tags: ['travel', 'food'],
      created_at: '2024-02-01T00:00:00Z',
    });
    await t.core.archival.insert(ctx, agent, {
      text: 'apple stock price',
      tags: ['finance'],
      created_at: '2024-03-01T00:00:00Z',
    });
    for (const mode of ['hybrid', 'vector', 'keyword'] as const) {
      expect((await texts('apple', { mode, tags: ['food'] })).sort()).toEqual([
        'apple orchard trip',
        'apple pie recipe',
      ]);
      expect(await texts('apple', { mode, tags: ['food', 'travel'], tag_match_mode: 'all' })).toEqual([
        'apple orchard trip',
      ]);
      expect(
        (await texts('apple', { mode, tags: ['travel', 'finance'], tag_match_mode: 'any' })).sort(),
      ).toEqual(['apple orchard trip', 'apple stock price']);
      expect(
        await texts('apple', {
          mode,
          start_datetime: '2024-01-15T00:00:00Z',
          end_datetime: '2024-02-15T00:00:00Z',
        }),
      ).toEqual(['apple orchard trip']);
    }
    expect(await texts('apple', { top_k: 1 })).toHaveLength(1);
  });

  it('isolates agents and organizations', async () => {
    const { agent: other } = await t.core.agents.create(ctx, {
      name: 'max',
      model: 'gpt-4o-mini',
      embedding: EMBEDDING,
    });
    await t.core.archival.insert(ctx, agent, { text: 'secret plan about bananas' });
    await t.core.archival.insert(ctx, other, { text: 'public note about bananas' });
    expect(await texts('bananas')).toEqual(['secret plan about bananas']);
    expect((await t.core.archival.search(ctx, other, 'bananas')).results.map((r) => r.passage.text)).toEqual([
      'public note about bananas',
    ]);
    const org2 = 'org-11111111-1111-4111-8111-111111111111';
    await t.core.store.db
      .insertInto('organizations')
      .values({ id: org2, name: 'other', created_at: new Date().toISOString() })
      .execute();
    const ctx2 = { org: org2 };
    // The same agent record seen from another organization finds nothing and cannot delete.
    expect((await t.core.archival.search(ctx2, agent, 'bananas')).results).toEqual([]);
    const [p] = await t.core.archival.list(ctx, agent, { limit: 1 });
    await expect(t.core.archival.delete(ctx2, agent, p!.id)).rejects.toMatchObject({
      code: 'PASSAGE_NOT_FOUND',
    });
  });

  it('rejects a model of another dimension, then re-embeds', async () => {
    await t.core.archival.insert(ctx, agent, { text: 'first memory about mountains' });
    // Same handle, but the provider now answers with 64-dimensional vectors: simulate with a second fake.
    const archive = await t.core.archival.archive(ctx, agent, false);
    expect(archive?.embedding_dim).toBe(32);
    await t.core.store.archives.updateEmbedding(ctx.org, archive!.id, 'openai/old-model', 64);
    const err = await t.core.archival.insert(ctx, agent, { text: 'second' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'EMBEDDING_DIMENSION_MISMATCH', status: 422 });
    expect(String((err as Error).message)).toContain('64-dimensional');
    expect(String((err as Error).message)).toContain('32-dimensional');
    expect(String((err as Error).message)).toContain('openai/old-model');
    await expect(t.core.archival.search(ctx, agent, 'mountains')).rejects.toMatchObject({
      code: 'EMBEDDING_DIMENSION_MISMATCH',
    });
    const r = await t.core.archival.reembed(ctx, agent);
    expect(r).toMatchObject({ reembedded: 1, embedding_dim: 32, embedding: EMBEDDING });
    expect(await texts('mountains', { mode: 'vector' })).toEqual(['first memory about mountains']);
    await t.core.archival.insert(ctx, agent, { text: 'second' });
  });

  it('searches by keyword only when the agent has no embedding model', async () => {
    const { agent: plain } = await t.core.agents.create(ctx, {
      name: 'kw',
      model: 'gpt-4o-mini',
      embedding: null,
    });
    const [p] = await t.core.archival.insert(ctx, plain, { text: 'the lighthouse keeper' });
    expect(p?.embedding_dim).toBeNull();
    const r = await t.core.archival.search(ctx, plain, 'lighthouse');
    expect(r.search_mode).toBe('keyword');
    expect(r.note).toContain('no embedding model');
    expect(r.results.map((x) => x.passage.text)).toEqual(['the lighthouse keeper']);
    expect(t.llm.requests.filter((q) => q.path === '/v1/embeddings')).toHaveLength(0);
  });

  it('runs archival_memory_insert and archival_memory_search as tools in an agent turn', async () => {
    const { agent: tooled } = await t.core.agents.create(ctx, {
      name: 'tooled',
      model: 'gpt-4o-mini',
      embedding: EMBEDDING,
      tools: ['archival_memory_insert', 'archival_memory_search'],
    });
    t.llm.script([
      {
        toolCalls: [
          {
            name: 'archival_memory_insert',
            arguments: { content: 'User birthday is March 3', tags: ['personal'] },
          },
        ],
      },
      {
        toolCalls: [
          {
            name: 'archival_memory_search',
            arguments: { query: 'when is the birthday', tags: ['personal'] },
          },
        ],
      },
      { content: 'Your birthday is March 3.' },
    ]);
    const r = await t.core.messages.send(ctx, {
      agent: tooled,
      messages: [{ content: 'Remember my birthday is March 3' }],
    });
    expect(r.content).toBe('Your birthday is March 3.');
    const third = t.llm.chatRequests[2]?.body.messages ?? [];
    const toolReturns = third.filter((m) => m.role === 'tool').map((m) => String(m.content));
    expect(toolReturns.some((c) => c.includes('Inserted into archival memory'))).toBe(true);
    expect(toolReturns.some((c) => c.includes('User birthday is March 3') && c.includes('hybrid'))).toBe(
      true,
    );
    const stored = await t.core.archival.list(ctx, tooled, { limit: 10 });
    expect(stored.map((s) => [s.text, s.tags])).toEqual([['User birthday is March 3', ['personal']]]);
  });

  it('tells the agent how many archival memories it has, and updates the count after an insert', async () => {
    const { agent: tooled } = await t.core.agents.create(ctx, {
      name: 'counted',
      model: 'gpt-4o-mini',
      embedding: EMBEDDING,
      tools: ['archival_memory_insert'],
    });
    const system = (i: number) => String(t.llm.chatRequests[i]?.body.messages?.[0]?.content ?? '');
    t.llm.script([{ content: 'hello' }]);
    await t.core.messages.send(ctx, { agent: tooled, messages: [{ content: 'hi' }] });
    expect(system(0)).not.toContain('total memories');

    await t.core.archival.insert(ctx, tooled, { text: 'Ada likes tea' });
    await t.core.archival.insert(ctx, tooled, { text: 'Ada has a cat' });
    // A new conversation is compiled with the count.
    const conv = await t.core.conversations.create(ctx, tooled);
    t.llm.script([
      { toolCalls: [{ name: 'archival_memory_insert', arguments: { content: 'Ada lives in Leeds' } }] },
      { content: 'noted' },
    ]);
    await t.core.messages.send(ctx, {
      agent: tooled,
      conversationId: conv.id,
      messages: [{ content: 'I live in Leeds' }],
    });
    expect(system(1)).toContain('2 total memories you created are stored in archival memory');
    // The insert recompiled the system message in its step: the next call sees 3.
    expect(system(2)).toContain('3 total memories you created are stored in archival memory');
  });
});
