/**
 * The tutorial's agent and conversation routes over real HTTP, on SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { startTestServer, type TestServer } from './support/server.js';

type Json = Record<string, unknown>;

describe.each(DIALECTS)('tutorial agents API (%s)', (dialect) => {
  let server: TestServer;
  let n = 0;
  const unique = (base: string) => `${base}-${++n}-${Math.random().toString(36).slice(2, 6)}`;

  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(async () => {
    await server?.close();
  });

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      init.headers = { 'content-type': 'application/json', ...headers };
    }
    const res = await fetch(`${server.baseUrl}${path}`, init);
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: text ? (JSON.parse(text) as unknown) : undefined,
    };
  };
  const create = async (body: Json) => {
    const res = await call('POST', '/agents', body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as Json;
  };

  it('creates an agent with the tutorial shape; human exists even when absent', async () => {
    const name = unique('api-agent');
    const agent = await create({ name, persona: 'You are a helpful API assistant.', model: 'gpt-4o-mini' });
    expect(agent).toMatchObject({
      name,
      persona: 'You are a helpful API assistant.',
      human: '',
      agent_type: 'letta_v1_agent',
      description: null,
      tags: [],
      metadata: {},
    });
    expect(agent.id).toMatch(/^agent-[0-9a-f-]{36}$/);
    expect(String(agent.model)).toContain('gpt-4o-mini');
    expect(typeof agent.system).toBe('string');
    expect(Array.isArray(agent.tools)).toBe(true);
    expect(typeof agent.created_at).toBe('string');
    const blocks = (agent.memory as { blocks: Json[] }).blocks;
    expect(blocks.map((b) => b.label).sort()).toEqual(['human', 'persona']);
    expect(blocks.find((b) => b.label === 'human')).toMatchObject({ value: '', read_only: false });
    expect(Object.keys(blocks[0] ?? {}).sort()).toEqual(
      ['description', 'id', 'label', 'limit', 'metadata', 'read_only', 'value'].sort(),
    );
  });

  it('creates an agent with only a name: persona and human are both empty blocks', async () => {
    const agent = await create({ name: unique('bare') });
    expect(agent).toMatchObject({ persona: '', human: '' });
  });

  it('keeps extra memory blocks and rejects duplicate labels', async () => {
    const agent = await create({
      name: unique('blocks'),
      human: 'Ann',
      memory_blocks: [{ label: 'projects', value: 'letta-ts' }],
      tags: ['a'],
      metadata: { team: 'x' },
    });
    expect((agent.memory as { blocks: Json[] }).blocks.map((b) => b.label)).toEqual([
      'persona',
      'human',
      'projects',
    ]);
    expect(agent).toMatchObject({ human: 'Ann', tags: ['a'], metadata: { team: 'x' } });
    const dup = await call('POST', '/agents', {
      name: unique('dup'),
      memory_blocks: [
        { label: 'x', value: '1' },
        { label: 'x', value: '2' },
      ],
    });
    expect(dup.status).toBe(422);
  });

  it('answers 409 AGENT_NAME_TAKEN for a duplicate name', async () => {
    const name = unique('twin');
    await create({ name });
    const res = await call('POST', '/agents', { name });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'AGENT_NAME_TAKEN' });
  });

  it('validates the body: bad name, missing name, wrong type, unknown agent_type', async () => {
    const bad = await call('POST', '/agents', { name: 'no/slashes' });
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect((bad.body as Json).detail).toMatch(/^body\/name /);
    const missing = await call('POST', '/agents', { persona: 'x' });
    expect(missing.status).toBe(422);
    expect(missing.body).toEqual({
      detail: "body must have required property 'name'",
      code: 'VALIDATION_ERROR',
    });
    const wrongType = await call('POST', '/agents', { name: 5 });
    expect(wrongType.status).toBe(422);
    expect((wrongType.body as Json).detail).toBe('body/name must be string');
    const tooLong = await call('POST', '/agents', { name: 'a'.repeat(101) });
    expect(tooLong.status).toBe(422);
    const type = await call('POST', '/agents', { name: unique('t'), agent_type: 'nope' });
    expect(type.status).toBe(422);
    expect((type.body as Json).detail).toContain('letta_v1_agent');
  });

  it('answers 400 INVALID_JSON for malformed or empty JSON and 415 for other content types', async () => {
    const malformed = await call('POST', '/agents', '{"name": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ code: 'INVALID_JSON' });
    const empty = await call('POST', '/agents', '');
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ code: 'INVALID_JSON' });
    const text = await call('POST', '/agents', 'name=x', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    expect(text.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('answers JSON 404s for unknown agents and unknown routes', async () => {
    const agent = await call('GET', '/agents/nobody-here');
    expect(agent.status).toBe(404);
    expect(agent.body).toMatchObject({ code: 'AGENT_NOT_FOUND' });
    expect(agent.headers.get('content-type')).toContain('application/json');
    const route = await call('GET', '/no/such/route');
    expect(route.status).toBe(404);
    expect(route.body).toEqual({ detail: 'No route for GET /no/such/route', code: 'ROUTE_NOT_FOUND' });
  });

  it('gets an agent by name and by id', async () => {
    const agent = await create({ name: unique('sam'), persona: 'I am Sam' });
    const byName = await call('GET', `/agents/${agent.name}`);
    expect(byName.status).toBe(200);
    expect(byName.body).toEqual(agent);
    const byId = await call('GET', `/agents/${agent.id}`);
    expect(byId.body).toEqual(agent);
  });

  it('lists agents oldest first with cursor pagination', async () => {
    const own = await startTestServer(dialect);
    try {
      const names = ['one', 'two', 'three'];
      for (const name of names) {
        const res = await fetch(`${own.baseUrl}/agents`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name }),
        });
        expect(res.status).toBe(201);
      }
      const get = async (q: string) => (await (await fetch(`${own.baseUrl}/agents${q}`)).json()) as Json[];
      expect((await get('')).map((a) => a.name)).toEqual(names);
      const first = await get('?limit=2');
      expect(first.map((a) => a.name)).toEqual(['one', 'two']);
      const second = await get(`?limit=2&after=${first[1]?.id}`);
      expect(second.map((a) => a.name)).toEqual(['three']);
      expect(await get(`?limit=2&after=${second[0]?.id}`)).toEqual([]);
      expect((await get('?after=one')).map((a) => a.name)).toEqual(['two', 'three']);
      const bad = await fetch(`${own.baseUrl}/agents?limit=0`);
      expect(bad.status).toBe(422);
      expect(((await bad.json()) as Json).detail).toMatch(/^querystring\/limit /);
      expect((await fetch(`${own.baseUrl}/agents?limit=1001`)).status).toBe(422);
    } finally {
      await own.close();
    }
  });

  it('patches name, persona, human, tags and metadata', async () => {
    const agent = await create({ name: unique('old'), persona: 'before' });
    const newName = unique('new');
    const res = await call('PATCH', `/agents/${agent.name}`, {
      name: newName,
      persona: 'after',
      human: 'Bob',
      tags: ['t'],
      metadata: { k: 1 },
      description: 'd',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: agent.id,
      name: newName,
      persona: 'after',
      human: 'Bob',
      tags: ['t'],
    });
    expect(res.body).toMatchObject({ metadata: { k: 1 }, description: 'd' });
    expect((await call('GET', `/agents/${agent.name}`)).status).toBe(404);
    expect((await call('GET', `/agents/${newName}`)).body).toMatchObject({ persona: 'after' });
    const taken = await create({ name: unique('other') });
    const clash = await call('PATCH', `/agents/${taken.id}`, { name: newName });
    expect(clash.status).toBe(409);
  });

  it('deletes an agent', async () => {
    const agent = await create({ name: unique('doomed') });
    const res = await call('DELETE', `/agents/${agent.name}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ deleted: true, id: agent.id });
    expect((await call('GET', `/agents/${agent.id}`)).status).toBe(404);
    expect((await call('DELETE', `/agents/${agent.id}`)).status).toBe(404);
  });

  it('creates conversations with no body, an empty JSON body, or {}', async () => {
    const agent = await create({ name: unique('talker') });
    const noBody = await fetch(`${server.baseUrl}/agents/${agent.name}/conversations`, { method: 'POST' });
    expect(noBody.status).toBe(201);
    const conv = (await noBody.json()) as Json;
    expect(conv).toMatchObject({
      agent_id: agent.id,
      is_default: false,
      summary: null,
      last_message_at: null,
    });
    expect(conv.id).toMatch(/^conv-/);
    const emptyJson = await fetch(`${server.baseUrl}/agents/${agent.name}/conversations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    expect(emptyJson.status).toBe(201);
    const withSummary = await call('POST', `/agents/${agent.name}/conversations`, {
      summary: 'trip planning',
    });
    expect(withSummary.status).toBe(201);
    expect(withSummary.body).toMatchObject({ summary: 'trip planning' });
    expect((await call('POST', `/agents/${agent.name}/conversations`, {})).status).toBe(201);
    expect((await call('POST', '/agents/nobody-here/conversations')).status).toBe(404);
  });

  it('lists conversations (the default one first), gets one, lists its messages', async () => {
    const agent = await create({ name: unique('lister') });
    const created = (await call('POST', `/agents/${agent.name}/conversations`)).body as Json;
    const list = (await call('GET', `/agents/${agent.name}/conversations`)).body as Json[];
    expect(list).toHaveLength(2);
    expect(list[0]).toMatchObject({ is_default: true, agent_id: agent.id });
    expect(list[1]).toMatchObject({ id: created.id });
    const page = (await call('GET', `/agents/${agent.name}/conversations?limit=1&after=${list[0]?.id}`)).body;
    expect(page).toEqual([created]);
    expect((await call('GET', `/agents/${agent.name}/conversations/${created.id}`)).body).toEqual(created);
    expect((await call('GET', `/agents/${agent.name}/conversations/default`)).body).toEqual(list[0]);
    const messages = await call('GET', `/agents/${agent.name}/conversations/${created.id}/messages`);
    expect(messages.status).toBe(200);
    expect(messages.body).toEqual([]);
    const withSystem = (
      await call('GET', `/agents/${agent.name}/conversations/default/messages?include_system=true`)
    ).body as Json[];
    expect(withSystem.map((m) => m.message_type)).toEqual(['system_message']);
    const badId = await call('GET', `/agents/${agent.name}/conversations/not-a-conv`);
    expect(badId.status).toBe(422);
    expect((badId.body as Json).detail).toMatch(/^params\/conversation /);
    const missing = await call(
      'GET',
      `/agents/${agent.name}/conversations/conv-00000000-0000-4000-8000-000000000000`,
    );
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'CONVERSATION_NOT_FOUND' });
  });

  it('serves health, request ids and security headers', async () => {
    for (const path of ['/health', '/v1/health/', '/v1/health']) {
      const res = await call('GET', path);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    }
    const res = await call('GET', '/agents', undefined, { 'x-request-id': 'trace-123' });
    expect(res.headers.get('x-request-id')).toBe('trace-123');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const generated = await call('GET', '/no/route', undefined, { 'x-request-id': 'bad id with spaces' });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves a valid OpenAPI 3 document and Swagger UI', async () => {
    const doc = (await call('GET', '/openapi.json')).body as {
      openapi: string;
      info: Json;
      paths: Record<string, Record<string, Json>>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info).toMatchObject({ title: 'letta-ts' });
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/agents', '/agents/{agent}', '/agents/{agent}/conversations', '/health']),
    );
    expect(doc.paths['/agents']?.post).toMatchObject({ summary: 'Create an agent', responses: { 201: {} } });
    expect(doc.paths['/agents/{agent}/conversations']?.post?.requestBody).toMatchObject({ required: false });
    const html = await fetch(`${server.baseUrl}/docs`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(await html.text()).toContain('swagger-ui');
    const asset = await fetch(`${server.baseUrl}/docs/static/swagger-ui-bundle.js`);
    expect(asset.status).toBe(200);
    expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(1000);
  });
});
