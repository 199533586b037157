/**
 * Letta's official Python SDK (letta-client 1.12.1) driving the V1 API, on both databases: the
 * script test/python/v1_sdk.py runs as a Python user writes it (create, send, stream, list with
 * auto-pagination, delete) and covers what that SDK found broken: DELETE with an empty JSON body,
 * auto-pagination that never ended (agent tools and blocks, run steps) or skipped message parts,
 * duplicate agent names, tag/text/tool filters, `llm_config.context_window`, the count routes and
 * `/v1/runs/active`, and token-streamed tool-call chunks in strict mode.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import {
  type FakeLlm,
  type FakeReply,
  lastUserText,
  type RecordedRequest,
  startFakeLlm,
} from './support/fake-llm.js';
import { pythonSdk, runPython } from './support/python-sdk.js';
import { REPO_ROOT, startTestServer, type TestServer } from './support/server.js';

/** "remember: X" → reasoning + memory_insert; a tool return → "Noted."; else reasoning + echo. */
function reply(req: RecordedRequest): FakeReply {
  const last = req.body.messages?.at(-1);
  if (last?.role === 'tool') return { content: 'Noted.' };
  const text = lastUserText(req);
  if (text.startsWith('remember: ')) {
    return {
      reasoning: 'I should save this.',
      toolCalls: [{ name: 'memory_insert', arguments: { label: 'human', new_string: text.slice(10) } }],
    };
  }
  return { reasoning: `Thinking about: ${text}`, content: `You said: ${text}` };
}

/** The JSON printed after each `=== name ===`. */
function sections(stdout: string): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const m of stdout.matchAll(/^=== (.+?) === (.*)$/gm)) out[m[1] as string] = JSON.parse(m[2] as string);
  return out;
}

describe.each(DIALECTS)('the official Python SDK against the V1 API (%s)', (dialect) => {
  let python: string;
  let llm: FakeLlm;
  let server: TestServer;
  let s: Record<string, Record<string, unknown>>;

  beforeAll(async () => {
    python = await pythonSdk();
    llm = await startFakeLlm({ defaultReply: reply, embeddingDimension: 32 });
    server = await startTestServer(dialect, {
      env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: llm.url, LETTA_LLM_MAX_RETRIES: '0' },
    });
    const script = join(REPO_ROOT, 'test', 'python', 'v1_sdk.py');
    const run = await runPython(python, script, { LETTA_BASE_URL: server.baseUrl });
    expect(run.code, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`).toBe(0);
    s = sections(run.stdout);
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await llm?.close();
  });

  it('creates an agent, sends, streams tokens and deletes', () => {
    expect(s.happy).toEqual({
      agent: 'py-happy',
      blocks: ['human', 'persona'],
      reply: ['reasoning_message', 'assistant_message'],
      assistant: ['You said: hello from python'],
      stop_reason: 'end_turn',
      streamed: ['assistant_message', 'reasoning_message', 'stop_reason', 'usage_statistics'],
    });
  });

  it('deletes blocks, passages, archives, conversations and agents (empty JSON body)', () => {
    expect(s.delete).toEqual({
      deleted: ['block', 'archival passage', 'archive passage', 'archive', 'conversation', 'agent'],
      agent_gone: true,
      blocks_left: [],
      archives_left: [],
    });
  });

  it("auto-paginates an agent's tools and blocks and a run's steps to the end, once each", () => {
    // The SDK asks for pages until one is empty: n items, k a page → ceil(n / k) + 1 requests.
    expect(s.pagination).toEqual({
      tools: 5, // 3 default tools + 2 asked for
      tool_ids_unique: 5,
      tool_pages: 4,
      blocks: 3,
      block_labels: ['b0', 'b1', 'b2'],
      block_pages: 4,
      steps: 2,
      step_ids_unique: 2,
      step_pages: 3,
    });
  });

  it('pages messages one stored message at a time, reaching every part of a shared id', () => {
    const p = s.message_pagination ?? {};
    expect(p.message_types).toEqual([
      'assistant_message',
      'reasoning_message',
      'system_message',
      'tool_call_message',
      'tool_return_message',
      'user_message',
    ]);
    // Parts of one stored message share its id, as in Letta (reasoning + tool call, reasoning + text).
    expect(p.shared_ids).toBeGreaterThan(0);
    expect(p.limit1_missing).toEqual([]);
    expect(p.limit1_same_order).toBe(true);
    expect(p.newest_first_missing).toEqual([]);
    expect(p.newest_first_count).toBe(p.messages);
    // Backwards (`before`): each page is the stored message next to the cursor, so none is skipped.
    expect(p.backwards_missing).toEqual([]);
  });

  it('lists steps (pages both ways), retrieves one and lists its messages', () => {
    // 3 sends to the pager agent: two "remember:" (2 steps each) and one plain (1 step)
    expect(s.steps).toEqual({
      steps: 5,
      walked_same: true,
      pages: 4,
      backwards_same: true,
      retrieved: true,
      step_message_types: ['reasoning_message', 'tool_call_message', 'tool_return_message'],
      by_model: 5,
      by_other_model: 0,
    });
  });

  it('allows duplicate names (the tutorial API finds the oldest) and filters by tags, text and tool name', () => {
    expect(s.filters).toEqual({
      same_name_ids_differ: true,
      tutorial_finds_oldest: true,
      tutorial_create: '409 AGENT_NAME_TAKEN',
      by_name: true,
      any_tag: ['wf-agent', 'wf-agent', 'wf-other'],
      all_tags: ['wf-other'],
      query_text: ['wf-agent', 'wf-agent', 'wf-other', 'wf-window'],
      tool_by_name: ['memory_insert'],
      tool_search: ['archival_memory_insert', 'archival_memory_search'],
      context_window: 32000,
      context_window_read: 32000,
    });
  });

  it('serves the count routes and /v1/runs/active', () => {
    const c = s.counts ?? {};
    expect(c.agents).toBe(5);
    expect(c.agents_named).toBe(2);
    expect(c.agents_tagged_all).toBe(1);
    expect(c.blocks).toBe(3);
    expect(c.blocks_labelled).toBe(1);
    expect(c.tools).toBe(c.tools_listed);
    expect(c.tools_search).toBe(7);
    expect(c.active_runs).toEqual([]);
  });

  it('streams tool-call chunks as single ToolCallDeltas that strict mode accepts', () => {
    const t = s.tool_call_stream ?? {};
    expect(t.error).toBeUndefined();
    expect(t.types).toEqual([
      'AssistantMessage',
      'LettaStopReason',
      'LettaUsageStatistics',
      'ReasoningMessage',
      'ToolCallMessage',
      'ToolReturnMessage',
    ]);
    expect(t.tool_call_chunks).toBeGreaterThan(1);
    expect(t.names).toEqual(['memory_insert']);
    expect(JSON.parse(String(t.arguments))).toEqual({ label: 'human', new_string: 'streamed tool call' });
    expect(t.tool_calls_is_delta).toBe(true);
  });

  it('deletes everything it listed', () => {
    expect(s.cleanup).toEqual({ agents: 0, blocks: 0 });
  });
});
