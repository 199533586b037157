/** The official `@letta-ai/letta-client` (1.x) driving a realistic session against our /v1 API. */
import Letta, { NotFoundError } from '@letta-ai/letta-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from './support/fake-llm.js';
import { startTestServer, type TestServer } from './support/server.js';

type Msg = { id: string; message_type: string; content?: unknown; [k: string]: unknown };

describe('V1 API with the official client (sqlite)', () => {
  let llm: FakeLlm;
  let server: TestServer;
  let client: Letta;

  beforeAll(async () => {
    llm = await startFakeLlm({ defaultReply: { content: 'OK' } });
    server = await startTestServer('sqlite', {
      env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: llm.url, LETTA_LLM_MAX_RETRIES: '0' },
    });
    client = new Letta({ baseURL: server.baseUrl, apiKey: 'test', maxRetries: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await llm?.close();
  });

  it('health, models', async () => {
    const health = await client.health();
    expect(health.status).toBe('ok');
    const models = await client.models.list();
    expect(Array.isArray(models)).toBe(true);
    expect(models.some((m) => m.handle === 'openai/gpt-4o-mini')).toBe(true);
    const embeddings = await client.models.embeddings.list();
    expect(Array.isArray(embeddings)).toBe(true);
  });

  it('runs a whole agent session', async () => {
    const agent = await client.agents.create({
      name: 'v1-session',
      model: 'openai/gpt-4o-mini',
      memory_blocks: [
        { label: 'persona', value: 'I am a helpful test agent.' },
        { label: 'human', value: 'The user is Sam.' },
      ],
      // an unknown field is ignored, not rejected
      ...({ some_future_field: 1 } as object),
    });
    expect(agent.id).toMatch(/^agent-/);
    expect(agent.llm_config.model).toBe('gpt-4o-mini');
    expect(agent.llm_config.handle).toBe('openai/gpt-4o-mini');
    expect(agent.memory.blocks.map((b) => b.label).sort()).toEqual(['human', 'persona']);
    expect(agent.message_ids?.length).toBe(1);

    // retrieve: a 1.x SDK gets relationships only with include
    const bare = await client.agents.retrieve(agent.id);
    expect(bare.blocks).toEqual([]);
    const full = await client.agents.retrieve(agent.id, { include: ['agent.blocks', 'agent.tools'] });
    expect(full.blocks.length).toBe(2);
    expect(full.tools.length).toBeGreaterThan(0);

    const listed = await client.agents.list({ name: 'v1-session' });
    expect(listed.items.map((a) => a.id)).toEqual([agent.id]);

    const updated = await client.agents.update(agent.id, { description: 'updated', tags: ['t1'] });
    expect(updated.description).toBe('updated');
    expect(updated.tags).toEqual(['t1']);

    // plain send
    llm.script({ content: 'Hello Sam!' });
    const res = await client.agents.messages.create(agent.id, {
      messages: [{ role: 'user', content: 'hi' }],
    });
    const assistant = res.messages.find((m) => m.message_type === 'assistant_message') as Msg | undefined;
    expect(assistant?.content).toBe('Hello Sam!');
    expect(res.stop_reason.stop_reason).toBe('end_turn');
    expect(res.usage.step_count).toBe(1);
    expect(res.usage.total_tokens).toBeGreaterThan(0);

    // streaming, whole messages
    llm.script({ content: 'Streamed reply' });
    const stream = await client.agents.messages.create(agent.id, { input: 'stream please', streaming: true });
    const events: Msg[] = [];
    for await (const e of stream) events.push(e as unknown as Msg);
    const types = events.map((e) => e.message_type);
    expect(types[0]).toBe('ping');
    expect(types).toContain('assistant_message');
    expect(types.slice(-2)).toEqual(['stop_reason', 'usage_statistics']);
    expect(events.find((e) => e.message_type === 'assistant_message')?.content).toBe('Streamed reply');

    // token streaming: deltas sharing one id
    llm.script({ content: 'one two three four five' });
    const tokenStream = await client.agents.messages.create(agent.id, {
      messages: [{ role: 'user', content: [{ type: 'text', text: 'tokens' }] }],
      streaming: true,
      stream_tokens: true,
      include_pings: false,
    });
    const chunks: Msg[] = [];
    for await (const e of tokenStream) chunks.push(e as unknown as Msg);
    const deltas = chunks.filter((c) => c.message_type === 'assistant_message');
    expect(deltas.length).toBeGreaterThan(1);
    expect(new Set(deltas.map((d) => d.id)).size).toBe(1);
    expect(deltas.map((d) => d.content).join('')).toBe('one two three four five');
    expect(chunks.some((c) => c.message_type === 'ping')).toBe(false);

    // token-streamed tool calls: each chunk one ToolCallDelta (the name on the first only)
    llm.script([
      { toolCalls: [{ name: 'memory_insert', arguments: { label: 'human', new_string: 'Likes tea.' } }] },
      { content: 'Saved.' },
    ]);
    const toolStream = await client.agents.messages.create(agent.id, {
      input: 'remember tea',
      streaming: true,
      stream_tokens: true,
      include_pings: false,
    });
    const toolChunks: Msg[] = [];
    for await (const e of toolStream) toolChunks.push(e as unknown as Msg);
    type Delta = { name: string | null; arguments: string; tool_call_id: string };
    const calls = toolChunks.filter((c) => c.message_type === 'tool_call_message');
    expect(calls.length).toBeGreaterThan(1);
    for (const c of calls) {
      expect(Array.isArray(c.tool_calls)).toBe(false);
      expect(c.tool_calls).toEqual(c.tool_call);
    }
    const parts = calls.map((c) => c.tool_call as Delta);
    expect(parts.map((d) => d.name).filter((n) => n !== null)).toEqual(['memory_insert']);
    expect(new Set(parts.map((d) => d.tool_call_id)).size).toBe(1);
    expect(JSON.parse(parts.map((d) => d.arguments).join(''))).toEqual({
      label: 'human',
      new_string: 'Likes tea.',
    });
    await client.agents.blocks.update('human', { agent_id: agent.id, value: 'The user is Sam.' });

    // auto-pagination over messages terminates
    const seen: Msg[] = [];
    for await (const m of client.agents.messages.list(agent.id, { limit: 2 })) seen.push(m as unknown as Msg);
    expect(seen.filter((m) => m.message_type === 'user_message').length).toBe(4);
    expect(seen.filter((m) => m.message_type === 'assistant_message').length).toBe(4);

    // core memory by label
    const human = await client.agents.blocks.retrieve('human', { agent_id: agent.id });
    expect(human.value).toBe('The user is Sam.');
    await client.agents.blocks.update('human', { agent_id: agent.id, value: 'The user is Sam, a tester.' });
    expect((await client.agents.blocks.retrieve('human', { agent_id: agent.id })).value).toBe(
      'The user is Sam, a tester.',
    );
    const blocks = await client.agents.blocks.list(agent.id);
    expect(blocks.items.length).toBe(2);

    // standalone block, attach and detach
    const block = await client.blocks.create({ label: 'notes', value: 'n1' });
    const attached = await client.agents.blocks.attach(block.id, { agent_id: agent.id });
    expect(attached.blocks.some((b) => b.id === block.id)).toBe(true);
    const blockAgents = await client.blocks.agents.list(block.id);
    expect(blockAgents.items.map((a) => a.id)).toEqual([agent.id]);
    await client.agents.blocks.detach(block.id, { agent_id: agent.id });
    await client.blocks.delete(block.id);

    // tools
    const tools = [];
    for await (const t of client.tools.list()) tools.push(t);
    expect(tools.length).toBeGreaterThan(0);
    const agentTools = await client.agents.tools.list(agent.id);
    expect(agentTools.items.length).toBeGreaterThan(0);
    // auto-pagination of an agent's tools and blocks ends, each item once
    const pagedTools: string[] = [];
    for await (const t of client.agents.tools.list(agent.id, { limit: 1 })) pagedTools.push(t.id);
    expect(pagedTools.sort()).toEqual(agentTools.items.map((t) => t.id).sort());
    const pagedBlocks: string[] = [];
    for await (const b of client.agents.blocks.list(agent.id, { limit: 1 })) pagedBlocks.push(b.label ?? '');
    expect(pagedBlocks.sort()).toEqual(['human', 'persona']);
    const tool = await client.tools.retrieve(tools[0]?.id ?? '');
    expect(tool.name).toBe(tools[0]?.name);

    // conversations
    const conv = await client.conversations.create({ agent_id: agent.id, summary: 'side thread' });
    expect(conv.id).toMatch(/^conv-/);
    const convs = await client.conversations.list({ agent_id: agent.id });
    expect(convs.map((c) => c.id)).toContain(conv.id);
    llm.script({ content: 'In the side thread' });
    const convStream = await client.conversations.messages.create(conv.id, { input: 'hello thread' });
    const convEvents: Msg[] = [];
    for await (const e of convStream) convEvents.push(e as unknown as Msg);
    expect(convEvents.find((e) => e.message_type === 'assistant_message')?.content).toBe(
      'In the side thread',
    );
    const convMessages = await client.conversations.messages.list(conv.id, { order: 'asc' });
    expect(convMessages.items.map((m) => m.message_type)).toEqual([
      'system_message',
      'user_message',
      'assistant_message',
    ]);

    // runs
    const runs = await client.runs.list({ agent_id: agent.id });
    expect(runs.items.length).toBe(5);
    const run = await client.runs.retrieve(runs.items[0]?.id ?? '');
    expect(run.status).toBe('completed');
    expect(run.conversation_id).toBe(conv.id);
    const runMessages = await client.runs.messages.list(run.id);
    expect(runMessages.items.some((m) => m.message_type === 'assistant_message')).toBe(true);

    // the organization's messages, and one by id (its typed parts)
    const reply = runMessages.items.find((m) => m.message_type === 'assistant_message');
    const one = (await client.messages.retrieve(reply?.id ?? '')) as unknown as { id: string }[];
    expect(one.map((m) => m.id)).toContain(reply?.id);
    const newest = (await client.messages.list({ limit: 5 })) as unknown as { items?: unknown[] };
    expect((newest.items ?? (newest as unknown as unknown[])).length).toBeGreaterThan(0);
    await expect(
      client.messages.retrieve('message-00000000-0000-4000-8000-000000000000'),
    ).rejects.toBeInstanceOf(NotFoundError);

    // async + cancel
    llm.script({ content: 'slow', delayMs: 2000 });
    const asyncRun = await client.agents.messages.createAsync(agent.id, { input: 'take your time' });
    expect(asyncRun.id).toMatch(/^run-/);
    await llm.waitForRequests(7, 5000, '/v1/chat/completions');
    const cancelled = await client.agents.messages.cancel(agent.id);
    expect(cancelled).toEqual({ [asyncRun.id]: 'cancelled' });
    await expect.poll(async () => (await client.runs.retrieve(asyncRun.id)).status).toBe('cancelled');

    // reset keeps the system message only
    const reset = await client.agents.messages.reset(agent.id, {});
    expect(reset?.message_ids?.length).toBe(1);

    // delete
    const del = await client.agents.delete(agent.id);
    expect(del).toEqual({ message: `Agent id=${agent.id} successfully deleted` });
    await expect(client.agents.retrieve(agent.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('answers malformed ids with 422 and a busy conversation with 409', async () => {
    const bad = await fetch(`${server.baseUrl}/v1/agents/not-an-id`);
    expect(bad.status).toBe(422);
    await using busy = await startTestServer('sqlite', {
      env: {
        OPENAI_API_KEY: 'test',
        OPENAI_BASE_URL: llm.url,
        LETTA_LLM_MAX_RETRIES: '0',
        LETTA_CONVERSATION_WAIT_MS: '100',
      },
    });
    const busyClient = new Letta({ baseURL: busy.baseUrl, apiKey: 'test', maxRetries: 0 });
    const agent = await busyClient.agents.create({ name: 'busy', model: 'openai/gpt-4o-mini' });
    llm.script({ content: 'slow', delayMs: 1500 });
    const first = busyClient.agents.messages.create(agent.id, { input: 'one' });
    await new Promise((r) => setTimeout(r, 300));
    const second = await fetch(`${busy.baseUrl}/v1/agents/${agent.id}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input: 'two' }),
    });
    expect(second.status).toBe(409);
    expect(((await second.json()) as { code: string }).code).toBe('CONVERSATION_BUSY');
    await first;
  });
});
