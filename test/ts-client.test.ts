/**
 * The TypeScript client (`letta-ts/client`, src/client) against a real server with auth on,
 * imported by its package name through package.json "exports" (the built dist/client).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createClient,
  LettaApiError,
  type LettaClient,
  LettaConnectionError,
  LettaStreamError,
  type StreamLine,
} from 'letta-ts/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, type FakeReply, lastUserText, startFakeLlm } from './support/fake-llm.js';
import { freePort, REPO_ROOT, startTestServer, type TestServer } from './support/server.js';

const KEY = 'ts-client-test-key';
const STORY = 'Once upon a time, a small agent learned to stream its words one by one.';

function answer(text: string): FakeReply {
  if (text === 'Tell me a story') return { content: STORY, chunkDelayMs: 30 };
  if (text === 'FAIL') return { error: { status: 400, message: 'the model refused' } };
  if (text === 'SLOW') return { content: 'finally', delayMs: 3000 };
  return { content: `You said: ${text}` };
}

describe('letta-ts/client against a real server (auth on)', () => {
  let llm: FakeLlm;
  let server: TestServer;
  let client: LettaClient;

  beforeAll(async () => {
    llm = await startFakeLlm({ defaultReply: (req) => answer(lastUserText(req)) });
    server = await startTestServer('sqlite', {
      flags: { auth: true },
      env: {
        LETTA_API_KEY: KEY,
        OPENAI_API_KEY: 'test',
        OPENAI_BASE_URL: llm.url,
        LETTA_LLM_MAX_RETRIES: '0',
      },
    });
    client = createClient({ baseUrl: server.baseUrl, token: KEY });
  });
  afterAll(async () => {
    await server?.close();
    await llm?.close();
  });

  it('agents, messages, conversations, archival, runs', async () => {
    const sam = await client.createAgent({
      name: 'sam',
      persona: 'You are Sam.',
      human: 'Name: Bob',
      model: 'gpt-4o-mini',
      embedding: 'openai/text-embedding-3-small',
    });
    expect(sam).toMatchObject({ name: 'sam', persona: 'You are Sam.', human: 'Name: Bob' });
    expect((await client.getAgent('sam')).id).toBe(sam.id);
    expect((await client.getAgent(sam.id)).name).toBe('sam');
    expect((await client.updateAgent('sam', { persona: 'You are Sam, a sailor.' })).persona).toBe(
      'You are Sam, a sailor.',
    );
    expect((await client.listAgents()).map((a) => a.name)).toEqual(['sam']);

    const reply = await client.sendMessage('sam', 'Hello');
    expect(reply.content).toBe('You said: Hello');
    expect(reply.stop_reason).toBe('end_turn');
    expect(reply.usage.total_tokens).toBeGreaterThan(0);

    const conv = await client.createConversation('sam', { summary: 'side' });
    expect((await client.listConversations('sam')).map((c) => c.is_default)).toEqual([true, false]);
    expect((await client.getConversation('sam', conv.id)).summary).toBe('side');
    const inConv = await client.sendMessage('sam', 'In there', { conversationId: conv.id });
    expect(inConv.conversation_id).toBe(conv.id);
    expect((await client.listMessages('sam', conv.id)).map((m) => m.message_type)).toEqual([
      'user_message',
      'assistant_message',
    ]);
    expect((await client.listMessages('sam')).length).toBe(2);

    const batch = await client.batch('sam', ['one', 'FAIL', 'three']);
    expect(batch.map((r) => ('error' in r ? r.error.code : r.content))).toEqual([
      'You said: one',
      'LLM_BAD_REQUEST',
      'You said: three',
    ]);

    const p = await client.insertArchival('sam', 'Sam drinks green tea', ['food']);
    await client.insertArchival('sam', 'The boat sails on Tuesday');
    expect(p.tags).toEqual(['food']);
    expect((await client.listArchival('sam')).length).toBe(2);
    expect((await client.searchArchival('sam', 'green tea', 1)).results[0]?.text).toBe(
      'Sam drinks green tea',
    );

    const run = await client.sendMessageAsync('sam', 'SLOW');
    expect(run.background).toBe(true);
    expect((await client.listRuns({ agentId: sam.id, active: true })).map((r) => r.id)).toEqual([run.id]);
    expect(await client.cancel('sam')).toEqual({ [run.id]: 'cancelled' });
    expect((await client.getRun(run.id)).status).toBe('cancelled');
    expect((await client.getRun(reply.run_id)).total_usage.step_count).toBe(1);

    expect(await client.deleteAgent('sam')).toEqual({ deleted: true, id: sam.id, name: 'sam' });
  });

  it('streams NDJSON lines as an async iterator, as they arrive', async () => {
    await client.createAgent({ name: 'teller', model: 'gpt-4o-mini' });
    const stream = await client.streamMessage('teller', 'Tell me a story');
    expect(stream.runId).toMatch(/^run-/);
    const lines: StreamLine[] = [];
    let statusAtFirstLine: string | undefined;
    for await (const line of stream) {
      if ('content' in line && statusAtFirstLine === undefined) {
        // The line arrived while the run was still going: lines are read as they are written.
        statusAtFirstLine = (await client.getRun(stream.runId ?? '')).status;
      }
      lines.push(line);
    }
    expect(statusAtFirstLine).toBe('running');
    const text = lines.map((l) => ('content' in l ? l.content : '')).join('');
    expect(text).toBe(STORY);
    expect(lines.filter((l) => 'content' in l).length).toBeGreaterThan(3);
    expect(stream.done).toMatchObject({ done: true, stop_reason: 'end_turn', run_id: stream.runId });

    // A failed run: every line, then LettaStreamError.
    const failing = await client.streamMessage('teller', 'FAIL');
    const seen: StreamLine[] = [];
    const err = await (async () => {
      for await (const line of failing) seen.push(line);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LettaStreamError);
    expect((err as LettaStreamError).code).toBe('LLM_BAD_REQUEST');
    expect(seen.at(-1)).toMatchObject({ done: true, stop_reason: 'llm_api_error' });
  });

  it('errors carry status, code and detail; connection errors name the URL', async () => {
    const missing = await client.getAgent('nobody').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(LettaApiError);
    expect(missing).toMatchObject({
      status: 404,
      code: 'AGENT_NOT_FOUND',
      detail: "Agent 'nobody' not found",
    });

    const anonymous = await createClient({ baseUrl: server.baseUrl })
      .listAgents()
      .catch((e: unknown) => e);
    expect(anonymous).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });

    const invalid = await client.createAgent({ name: 'bad name!' }).catch((e: unknown) => e);
    expect(invalid).toMatchObject({ status: 422, code: 'VALIDATION_ERROR' });

    const dead = `http://127.0.0.1:${await freePort()}`;
    const unreachable = await createClient({ baseUrl: dead })
      .listAgents()
      .catch((e: unknown) => e);
    expect(unreachable).toBeInstanceOf(LettaConnectionError);
    expect((unreachable as Error).message).toMatch(new RegExp(`^Cannot reach ${dead}/agents: `));
  });

  it('retries a 429 after Retry-After, a bounded number of times', async () => {
    await using limited = await startTestServer('sqlite', {
      flags: { auth: true, rateLimit: '2/second' },
      env: { LETTA_API_KEY: KEY },
    });
    const noRetry = createClient({ baseUrl: limited.baseUrl, token: KEY, maxRetries: 0 });
    const limitedErr = await (async () => {
      for (let i = 0; i < 5; i++) await noRetry.listAgents();
    })().catch((e: unknown) => e);
    expect(limitedErr).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect((limitedErr as LettaApiError).retryAfter).toBeGreaterThan(0);
    const retrying = createClient({ baseUrl: limited.baseUrl, token: KEY, maxRetries: 3 });
    for (let i = 0; i < 4; i++) expect(await retrying.listAgents()).toEqual([]);
  });

  it('is fetch-only: the built client imports nothing but its own modules', () => {
    const dir = join(REPO_ROOT, 'dist', 'client');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.js'))) {
      const imports = [...readFileSync(join(dir, file), 'utf8').matchAll(/^import .* from '([^']+)';$/gm)];
      for (const [, spec] of imports) expect(spec, `${file} imports ${spec}`).toMatch(/^\.\/[a-z-]+\.js$/);
    }
  });
});
