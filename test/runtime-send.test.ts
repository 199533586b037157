import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_ORG_ID } from '../src/ids.js';
import type { AgentRecord } from '../src/store/records.js';
import { createTestCore, type TestCore } from './support/core.js';
import { DIALECTS } from './support/databases.js';
import { lastUserText } from './support/fake-llm.js';

const ctx = { org: DEFAULT_ORG_ID };

describe.each(DIALECTS)('agent runtime on %s', (dialect) => {
  let t: TestCore;
  let agent: AgentRecord;

  beforeEach(async () => {
    t = await createTestCore(dialect);
    ({ agent } = await t.core.agents.create(ctx, {
      name: 'sam',
      model: 'gpt-4o-mini',
      memory_blocks: [
        { label: 'persona', value: 'I am Sam.' },
        { label: 'human', value: '' },
      ],
    }));
  });
  afterEach(async () => {
    await t.close();
  });

  it('gives an agent stored without a model (an older database) the default model at send time', async () => {
    await using d = await createTestCore(dialect, {
      env: { LETTA_DEFAULT_LLM_HANDLE: 'openai/gpt-4o-mini' },
    });
    const { agent: old } = await d.core.agents.create(ctx, { name: 'old', model: 'gpt-4o-mini' });
    await d.core.store.agents.update(ctx.org, old.id, { model: null }, new Date().toISOString());
    const stored = await d.core.agents.get(ctx, old.id);
    expect(stored.model).toBeNull();
    d.llm.script({ content: 'Still here.' });
    const r = await d.core.messages.send(ctx, { agent: stored, messages: [{ content: 'Hi' }] });
    expect(r.content).toBe('Still here.');
    expect(d.llm.chatRequests[0]!.body.model).toBe('gpt-4o-mini');
  });

  it('answers a plain message and stores the turn', async () => {
    t.llm.script({ content: 'Hello there!' });
    const r = await t.core.messages.send(ctx, { agent, messages: [{ content: 'Hi' }] });
    expect(r.content).toBe('Hello there!');
    expect(r.stopReason).toBe('end_turn');
    expect(r.run.status).toBe('completed');
    expect(r.messages.map((m) => m.message_type)).toEqual(['user_message', 'assistant_message']);
    expect(r.usage.step_count).toBe(1);
    expect(r.usage.total_tokens).toBeGreaterThan(0);
    const sent = t.llm.chatRequests[0]!.body;
    expect(sent.model).toBe('gpt-4o-mini');
    const system = sent.messages![0]!;
    expect(system.role).toBe('system');
    expect(String(system.content)).toContain('<persona>');
    expect(String(system.content)).toContain('I am Sam.');
    const history = await t.core.store.messages.list(ctx.org, {
      conversationId: r.conversationId,
      limit: 10,
    });
    expect(history.map((m) => m.role)).toEqual(['system', 'user', 'assistant']);
  });

  it('edits memory through a tool call, persists it and recompiles the system prompt', async () => {
    t.llm.script([
      { toolCalls: [{ name: 'memory_insert', arguments: { label: 'human', new_string: 'Name: Ada' } }] },
      { content: 'Nice to meet you, Ada.' },
      { content: 'You are Ada.' },
    ]);
    const r = await t.core.messages.send(ctx, { agent, messages: [{ content: 'My name is Ada' }] });
    expect(r.content).toBe('Nice to meet you, Ada.');
    expect(r.messages.map((m) => m.message_type)).toEqual([
      'user_message',
      'tool_call_message',
      'tool_return_message',
      'assistant_message',
    ]);
    const blocks = await t.core.blocks.listForAgent(ctx, agent.id);
    expect(blocks.find((b) => b.label === 'human')?.value).toBe('Name: Ada');
    // The second model call of the turn already sees the edited memory.
    expect(String(t.llm.chatRequests[1]!.body.messages![0]!.content)).toContain('Name: Ada');
    // And the tool call is followed by its tool return in what the model sees.
    const roles = t.llm.chatRequests[1]!.body.messages!.map((m) => m.role);
    expect(roles.slice(-2)).toEqual(['assistant', 'tool']);
    await t.core.messages.send(ctx, { agent, messages: [{ content: 'Who am I?' }] });
    expect(String(t.llm.chatRequests[2]!.body.messages![0]!.content)).toContain('Name: Ada');
  });

  it('returns tool errors to the model: read-only blocks, limits and malformed JSON', async () => {
    const ro = await t.core.blocks.create(ctx, {
      label: 'rules',
      value: 'fixed',
      read_only: true,
      limit: 100,
    });
    await t.core.blocks.attach(ctx, agent.id, ro.id);
    const small = await t.core.blocks.create(ctx, { label: 'notes', value: '', limit: 20 });
    await t.core.blocks.attach(ctx, agent.id, small.id);
    t.llm.script([
      {
        toolCalls: [
          { name: 'memory_replace', arguments: { label: 'rules', old_string: 'fixed', new_string: 'x' } },
        ],
      },
      { toolCalls: [{ name: 'memory_insert', arguments: '{"label": "human", "new_string": ' }] },
      { toolCalls: [{ name: 'memory_insert', arguments: { label: 'notes', new_string: 'y'.repeat(30) } }] },
      { content: 'done' },
    ]);
    const r = await t.core.messages.send(ctx, { agent, messages: [{ content: 'try' }] });
    expect(r.content).toBe('done');
    const returns = r.messages.filter((m) => m.message_type === 'tool_return_message');
    expect(returns.map((m) => m.status)).toEqual(['error', 'error', 'error']);
    expect(String(returns[0]!.tool_return)).toMatch(/read-only/);
    expect(String(returns[1]!.tool_return)).toMatch(/Invalid JSON/);
    expect(String(returns[2]!.tool_return)).toMatch(/limit/);
    const blocks = await t.core.blocks.listForAgent(ctx, agent.id);
    expect(blocks.find((b) => b.label === 'rules')?.value).toBe('fixed');
  });

  it('stops at max_steps', async () => {
    const search = { toolCalls: [{ name: 'conversation_search', arguments: { query: 'x' } }] };
    t.llm.script([search, search, search, search]);
    const r = await t.core.messages.send(ctx, { agent, messages: [{ content: 'loop' }], maxSteps: 3 });
    expect(r.stopReason).toBe('max_steps');
    expect(r.usage.step_count).toBe(3);
  });

  it('memgpt_v2_agent: send_message ends the turn, heartbeats continue it', async () => {
    const { agent: v2 } = await t.core.agents.create(ctx, {
      name: 'v2',
      model: 'gpt-4o-mini',
      agent_type: 'memgpt_v2_agent',
      memory_blocks: [{ label: 'human', value: '' }],
    });
    t.llm.script([
      {
        toolCalls: [
          {
            name: 'memory_insert',
            arguments: { label: 'human', new_string: 'likes tea', request_heartbeat: true },
          },
        ],
      },
      { toolCalls: [{ name: 'send_message', arguments: { message: 'Noted: tea.' } }] },
    ]);
    const r = await t.core.messages.send(ctx, { agent: v2, messages: [{ content: 'I like tea' }] });
    expect(r.content).toBe('Noted: tea.');
    expect(r.stopReason).toBe('end_turn');
    const req = t.llm.chatRequests.at(-1)!.body;
    expect(req.tool_choice).toBe('required');
    expect(JSON.stringify(req.tools)).toContain('request_heartbeat');
  });

  it('keeps conversations separate while they share memory', async () => {
    const other = await t.core.conversations.create(ctx, agent);
    t.llm.script([
      (req) => ({ content: `echo:${lastUserText(req)}` }),
      (req) => ({ content: `echo:${lastUserText(req)}` }),
    ]);
    await t.core.messages.send(ctx, { agent, messages: [{ content: 'in default' }] });
    await t.core.messages.send(ctx, { agent, conversationId: other.id, messages: [{ content: 'in other' }] });
    const req = t.llm.chatRequests.at(-1)!.body;
    expect(JSON.stringify(req.messages)).not.toContain('in default');
    expect(JSON.stringify(req.messages)).toContain('in other');
  });

  it('fails at once with a clear message when the model has no provider', async () => {
    // Checked when the agent is created (issue 18), not first at its first send.
    await expect(
      t.core.agents.create(ctx, { name: 'claude-agent', model: 'anthropic/claude-3-5-haiku' }),
    ).rejects.toThrow(/ANTHROPIC_API_KEY/);
  });

  it('turns a provider error into a failed run and an API error', async () => {
    t.llm.script({ error: { status: 500, message: 'upstream exploded' } });
    const r = await t.core.messages.send(ctx, { agent, messages: [{ content: 'hi' }] });
    expect(r.stopReason).toBe('llm_api_error');
    expect(r.run.status).toBe('failed');
    expect(r.error?.status).toBeGreaterThanOrEqual(502);
  });
});
