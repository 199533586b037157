import { describe, expect, it } from 'vitest';
import { LettaError } from '../src/errors.js';
import { DEFAULT_ORG_ID } from '../src/ids.js';
import { createTestCore } from './support/core.js';
import { DIALECTS } from './support/databases.js';
import { lastUserText } from './support/fake-llm.js';

const ctx = { org: DEFAULT_ORG_ID };

describe.each(DIALECTS)('concurrent sends on %s', (dialect) => {
  it('queues sends to one conversation in arrival order; the history never interleaves', async () => {
    await using t = await createTestCore(dialect, {
      llm: { defaultReply: (req) => ({ content: `re:${lastUserText(req)}`, delayMs: 3 }) },
    });
    const { agent } = await t.core.agents.create(ctx, { name: 'busy', model: 'gpt-4o-mini' });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.core.messages.send(ctx, { agent, messages: [{ content: `m${i}` }] }),
      ),
    );
    expect(results.map((r) => r.content)).toEqual(Array.from({ length: 20 }, (_, i) => `re:m${i}`));
    const conv = await t.core.conversations.resolve(ctx, agent);
    const history = await t.core.store.messages.list(ctx.org, { conversationId: conv.id, limit: 100 });
    const turns = history.filter((m) => m.role !== 'system');
    expect(turns).toHaveLength(40);
    for (let i = 0; i < 20; i++) {
      expect(turns[2 * i]?.content).toBe(`m${i}`);
      expect(turns[2 * i + 1]?.content).toBe(`re:m${i}`);
    }
  });

  it('answers CONVERSATION_BUSY after the bounded wait', async () => {
    await using t = await createTestCore(dialect, {
      llm: { defaultReply: { content: 'slow', delayMs: 1500 } },
      env: { LETTA_CONVERSATION_WAIT_MS: '200' },
    });
    const { agent } = await t.core.agents.create(ctx, { name: 'slow', model: 'gpt-4o-mini' });
    const first = t.core.messages.send(ctx, { agent, messages: [{ content: 'one' }] });
    await t.llm.waitForRequests(1, 5000, '/v1/chat/completions');
    const second = t.core.messages.send(ctx, { agent, messages: [{ content: 'two' }] });
    await expect(second).rejects.toMatchObject({ code: 'CONVERSATION_BUSY' });
    await expect(second).rejects.toBeInstanceOf(LettaError);
    expect((await first).content).toBe('slow');
  });

  it('runs conversations of one agent in parallel and keeps both memory edits', async () => {
    await using t = await createTestCore(dialect, {
      llm: {
        defaultReply: (req) => {
          const last = req.body.messages?.at(-1);
          if (last?.role === 'user') {
            return {
              toolCalls: [
                {
                  name: 'memory_insert',
                  arguments: { label: 'human', new_string: `fact ${lastUserText(req)}` },
                },
              ],
            };
          }
          return { content: 'saved' };
        },
      },
    });
    const { agent } = await t.core.agents.create(ctx, {
      name: 'shared',
      model: 'gpt-4o-mini',
      memory_blocks: [{ label: 'human', value: '' }],
    });
    const convs = await Promise.all(Array.from({ length: 6 }, () => t.core.conversations.create(ctx, agent)));
    await Promise.all(
      convs.map((c, i) =>
        t.core.messages.send(ctx, { agent, conversationId: c.id, messages: [{ content: `c${i}` }] }),
      ),
    );
    const human = (await t.core.blocks.listForAgent(ctx, agent.id)).find((b) => b.label === 'human')!;
    for (let i = 0; i < 6; i++) expect(human.value).toContain(`fact c${i}`);
    expect(human.value.split('\n')).toHaveLength(6);
  });

  it('cancels a run mid-flight and leaves a well-formed history', async () => {
    await using t = await createTestCore(dialect, {
      llm: { defaultReply: { content: 'late', delayMs: 3000 } },
    });
    const { agent } = await t.core.agents.create(ctx, { name: 'cancel-me', model: 'gpt-4o-mini' });
    const handle = await t.core.messages.start(ctx, { agent, messages: [{ content: 'long task' }] });
    await t.llm.waitForRequests(1, 5000, '/v1/chat/completions');
    const started = Date.now();
    expect(await t.core.messages.cancel(ctx, agent)).toEqual({ [handle.run.id]: 'cancelled' });
    const result = await handle.done;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(result.stopReason).toBe('cancelled');
    expect((await t.core.store.runs.get(ctx.org, handle.run.id))?.status).toBe('cancelled');
    // The conversation is free again and the agent answers normally.
    t.llm.script({ content: 'back' });
    expect((await t.core.messages.send(ctx, { agent, messages: [{ content: 'hi' }] })).content).toBe('back');
    await expect(t.core.messages.cancel(ctx, agent)).rejects.toMatchObject({ code: 'NOTHING_TO_CANCEL' });
  });
});
