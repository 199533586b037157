/**
 * `GET /v1/agents/{id}/context` (Letta's `ContextWindowOverview`) through the official client
 * (1.12.1 has no method for this deprecated route, so its generic `get`): the parts add up, and
 * they are what the next model call actually receives (checked against the request the scripted
 * model gets), including a memory edit not yet compiled into the stored system message. And
 * `client.messages.search` (`POST /v1/messages/search`) over one agent's conversations.
 */
import Letta, { NotFoundError } from '@letta-ai/letta-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, type FakeMessage, startFakeLlm } from './support/fake-llm.js';
import { startTestServer, type TestServer } from './support/server.js';

interface Overview {
  context_window_size_max: number;
  context_window_size_current: number;
  num_messages: number;
  num_archival_memory: number;
  num_recall_memory: number;
  num_tokens_external_memory_summary: number;
  external_memory_summary: string;
  num_tokens_system: number;
  system_prompt: string;
  num_tokens_core_memory: number;
  core_memory: string;
  num_tokens_summary_memory: number;
  summary_memory: string | null;
  num_tokens_functions_definitions: number;
  functions_definitions: { type: string; function: { name: string; parameters: unknown } }[];
  num_tokens_messages: number;
  messages: { id: string; role: string; content: { type: string; text?: string }[] }[];
  conversation_id: string;
}

const textOf = (m: FakeMessage) =>
  typeof m.content === 'string' ? m.content : (m.content ?? []).map((p) => p.text ?? '').join('');

