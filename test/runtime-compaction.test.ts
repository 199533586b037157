import { describe, expect, it } from 'vitest';
import { DEFAULT_ORG_ID } from '../src/ids.js';
import { countTokens } from '../src/runtime/tokens.js';
import { createTestCore } from './support/core.js';
import { DIALECTS } from './support/databases.js';
import { type FakeMessage, lastUserText, type RecordedRequest } from './support/fake-llm.js';

const ctx = { org: DEFAULT_ORG_ID };
const WINDOW = 3000;

function isSummaryRequest(req: RecordedRequest): boolean {
  return String(req.body.messages![0]?.content ?? '').startsWith('You summarise conversations');
}

/** Tokens of a request as the runtime counts them (content + tool calls per message, plus tools). */
function requestTokens(req: RecordedRequest): number {
  const messages = (req.body.messages ?? []) as FakeMessage[];
  const msgTokens = messages.reduce(
    (n, m) =>
      n +
      countTokens(
        `${typeof m.content === 'string' ? m.content : ''}${m.tool_calls ? JSON.stringify(m.tool_calls) : ''}`,
      ),
    0,
  );
  return msgTokens + countTokens(JSON.stringify(req.body.tools ?? []));
}

describe.each(DIALECTS)('compaction on %s', (dialect) => {
  it('keeps a 300-message conversation working on a tiny window', async () => {
    await using t = await createTestCore(dialect, {
      llm: {
        defaultReply: (req) => {
          if (isSummaryRequest(req))
            return { content: 'The user has been counting and chatting about numbers.' };
          const text = lastUserText(req);
          const last = req.body.messages!.at(-1);
          if (text.startsWith('search') && last?.role === 'user') {
            return { toolCalls: [{ name: 'conversation_search', arguments: { query: 'number 3' } }] };
          }
          return { content: `Reply to "${text}": ${'blah '.repeat(40)}` };
        },
      },
    });
    const { agent } = await t.core.agents.create(ctx, {
      name: 'tiny',
      model: 'gpt-4o-mini',
      context_window_limit: WINDOW,
      memory_blocks: [{ label: 'human', value: 'Counts things.' }],
    });
    for (let i = 0; i < 150; i++) {
      const text = i % 10 === 5 ? `search for number ${i}` : `number ${i}`;
      const r = await t.core.messages.send(ctx, { agent, messages: [{ content: text }] });
      expect(r.stopReason).toBe('end_turn');
    }
    const requests = t.llm.chatRequests.filter((r) => !isSummaryRequest(r));
    const summaries = t.llm.chatRequests.filter(isSummaryRequest);
    expect(summaries.length).toBeGreaterThan(3);
    for (const req of requests) {
      expect(requestTokens(req)).toBeLessThanOrEqual(WINDOW);
      // A tool return always follows its own tool call.
      const messages = (req.body.messages ?? []) as FakeMessage[];
      messages.forEach((m, i) => {
        if (m.role !== 'tool') return;
        const calls = messages
          .slice(0, i)
          .reverse()
          .find((p) => p.role === 'assistant')?.tool_calls;
        expect(calls?.some((c) => c.id === m.tool_call_id)).toBe(true);
      });
    }
    // Evicted messages stay stored and searchable.
    const conv = await t.core.conversations.resolve(ctx, agent);
    const stored = await t.core.store.messages.count(ctx.org, { conversationId: conv.id });
    expect(stored).toBeGreaterThanOrEqual(300);
    const found = await t.core.store.messages.search(ctx.org, {
      agentId: agent.id,
      query: 'number 0',
      limit: 500,
    });
    expect(found.some((m) => m.content === 'number 0')).toBe(true);
    // The context is bounded: the in-context list is far shorter than the history.
    const fresh = await t.core.conversations.resolve(ctx, agent);
    expect(fresh.in_context_message_ids.length).toBeLessThan(60);
  }, 120_000);
});

describe.each(DIALECTS)('context overflow reported by the provider on %s', (dialect) => {
  it('compacts and retries when the provider says the context is too long', async () => {
    await using t = await createTestCore(dialect, {
      llm: {
        defaultReply: (req) =>
          isSummaryRequest(req) ? { content: 'summary' } : { content: `ok ${lastUserText(req)}` },
      },
    });
    const { agent } = await t.core.agents.create(ctx, { name: 'overflow', model: 'gpt-4o-mini' });
    for (let i = 0; i < 10; i++)
      await t.core.messages.send(ctx, { agent, messages: [{ content: `hello ${i}` }] });
    t.llm.script({
      error: {
        status: 400,
        message:
          "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.",
      },
    });
    const r = await t.core.messages.send(ctx, { agent, messages: [{ content: 'one more' }] });
    expect(r.stopReason).toBe('end_turn');
    expect(r.content).toBe('ok one more');
    expect(t.llm.chatRequests.some(isSummaryRequest)).toBe(true);
  });
});
