/**
 * Issue 18, "the first hour", as a new user meets it: the first chat works with one provider and
 * no model named, model handles are checked when an agent is created or changed (both APIs),
 * and the errors people run into say what to do. Real HTTP, real databases, the fake model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProviderRegistry } from '../src/runtime/llm/index.js';
import { DIALECTS } from './support/databases.js';
import { type FakeLlm, startFakeLlm } from './support/fake-llm.js';
import { freePort, startTestServer, type TestServer } from './support/server.js';

type Json = Record<string, unknown>;

function client(server: TestServer) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: (text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text) as Json,
    };
  };
}

const LLM_ENV = (llm: FakeLlm) => ({
  OPENAI_API_KEY: 'k',
  OPENAI_BASE_URL: llm.url,
  LETTA_LLM_MAX_RETRIES: '0',
});

describe.each(DIALECTS)('failed turns are marked in the history (%s)', (dialect) => {
  let llm: FakeLlm;
  let server: TestServer;
  beforeAll(async () => {
    llm = await startFakeLlm();
    server = await startTestServer(dialect, { env: LLM_ENV(llm) });
  });
  afterAll(async () => {
    await server?.close();
    await llm?.close();
  });

  it('the user message of a failed run carries run_error in the tutorial and V1 lists', async () => {
    const call = client(server);
    const agent = (await call('POST', '/agents', { name: 'fragile', model: 'gpt-4o-mini' })).body;
    llm.script({ content: 'fine' });
    expect((await call('POST', '/agents/fragile/messages', { message: 'first' })).status).toBe(200);
    llm.script({ error: { status: 400, message: 'model exploded' } });
    const failed = await call('POST', '/agents/fragile/messages', { message: 'second' });
    expect(failed.status).toBe(502);

    const tutorial = (await call('GET', `/agents/fragile/conversations/default/messages`))
      .body as unknown as Json[];
    const users = tutorial.filter((m) => m.message_type === 'user_message');
    expect(users.map((m) => m.content)).toEqual(['first', 'second']);
    expect(users[0]?.run_error).toBeUndefined();
    expect(users[1]?.run_error).toMatchObject({ status: 'failed', code: 'LLM_BAD_REQUEST' });
    expect(String((users[1]?.run_error as Json | undefined)?.detail)).toContain('model exploded');

    const v1 = (await call('GET', `/v1/agents/${agent.id}/messages`)).body as unknown as Json[];
    const second = v1.find((m) => m.message_type === 'user_message' && m.content === 'second');
    expect(second?.run_error).toMatchObject({ status: 'failed', code: 'LLM_BAD_REQUEST' });
    expect(v1.find((m) => m.content === 'first')?.run_error).toBeUndefined();
  });
});

describe('the first hour (sqlite)', () => {
  let llm: FakeLlm;
  let server: TestServer;
  let call: ReturnType<typeof client>;
  beforeAll(async () => {
    llm = await startFakeLlm({ models: ['local-qwen', 'gpt-4o-mini'] });
    server = await startTestServer('sqlite', { env: LLM_ENV(llm) });
    call = client(server);
  });
  afterAll(async () => {
    await server?.close();
    await llm?.close();
  });

  it('an OpenAI-compatible endpoint whose list is unknown accepts any model name', async () => {
    const res = await call('POST', '/agents', { name: 'open', model: 'whatever-it-serves' });
    expect(res.status).toBe(201);
    expect(res.body.model).toBe('openai/whatever-it-serves');
  });

  it('once the endpoint listed its models: the first is the default, others are refused by name', async () => {
    await server.core.providers.refresh({ timeoutMs: 2000 });
    const plain = await call('POST', '/agents', { name: 'plain' });
    expect(plain.status).toBe(201);
    expect(plain.body.model).toBe('openai/local-qwen');
    // The tutorial's bare name resolves to the provider serving it.
    expect((await call('POST', '/agents', { name: 'tut', model: 'gpt-4o-mini' })).body.model).toBe(
      'openai/gpt-4o-mini',
    );

    const wrong = await call('POST', '/agents', { name: 'wrong', model: 'claude-sonnet-4-6' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.code).toBe('MODEL_NOT_FOUND');
    expect(wrong.body.detail).toContain("'claude-sonnet-4-6'");
    expect(wrong.body.detail).toContain('openai/local-qwen, openai/gpt-4o-mini');
    const nope = await call('POST', '/agents', { name: 'wrong', model: 'nope/xyz' });
    expect(nope.body).toMatchObject({ code: 'MODEL_NOT_FOUND' });
    expect(nope.body.detail).toContain("unknown provider 'nope'");

    const patch = await call('PATCH', '/agents/plain', { model: 'llama-9' });
    expect(patch.status).toBe(400);
    expect(patch.body.detail).toContain("'llama-9'");
    const v1Create = await call('POST', '/v1/agents/', { name: 'v1wrong', model: 'openai/llama-9' });
    expect(v1Create.status).toBe(400);
    expect(v1Create.body.detail).toContain('Available: openai/local-qwen');
    const v1Patch = await call('PATCH', `/v1/agents/${plain.body.id}`, { model: 'ghost' });
    expect(v1Patch.status).toBe(400);
    expect((await call('PATCH', `/v1/agents/${plain.body.id}`, { model: 'openai/gpt-4o-mini' })).status).toBe(
      200,
    );
  });

  it('PATCH with a field the route does not handle is 422 naming it', async () => {
    await call('POST', '/agents', { name: 'strict', model: 'gpt-4o-mini' });
    // (`tools` is a field PATCH handles now: the tools sandbox takes them by name.)
    const res = await call('PATCH', '/agents/strict', { embeding: 'openai/text-embedding-3-small' });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(res.body.detail).toContain("unknown field 'embeding'");
    expect((await call('POST', '/agents', { name: 'strict2', colour: 'red' })).status).toBe(422);
  });

  it('pattern errors are words, not regular expressions', async () => {
    const conv = await call('GET', '/agents/strict/conversations/conv-123');
    expect(conv.status).toBe(422);
    expect(conv.body.detail).toMatch(
      /^params\/conversation must be 'default' or a conversation id like conv-[0-9a-f-]{36}$/,
    );
    const v1 = await call('GET', '/v1/agents/xyz');
    expect(v1.body.detail).toMatch(/^params\/agent_id must be an agent id like agent-[0-9a-f-]{36}$/);
    const name = await call('POST', '/agents', { name: '-bad' });
    expect(name.body.detail).toContain('must be an agent name or id: 1-100 letters');
    for (const d of [conv.body.detail, v1.body.detail, name.body.detail])
      expect(String(d)).not.toContain('[');
  });

  it('streamed text of consecutive steps is separated as in the non-streamed reply', async () => {
    const steps = () =>
      llm.script([
        {
          content: 'Let me save that to memory.',
          toolCalls: [{ name: 'memory_insert', arguments: { label: 'human', new_string: 'Likes tea.' } }],
        },
        { content: 'Done. I will remember.' },
      ]);
    steps();
    const plain = await call('POST', '/agents/strict/messages', { message: 'I like tea' });
    expect(plain.body.content).toBe('Let me save that to memory.\nDone. I will remember.');
    steps();
    const res = await fetch(`${server.baseUrl}/agents/strict/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'I like tea', stream: true }),
    });
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Json);
    const streamed = lines
      .filter((l) => typeof l.content === 'string')
      .map((l) => l.content)
      .join('');
    expect(streamed).toBe(plain.body.content);
  });
});

describe('errors that name their fix (sqlite)', () => {
  it('413 says the limit and --body-limit', async () => {
    await using server = await startTestServer('sqlite', { flags: { bodyLimit: '2kb' } });
    const res = await client(server)('POST', '/agents', { name: 'big', persona: 'x'.repeat(5000) });
    expect(res.status).toBe(413);
    expect(res.body.detail).toContain('2 kB (2048 bytes)');
    expect(res.body.detail).toContain('--body-limit');
  });

  it('a credential without its Bearer prefix is told so', async () => {
    await using server = await startTestServer('sqlite', {
      flags: { auth: true },
      env: { LETTA_API_KEY: 'the-right-key-0123456789' },
    });
    const call = client(server);
    const res = await call('GET', '/agents', undefined, { authorization: 'the-right-key-0123456789' });
    expect(res.status).toBe(401);
    expect(res.body.detail).toContain("must start with 'Bearer '");
    expect((await call('GET', '/agents')).body.detail).toContain('Missing credentials');
  });

  it('an unreachable model names the setting it came from', async () => {
    const url = `http://127.0.0.1:${await freePort()}/v1`;
    await using server = await startTestServer('sqlite', {
      env: { OPENAI_BASE_URL: url, LETTA_LLM_MAX_RETRIES: '0' },
    });
    const call = client(server);
    await call('POST', '/agents', { name: 'lonely', model: 'gpt-4o-mini' });
    const res = await call('POST', '/agents/lonely/messages', { message: 'hi' });
    expect(res.status).toBe(502);
    expect(res.body.detail).toContain(`(OPENAI_BASE_URL=${url})`);
  });
});

describe('provider registry: what "available" means', () => {
  it('official endpoints accept names shaped like theirs and default to a small model', () => {
    const openai = createProviderRegistry({ OPENAI_API_KEY: 'k' });
    expect(openai.defaultChatHandle()).toBe('openai/gpt-4o-mini');
    expect(openai.checkChatModel('gpt-5.5-preview')).toBe('openai/gpt-5.5-preview');
    expect(() => openai.checkChatModel('llama3')).toThrow(
      /not served by provider 'openai'.*openai\/gpt-4o-mini/,
    );
    expect(() => openai.checkChatModel('claude-haiku-4-5')).toThrow(/ANTHROPIC_API_KEY/);
    const anthropic = createProviderRegistry({ ANTHROPIC_API_KEY: 'k' });
    expect(anthropic.defaultChatHandle()).toBe('anthropic/claude-haiku-4-5');
    expect(anthropic.checkChatModel('claude-haiku-4-5')).toBe('anthropic/claude-haiku-4-5');
  });

  it('two providers: no implicit default; none: any handle is kept for later', () => {
    const two = createProviderRegistry({ OPENAI_API_KEY: 'k', ANTHROPIC_API_KEY: 'k' });
    expect(two.defaultChatHandle()).toBeUndefined();
    const none = createProviderRegistry({});
    expect(none.defaultChatHandle()).toBeUndefined();
    expect(none.checkChatModel('gpt-4o-mini')).toBe('gpt-4o-mini');
  });
});

describe('/docs groups the APIs apart, with real examples (sqlite)', () => {
  it('tags say which API a route belongs to; every patterned parameter has an example that matches', async () => {
    await using server = await startTestServer('sqlite');
    const doc = (await (await fetch(`${server.baseUrl}/openapi.json`)).json()) as {
      tags: Array<{ name: string }>;
      paths: Record<string, Record<string, { tags?: string[]; parameters?: Json[] }>>;
    };
    const tagsOf = (path: string, method = 'get') => doc.paths[path]?.[method]?.tags;
    expect(tagsOf('/agents', 'post')).toEqual(['tutorial: agents']);
    expect(tagsOf('/v1/agents/', 'post')).toEqual(['v1: agents']);
    expect(tagsOf('/health')).toEqual(['operations']);
    expect(tagsOf('/v1/health/')).toEqual(['operations']);
    const declared = new Set(doc.tags.map((t) => t.name));
    let checked = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const op of Object.values(item)) {
        for (const tag of op.tags ?? []) expect(declared, `${path}: ${tag}`).toContain(tag);
        for (const p of op.parameters ?? []) {
          const pattern = (p.schema as Json | undefined)?.pattern;
          if (typeof pattern !== 'string') continue;
          expect(typeof p.example, `${path} ${p.name}`).toBe('string');
          expect(new RegExp(pattern).test(String(p.example)), `${path} ${p.name}`).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(50);
  });
});