describe('V1 context window and message search with the official client (sqlite)', () => {
  let llm: FakeLlm;
  let server: TestServer;
  let client: Letta;
  const context = (agentId: string, query?: Record<string, string>) =>
    client.get<Overview>(`/v1/agents/${agentId}/context`, query ? { query } : {});

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

  it('shows the parts of the next model call, adding up to the current size', async () => {
    const agent = await client.agents.create({
      name: 'ctx-agent',
      model: 'openai/gpt-4o-mini',
      context_window_limit: 16_000,
      memory_blocks: [
        { label: 'persona', value: 'I am a careful gardener.' },
        { label: 'human', value: 'The user is Ada.' },
      ],
    });
    const fresh = await context(agent.id);
    expect(fresh.context_window_size_max).toBe(16_000);
    expect(agent.llm_config.context_window).toBe(16_000);
    expect(fresh.num_messages).toBe(1);
    expect(fresh.messages[0]?.role).toBe('system');
    expect(fresh.core_memory).toContain('<memory_blocks>');
    expect(fresh.core_memory).toContain('I am a careful gardener.');
    expect(fresh.core_memory).toContain('The user is Ada.');
    expect(fresh.system_prompt).not.toContain('<memory_blocks>');
    expect(fresh.system_prompt.length).toBeGreaterThan(0);
    expect(fresh.external_memory_summary).toMatch(/^<memory_metadata>[\s\S]*<\/memory_metadata>$/);
    expect(fresh.summary_memory).toBeNull();
    expect(fresh.num_tokens_messages).toBe(0);
    for (const n of [
      fresh.num_tokens_system,
      fresh.num_tokens_core_memory,
      fresh.num_tokens_functions_definitions,
    ])
      expect(n).toBeGreaterThan(0);
    const tools = await client.agents.tools.list(agent.id);
    expect(fresh.functions_definitions.map((f) => f.function.name).sort()).toEqual(
      tools.items.map((t) => t.name).sort(),
    );
    const sum = (o: Overview) =>
      o.num_tokens_system +
      o.num_tokens_core_memory +
      o.num_tokens_external_memory_summary +
      o.num_tokens_summary_memory +
      o.num_tokens_messages +
      o.num_tokens_functions_definitions;
    expect(sum(fresh)).toBe(fresh.context_window_size_current);

    // A turn in which the agent edits its own memory: its messages join the context.
    llm.script([
      {
        toolCalls: [{ name: 'memory_insert', arguments: { label: 'human', new_string: 'Grows tomatoes.' } }],
      },
      { content: 'Noted: tomatoes.' },
    ]);
    await client.agents.messages.create(agent.id, {
      messages: [{ role: 'user', content: 'I grow tomatoes' }],
    });
    // A block edited from outside: the stored system message is now stale; the next turn
    // recompiles it, and the overview already shows the recompiled text.
    await client.agents.blocks.update('persona', {
      agent_id: agent.id,
      value: 'I am a careful gardener who loves basil.',
    });
    const after = await context(agent.id);
    expect(after.num_messages).toBe(5); // system, user, assistant (tool call), tool return, assistant
    expect(after.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant']);
    expect(after.core_memory).toContain('Grows tomatoes.');
    expect(after.core_memory).toContain('who loves basil.');
    expect(after.num_tokens_messages).toBeGreaterThan(0);
    expect(after.num_recall_memory).toBe(5);
    expect(sum(after)).toBe(after.context_window_size_current);
    expect(after.context_window_size_current).toBeGreaterThan(fresh.context_window_size_current);

    // The next call sends exactly these messages (then the new user message) and these tools.
    const before = llm.chatRequests.length;
    await client.agents.messages.create(agent.id, { messages: [{ role: 'user', content: 'and basil?' }] });
    const sent = llm.chatRequests[before]!.body;
    const sentMessages = sent.messages ?? [];
    expect(sentMessages.map((m) => m.role)).toEqual([...after.messages.map((m) => m.role), 'user']);
    expect(textOf(sentMessages[0]!)).toContain(after.core_memory);
    expect(textOf(sentMessages[0]!)).toContain(after.system_prompt.split('\n')[0]!);
    expect(textOf(sentMessages[1]!)).toBe('I grow tomatoes');
    expect((sent.tools ?? []).map((t) => t.function.name).sort()).toEqual(
      after.functions_definitions.map((f) => f.function.name).sort(),
    );
  });

  it('takes conversation_id; unknown agents and other agents conversations are 404', async () => {
    const agent = await client.agents.create({ name: 'ctx-conv', model: 'openai/gpt-4o-mini' });
    const other = await client.agents.create({ name: 'ctx-other', model: 'openai/gpt-4o-mini' });
    const conv = await client.conversations.create({ agent_id: agent.id });
    llm.script({ content: 'in the side conversation' });
    const stream = await client.conversations.messages.create(conv.id, { input: 'side' });
    for await (const _ of stream) {
      // drained: the run ends with the stream
    }
    const side = await context(agent.id, { conversation_id: conv.id });
    expect(side.conversation_id).toBe(conv.id);
    // Without a limit: the server's default window (32k), which the agent's turns fit in.
    expect(side.context_window_size_max).toBe(32_000);
    expect(agent.llm_config.context_window).toBe(32_000);
    expect(side.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant']);
    const main = await context(agent.id);
    expect(main.conversation_id).not.toBe(conv.id);
    expect(main.num_messages).toBe(1);

    await expect(context('agent-00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(NotFoundError);
    await expect(context(other.id, { conversation_id: conv.id })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('after a compaction, the summary is its own part', async () => {
    const agent = await client.agents.create({
      name: 'ctx-compact',
      model: 'openai/gpt-4o-mini',
      context_window_limit: 3000,
    });
    const fixed = await context(agent.id);
    expect(fixed.context_window_size_current).toBeLessThan(1200);
    llm.script({ content: 'ok' });
    await client.agents.messages.create(agent.id, {
      messages: [{ role: 'user', content: 'word '.repeat(1500) }],
    });
    // The next message passes 90% of the window: the oldest message is summarised first.
    llm.script([{ content: 'SUMMARY: the user typed many words.' }, { content: 'ok again' }]);
    await client.agents.messages.create(agent.id, {
      messages: [{ role: 'user', content: 'more '.repeat(600) }],
    });
    const o = await context(agent.id);
    expect(o.summary_memory).toContain('SUMMARY: the user typed many words.');
    expect(o.num_tokens_summary_memory).toBeGreaterThan(0);
    expect(o.messages.map((m) => m.role)).toEqual(['system', 'summary', 'assistant', 'user', 'assistant']);
    expect(o.num_messages).toBe(5);
    expect(
      o.num_tokens_system +
        o.num_tokens_core_memory +
        o.num_tokens_external_memory_summary +
        o.num_tokens_summary_memory +
        o.num_tokens_messages +
        o.num_tokens_functions_definitions,
    ).toBe(o.context_window_size_current);
    expect(o.context_window_size_current).toBeLessThan(o.context_window_size_max);
  });

  it('messages.search: one agent, every conversation, newest first; agent_id required', async () => {
    const agent = await client.agents.create({ name: 'search-agent', model: 'openai/gpt-4o-mini' });
    const other = await client.agents.create({ name: 'search-other', model: 'openai/gpt-4o-mini' });
    llm.script([{ content: 'Oolong is lovely.' }, { content: 'Noted.' }, { content: 'Also oolong here.' }]);
    await client.agents.messages.create(agent.id, {
      messages: [{ role: 'user', content: 'I drink OOLONG daily' }],
    });
    const conv = await client.conversations.create({ agent_id: agent.id });
    const stream = await client.conversations.messages.create(conv.id, { input: 'nothing about tea' });
    for await (const _ of stream) {
      // drained
    }
    await client.agents.messages.create(other.id, {
      messages: [{ role: 'user', content: 'oolong for me too' }],
    });

    const hits = await client.messages.search({ query: 'oolong', agent_id: agent.id });
    expect(hits.map((h) => [h.message_type, (h as { content: unknown }).content])).toEqual([
      ['assistant_message', 'Oolong is lovely.'],
      ['user_message', 'I drink OOLONG daily'],
    ]);
    for (const h of hits) {
      expect(h.agent_id).toBe(agent.id);
      expect(h.message_id).toMatch(/^message-/);
      expect(h.conversation_id).toMatch(/^conv-/);
    }
    // Any of the words; limit.
    const either = await client.messages.search({ query: 'tea daily', agent_id: agent.id, limit: 1 });
    expect(either.map((h) => (h as { content: unknown }).content)).toEqual(['nothing about tea']);
    await expect(client.messages.search({ query: 'oolong' })).rejects.toMatchObject({ status: 422 });
    await expect(
      client.messages.search({ query: 'oolong', agent_id: 'agent-00000000-0000-4000-8000-000000000000' }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});
