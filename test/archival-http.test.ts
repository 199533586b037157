import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/http/index.js';
import { DEFAULT_ORG_ID } from '../src/ids.js';
import type { AgentRecord } from '../src/store/records.js';
import { createTestCore, type TestCore } from './support/core.js';
import { DIALECTS } from './support/databases.js';

const ctx = { org: DEFAULT_ORG_ID };

describe.each(DIALECTS)('archival memory routes on %s', (dialect) => {
  let t: TestCore;
  let app: FastifyInstance;
  let agent: AgentRecord;

  beforeEach(async () => {
    t = await createTestCore(dialect, { llm: { embeddingDimension: 32 } });
    app = await buildApp(t.core.services);
    ({ agent } = await t.core.agents.create(ctx, {
      name: 'sam',
      model: 'gpt-4o-mini',
      embedding: 'openai/text-embedding-3-small',
    }));
  });
  afterEach(async () => {
    await app.close();
    await t.close();
  });

  it('V1: insert, list, search, delete', async () => {
    const base = `/v1/agents/${agent.id}/archival-memory`;
    const ins = await app.inject({
      method: 'POST',
      url: base,
      payload: { text: 'Ada drinks green tea', tags: ['food'] },
    });
    expect(ins.statusCode).toBe(200);
    const [p] = ins.json() as Array<Record<string, unknown>>;
    expect(p).toMatchObject({
      text: 'Ada drinks green tea',
      tags: ['food'],
      embedding: null,
      organization_id: DEFAULT_ORG_ID,
    });
    expect(p?.embedding_config).toMatchObject({ embedding_dim: 32, handle: 'openai/text-embedding-3-small' });
    await app.inject({
      method: 'POST',
      url: base,
      payload: { text: 'Meeting moved to Tuesday', tags: ['work'] },
    });

    const list = await app.inject({ method: 'GET', url: base });
    expect((list.json() as unknown[]).length).toBe(2);
    const desc = await app.inject({ method: 'GET', url: `${base}?ascending=false&limit=1` });
    expect((desc.json() as Array<{ text: string }>).map((x) => x.text)).toEqual(['Meeting moved to Tuesday']);

    const s = await app.inject({
      method: 'GET',
      url: `${base}/search?query=green%20tea&tags=food&tag_match_mode=any&top_k=5`,
    });
    expect(s.statusCode).toBe(200);
    expect(s.json()).toMatchObject({
      count: 1,
      search_mode: 'hybrid',
      results: [{ content: 'Ada drinks green tea', tags: ['food'] }],
    });

    const del = await app.inject({ method: 'DELETE', url: `${base}/${String(p?.id)}` });
    expect(del.statusCode).toBe(200);
    const again = await app.inject({ method: 'DELETE', url: `${base}/${String(p?.id)}` });
    expect(again.statusCode).toBe(404);
    expect(again.json()).toMatchObject({ code: 'PASSAGE_NOT_FOUND' });
  });

  it('V1: a dimension mismatch is a 422 naming both dimensions', async () => {
    await t.core.archival.insert(ctx, agent, { text: 'hello' });
    const archive = await t.core.archival.archive(ctx, agent, false);
    await t.core.store.archives.updateEmbedding(ctx.org, archive!.id, 'openai/text-embedding-3-large', 3072);
    const r = await app.inject({
      method: 'POST',
      url: `/v1/agents/${agent.id}/archival-memory`,
      payload: { text: 'x' },
    });
    expect(r.statusCode).toBe(422);
    expect(r.json()).toMatchObject({ code: 'EMBEDDING_DIMENSION_MISMATCH' });
    expect(r.json().detail).toContain('3072');
  });

  it('tutorial: /agents/{name}/archival', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/agents/sam/archival',
      payload: { text: 'The lighthouse is red', tags: ['x'] },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ text: 'The lighthouse is red', tags: ['x'] });
    const list = await app.inject({ method: 'GET', url: '/agents/sam/archival' });
    expect(list.json()).toHaveLength(1);
    const s = await app.inject({ method: 'GET', url: '/agents/sam/archival/search?query=lighthouse' });
    expect(s.json()).toMatchObject({ search_mode: 'hybrid', results: [{ text: 'The lighthouse is red' }] });
    const missing = await app.inject({ method: 'GET', url: '/agents/nobody/archival' });
    expect(missing.statusCode).toBe(404);
  });
});
