/**
 * Letta V1 archives over real HTTP, on both databases: CRUD and bulk load with the official
 * client, attach/detach deciding what an agent's archival search finds, the organization
 * boundary, and bad input answered with 4xx JSON.
 */
import Letta, { NotFoundError } from '@letta-ai/letta-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { type FakeLlm, startFakeLlm } from './support/fake-llm.js';
import { startTestServer, type TestServer } from './support/server.js';

type Json = Record<string, unknown>;
const EMBEDDING = 'openai/text-embedding-3-small';

describe.each(DIALECTS)('V1 archives (%s)', (dialect) => {
  let llm: FakeLlm;
  let server: TestServer;
  let keyA: string;
  let keyB: string;
  let a: Letta;

  beforeAll(async () => {
    llm = await startFakeLlm({ defaultReply: { content: 'OK' }, embeddingDimension: 32 });
    server = await startTestServer(dialect, {
      flags: { auth: true },
      env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: llm.url, LETTA_LLM_MAX_RETRIES: '0' },
    });
    keyA = (await server.core.apiKeys.create('org-a')).key;
    keyB = (await server.core.apiKeys.create('org-b')).key;
    a = new Letta({ baseURL: server.baseUrl, apiKey: keyA, maxRetries: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await llm?.close();
  });

  const call = async (key: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', text };
  };
  const search = async (agentId: string, query: string) => {
    const r = await call(
      keyA,
      'GET',
      `/v1/agents/${agentId}/archival-memory/search?query=${encodeURIComponent(query)}&top_k=3`,
    );
    expect(r.status, r.text).toBe(200);
    return (JSON.parse(r.text) as { results: Array<{ content: string }> }).results.map((x) => x.content);
  };

  it('creates, lists, modifies and deletes archives; loads passages in bulk', async () => {
    const archive = await a.archives.create({
      name: 'handbook',
      description: 'company facts',
      embedding: EMBEDDING,
    });
    expect(archive).toMatchObject({
      name: 'handbook',
      description: 'company facts',
      vector_db_provider: 'native',
      embedding_config: { handle: EMBEDDING },
    });
    expect(archive.id).toMatch(/^archive-[0-9a-f-]{36}$/);
    expect(await a.archives.retrieve(archive.id)).toMatchObject({ id: archive.id, name: 'handbook' });
    const renamed = await a.archives.update(archive.id, { name: 'handbook v2' });
    expect(renamed).toMatchObject({ name: 'handbook v2', description: 'company facts' });

    const other = await a.archives.create({ name: 'scratch' });
    const listed: string[] = [];
    for await (const x of a.archives.list({ limit: 1 })) listed.push(x.name);
    expect(listed).toEqual(['scratch', 'handbook v2']); // newest first by default
    const byName = await a.archives.list({ name: 'handbook v2' });
    expect(byName.items.map((x) => x.id)).toEqual([archive.id]);

    const facts = Array.from({ length: 300 }, (_, i) => ({
      text: `fact ${i}: the office plant number ${i} needs water on day ${i % 7}`,
      tags: [`t${i % 3}`],
    }));
    facts.push({ text: 'The parking garage closes at midnight', tags: ['parking'] });
    const created = await a.archives.passages.createMany(archive.id, { passages: facts });
    expect(created).toHaveLength(301);
    expect(created[300]).toMatchObject({
      text: 'The parking garage closes at midnight',
      archive_id: archive.id,
      tags: ['parking'],
      embedding_config: { embedding_dim: 32, handle: EMBEDDING },
    });
    const one = await a.archives.passages.create(archive.id, { text: 'Coffee is free on Fridays' });
    expect(one).toMatchObject({ text: 'Coffee is free on Fridays', archive_id: archive.id });
    expect((await a.archives.retrieve(archive.id)).embedding_config).toMatchObject({ embedding_dim: 32 });

    await a.archives.passages.delete(String(one.id), { archive_id: archive.id });
    const again = await call(keyA, 'DELETE', `/v1/archives/${archive.id}/passages/${one.id}`);
    expect(again.status).toBe(404);
    expect(JSON.parse(again.text)).toMatchObject({ code: 'PASSAGE_NOT_FOUND' });

    await a.archives.passages.create(other.id, { text: 'goes with its archive' });
    await a.archives.delete(other.id);
    await expect(a.archives.retrieve(other.id)).rejects.toBeInstanceOf(NotFoundError);
    const left = await server.core.store.db
      .selectFrom('passages')
      .select('id')
      .where('archive_id', '=', other.id)
      .execute();
    expect(left).toEqual([]); // its passages went with it
  });

  it('attach makes an archive searchable by an agent; detach takes it away', async () => {
    const agent = await a.agents.create({
      name: 'searcher',
      model: 'openai/gpt-4o-mini',
      embedding: EMBEDDING,
    });
    const archive = await a.archives.create({ name: 'shared', embedding: EMBEDDING });
    await a.archives.passages.createMany(archive.id, {
      passages: [
        { text: 'The quarterly report is due on March 3rd' },
        { text: 'Ada prefers green tea over coffee' },
        { text: 'The server room code is 4471' },
      ],
    });
    expect(await search(agent.id, 'green tea')).toEqual([]);

    expect(await a.agents.archives.attach(archive.id, { agent_id: agent.id })).toBeNull();
    expect((await search(agent.id, 'green tea'))[0]).toBe('Ada prefers green tea over coffee');
    const agents = await call(keyA, 'GET', `/v1/archives/${archive.id}/agents`);
    expect((JSON.parse(agents.text) as Json[]).map((x) => x.id)).toEqual([agent.id]);
    const ofAgent = await a.archives.list({ agent_id: agent.id });
    expect(ofAgent.items.map((x) => x.id)).toEqual([archive.id]);

    // The agent's own inserts go to the archive it writes to (the first attached), and both
    // its own passages and the shared ones are found.
    await a.agents.passages.create(agent.id, { text: 'My own note about green tea harvests' });
    const found = await search(agent.id, 'green tea');
    expect(found).toContain('Ada prefers green tea over coffee');
    expect(found).toContain('My own note about green tea harvests');

    await a.agents.archives.detach(archive.id, { agent_id: agent.id });
    expect(await search(agent.id, 'server room code')).not.toContain('The server room code is 4471');
    expect((await a.archives.retrieve(archive.id)).id).toBe(archive.id); // detached, not deleted
  });

  it('keeps archives inside their organization', async () => {
    const archive = await a.archives.create({ name: 'secret-archive', embedding: EMBEDDING });
    await a.archives.passages.create(archive.id, { text: 'secret passage of org A' });
    const bob = await call(keyB, 'POST', '/v1/agents/', { name: 'bob', model: 'openai/gpt-4o-mini' });
    const bobId = String((JSON.parse(bob.text) as Json).id);
    const id = archive.id;
    const attempts: Array<[string, string, unknown?]> = [
      ['GET', `/v1/archives/${id}`],
      ['PATCH', `/v1/archives/${id}`, { name: 'stolen' }],
      ['POST', `/v1/archives/${id}/passages`, { text: 'planted' }],
      ['POST', `/v1/archives/${id}/passages/batch`, { passages: [{ text: 'planted' }] }],
      ['GET', `/v1/archives/${id}/agents`],
      ['PATCH', `/v1/agents/${bobId}/archives/attach/${id}`],
      ['PATCH', `/v1/agents/${bobId}/archives/detach/${id}`],
      ['DELETE', `/v1/archives/${id}`],
    ];
    for (const [method, path, body] of attempts) {
      const r = await call(keyB, method, path, body);
      expect(r.status, `${method} ${path}: ${r.text}`).toBe(404);
      expect(JSON.parse(r.text)).toMatchObject({ code: 'ARCHIVE_NOT_FOUND' });
    }
    const list = await call(keyB, 'GET', '/v1/archives/');
    expect(list.text).not.toContain(id);
    const mine = await a.archives.retrieve(id);
    expect(mine.name).toBe('secret-archive');
    expect(await search(String((await a.agents.create({ name: 'reader' })).id), 'secret passage')).toEqual(
      [],
    );
  });

  it('answers bad input with 4xx JSON', async () => {
    const archive = await a.archives.create({ name: 'strict', embedding: EMBEDDING });
    const cases: Array<[string, string, unknown, number]> = [
      ['POST', '/v1/archives/', {}, 422],
      ['POST', '/v1/archives/', { name: 'x', embedding: 'nope/unknown-model' }, 400],
      ['GET', '/v1/archives/archive-not-a-uuid', undefined, 422],
      ['POST', `/v1/archives/${archive.id}/passages/batch`, { passages: 'text' }, 422],
      [
        'POST',
        `/v1/archives/${archive.id}/passages/batch`,
        { passages: [{ text: 'ok' }, { text: '   ' }] },
        422,
      ],
      ['POST', `/v1/archives/${archive.id}/passages`, { text: 'x', created_at: 'yesterday' }, 422],
      [
        'PATCH',
        `/v1/agents/agent-00000000-0000-4000-8000-000000000000/archives/attach/${archive.id}`,
        undefined,
        404,
      ],
    ];
    for (const [method, path, body, status] of cases) {
      const r = await call(keyA, method, path, body);
      expect(r.status, `${method} ${path}: ${r.text}`).toBe(status);
      expect(r.type).toContain('application/json');
      expect(JSON.parse(r.text)).toHaveProperty('detail');
    }
    // The failed batch stored nothing (all or none).
    const agent = await a.agents.create({ name: 'checker', embedding: EMBEDDING });
    await a.agents.archives.attach(archive.id, { agent_id: agent.id });
    expect(await a.agents.passages.list(agent.id)).toEqual([]);
  });
});
