/**
 * Recompile, summarize/compact, conversation fork, and run/step metrics, driven by the official
 * `@letta-ai/letta-client` over real HTTP, on SQLite and PostgreSQL.
 */
import Letta, { ConflictError } from '@letta-ai/letta-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { type FakeLlm, type RecordedRequest, startFakeLlm } from './support/fake-llm.js';
import { startTestServer, type TestServer } from './support/server.js';

type Msg = { id: string; message_type: string; content?: unknown; [k: string]: unknown };

function systemText(request: RecordedRequest | undefined): string {
  const first = request?.body.messages?.[0];
  return typeof first?.content === 'string' ? first.content : JSON.stringify(first?.content ?? '');
}

describe.each(DIALECTS)('V1 recompile, compact, fork, metrics (%s)', (dialect) => {
  let llm: FakeLlm;
  let server: TestServer;
  let client: Letta;

  beforeAll(async () => {
    llm = await startFakeLlm({ defaultReply: { content: 'OK' } });
    server = await startTestServer(dialect, {
      env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: llm.url, LETTA_LLM_MAX_RETRIES: '0' },
    });
    client = new Letta({ baseURL: server.baseUrl, apiKey: 'test', maxRetries: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await llm?.close();
  });

  async function newAgent(name: string) {
    return client.agents.create({
      name,
      model: 'openai/gpt-4o-mini',
      memory_blocks: [
        { label: 'persona', value: 'I am a helpful test agent.' },
        { label: 'human', value: 'The user is Sam.' },
      ],
    });
  }

  async function say(agentId: string, text: string, reply: string) {
    llm.script({ content: reply });
    return client.agents.messages.create(agentId, { messages: [{ role: 'user', content: text }] });
  }

  it('recompiles the system message from current memory (dry run stores nothing)', async () => {
    const agent = await newAgent('recompile-agent');
    await say(agent.id, 'hi', 'Hello Sam!');
    await client.agents.blocks.update('human', { agent_id: agent.id, value: 'The user is Alex.' });

    const dry = await client.agents.recompile(agent.id, { dry_run: true });
    expect(dry).toContain('The user is Alex.');
    const before = await client.agents.messages.list(agent.id, { order: 'asc' });
    const systemBefore = before.items.find((m) => m.message_type === 'system_message') as Msg | undefined;
    expect(String(systemBefore?.content)).toContain('The user is Sam.');

    const compiled = await client.agents.recompile(agent.id);
    expect(compiled).toContain('The user is Alex.');
    expect(compiled).toContain('<memory_blocks>');
    const after = await client.agents.messages.list(agent.id, { order: 'asc' });
    const systemAfter = after.items.find((m) => m.message_type === 'system_message') as Msg | undefined;
    expect(systemAfter?.id).toBe(systemBefore?.id);
    expect(String(systemAfter?.content)).toContain('The user is Alex.');

    // The next turn sends the recompiled memory (not a cached copy of the old text).
    await say(agent.id, 'who am I?', 'Alex.');
    expect(systemText(llm.chatRequests.at(-1))).toContain('The user is Alex.');

    // The same through the conversations route ('default' + agent_id).
    const viaConv = await client.conversations.recompile('default', { agent_id: agent.id, dry_run: true });
    expect(viaConv).toContain('The user is Alex.');
  });

  it('answers 409 CONVERSATION_BUSY while a run holds the conversation', async () => {
    const agent = await newAgent('busy-agent');
    let letGo!: () => void;
    const held = new Promise<void>((r) => {
      letGo = r;
    });
    const seen = llm.chatRequests.length;
    llm.script(async () => {
      await held;
      return { content: 'finally' };
    });
    const send = client.agents.messages.create(agent.id, { messages: [{ role: 'user', content: 'slow' }] });
    await llm.waitForRequests(seen + 1, 10_000, '/v1/chat/completions');
    const recompile = await client.agents.recompile(agent.id).catch((e: unknown) => e);
    const summarize = await client.agents.messages.compact(agent.id).catch((e: unknown) => e);
    letGo();
    const res = await send;
    expect(res.stop_reason.stop_reason).toBe('end_turn');
    for (const err of [recompile, summarize]) {
      expect(err).toBeInstanceOf(ConflictError);
      expect(JSON.stringify((err as ConflictError).error)).toContain('CONVERSATION_BUSY');
    }
    // Free again: the claim was given back.
    expect(await client.agents.recompile(agent.id)).toContain('<memory_blocks>');
  });

  it('summarize compacts the default conversation with the agent model', async () => {
    const agent = await newAgent('summarize-agent');
    for (let i = 0; i < 5; i++) await say(agent.id, `message ${i}`, `reply ${i}`);
    const before = await client.agents.retrieve(agent.id);
    expect(before.message_ids?.length).toBe(11);

    llm.script({ content: 'Sam sent five numbered messages.' });
    const res = await client.agents.messages.compact(agent.id);
    expect(res.num_messages_before).toBe(11);
    expect(res.num_messages_after).toBeLessThan(11);
    expect(res.summary).toContain('Sam sent five numbered messages.');
    const summarizerCall = llm.chatRequests.at(-1);
    expect(JSON.stringify(summarizerCall?.body.messages)).toContain('message 0');

    const after = await client.agents.retrieve(agent.id);
    expect(after.message_ids?.length).toBe(res.num_messages_after);
    expect(after.message_ids?.[0]).toBe(before.message_ids?.[0]);
    // The newest exchange stays in context.
    expect(after.message_ids?.at(-1)).toBe(before.message_ids?.at(-1));

    // mode 'all' keeps only the newest message after the summary.
    llm.script({ content: 'Everything so far.' });
    const all = await client.agents.messages.compact(agent.id, {
      compaction_settings: { mode: 'all' },
    });
    expect(all.num_messages_after).toBe(3);
  });

  it('compacts a conversation through /v1/conversations/{id}/compact', async () => {
    const agent = await newAgent('conv-compact-agent');
    const conv = await client.conversations.create({ agent_id: agent.id });
    for (let i = 0; i < 3; i++) {
      llm.script({ content: `conv reply ${i}` });
      const stream = await client.conversations.messages.create(conv.id, {
        messages: [{ role: 'user', content: `conv message ${i}` }],
      });
      for await (const _ of stream) {
        // drained
      }
    }
    llm.script({ content: 'Three conversation messages.' });
    const res = await client.conversations.messages.compact(conv.id);
    expect(res.num_messages_before).toBe(7);
    expect(res.summary).toContain('Three conversation messages.');
    const stored = await client.conversations.retrieve(conv.id);
    expect(stored.in_context_message_ids?.length).toBe(res.num_messages_after);
  });

  it('forks a conversation: copies of its in-context messages, a system message of its own', async () => {
    const agent = await newAgent('fork-agent');
    const conv = await client.conversations.create({ agent_id: agent.id });
    for (const [text, reply] of [
      ['first question', 'first answer'],
      ['second question', 'second answer'],
    ]) {
      llm.script({ content: reply as string });
      const stream = await client.conversations.messages.create(conv.id, {
        messages: [{ role: 'user', content: text as string }],
      });
      for await (const _ of stream) {
        // drained
      }
    }
    const source = await client.conversations.retrieve(conv.id);
    const fork = await client.conversations.fork(conv.id);
    expect(fork.id).toMatch(/^conv-/);
    expect(fork.id).not.toBe(conv.id);
    expect(fork.agent_id).toBe(agent.id);
    const srcIds = source.in_context_message_ids ?? [];
    const forkIds = fork.in_context_message_ids ?? [];
    expect(forkIds.length).toBe(srcIds.length);
    expect(forkIds.filter((id) => srcIds.includes(id))).toEqual([]);

    const text = (items: Msg[]) =>
      items
        .filter((m) => m.message_type === 'user_message' || m.message_type === 'assistant_message')
        .map((m) => `${m.message_type}:${String(m.content)}`);
    const srcMsgs = await client.conversations.messages.list(conv.id, { order: 'asc' });
    const forkMsgs = await client.conversations.messages.list(fork.id, { order: 'asc' });
    const expected = [
      'user_message:first question',
      'assistant_message:first answer',
      'user_message:second question',
      'assistant_message:second answer',
    ];
    expect(text(srcMsgs.items as unknown as Msg[])).toEqual(expected);
    expect(text(forkMsgs.items as unknown as Msg[])).toEqual(expected);

    // The fork's system message names the fork, and the fork goes on on its own.
    const compiled = await client.conversations.recompile(fork.id, { dry_run: true });
    expect(compiled).toContain(fork.id);
    llm.script({ content: 'third answer' });
    const stream = await client.conversations.messages.create(fork.id, {
      messages: [{ role: 'user', content: 'third question' }],
    });
    for await (const _ of stream) {
      // drained
    }
    const sent = JSON.stringify(llm.chatRequests.at(-1)?.body.messages);
    expect(sent).toContain('first answer');
    expect(sent).toContain('third question');
    expect((await client.conversations.retrieve(conv.id)).in_context_message_ids).toEqual(srcIds);
  });

  it('forks the default conversation (agent-direct mode)', async () => {
    const agent = await newAgent('fork-default-agent');
    await say(agent.id, 'hello', 'hi there');
    const fork = await client.conversations.fork('default', { agent_id: agent.id });
    expect(fork.in_context_message_ids?.length).toBe(3);
    const forkMsgs = await client.conversations.messages.list(fork.id, { order: 'asc' });
    expect(forkMsgs.items.map((m) => m.message_type)).toContain('assistant_message');
  });

  it('answers run and step metrics from what the store knows', async () => {
    const agent = await newAgent('metrics-agent');
    llm.script([
      { toolCalls: [{ name: 'memory_insert', arguments: { label: 'human', new_string: 'Likes tea.' } }] },
      { content: 'Saved.' },
    ]);
    const res = await client.agents.messages.create(agent.id, {
      messages: [{ role: 'user', content: 'remember tea' }],
    });
    const runId = (res.messages[0] as unknown as Msg).run_id as string;
    expect(runId).toMatch(/^run-/);
    const run = await client.runs.retrieve(runId);
    const metrics = (await client.get(`/v1/runs/${runId}/metrics`)) as Record<string, unknown>;
    const tools = await client.agents.tools.list(agent.id);
    const memoryInsert = tools.items.find((t) => t.name === 'memory_insert');
    expect(metrics).toEqual({
      id: runId,
      agent_id: agent.id,
      project_id: null,
      run_start_ns: Date.parse(run.created_at as string) * 1_000_000,
      run_ns: expect.any(Number),
      num_steps: 2,
      tools_used: [memoryInsert?.id],
      template_id: null,
      base_template_id: null,
    });
    expect(metrics.run_ns as number).toBeGreaterThanOrEqual(0);

    const steps = await client.runs.steps.list(runId);
    expect(steps.items.length).toBe(2);
    const step = steps.items[0];
    const stepMetrics = await client.steps.metrics.retrieve(step?.id as string);
    expect(stepMetrics).toMatchObject({
      id: step?.id,
      run_id: runId,
      agent_id: agent.id,
      step_start_ns: expect.any(Number),
      llm_request_ns: null,
      step_ns: null,
    });
    await expect(client.get('/v1/runs/run-00000000-0000-4000-8000-000000000000/metrics')).rejects.toThrow();
  });
});
