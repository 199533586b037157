/**
 * The storage conformance suite, agents: run unchanged on a real SQLite file and a real
 * PostgreSQL database (`describe.each(DIALECTS)`).
 * Agents: insert/find by id and name, keyset pages in both orders, tag and name filters, updates of
 * JSON columns, and delete with everything that belongs to the agent.
 */
import { describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.js';
import { DIALECTS } from '../support/databases.js';
import {
  agentRecord,
  blockRecord,
  conversationRecord,
  ids,
  messageRecord,
  runRecord,
  stepRecord,
  storeFixture,
  tick,
  toolRecord,
  uid,
} from '../support/store-fixture.js';

describe.each(DIALECTS)('store: agents (%s)', (dialect) => {
  const { store, newOrg, seedAgent, countRows } = storeFixture(dialect);

  it('inserts and finds by id and by name, with JSON columns parsed', async () => {
    const org = await newOrg();
    const agent = agentRecord(org, {
      tags: ['a', 'b'],
      metadata: { k: [1, { x: true }] },
      model_settings: { temperature: 0.2 },
      tool_rules: [{ tool_name: 'send_message', type: 'exit_loop' }],
    });
    await store.agents.insert(agent);
    expect(await store.agents.find(org, agent.id)).toEqual(agent);
    expect(await store.agents.find(org, agent.name)).toEqual(agent);
    expect(await store.agents.find(org, 'nobody')).toBeUndefined();
    expect(await store.agents.find(org, newId('agent'))).toBeUndefined();
    expect(await store.agents.count(org)).toBe(1);
  });

  it('allows one name twice (as Letta V1 does); a name finds the oldest agent of the organization', async () => {
    const [orgA, orgB] = [await newOrg(), await newOrg()];
    const oldest = agentRecord(orgA, { name: 'sam' });
    const newer = agentRecord(orgA, { name: 'sam' });
    await store.agents.insert(newer); // inserted first, created later: order is by created_at
    await store.agents.insert(oldest);
    await store.agents.insert(agentRecord(orgB, { name: 'sam' }));
    expect((await store.agents.find(orgA, 'sam'))?.id).toBe(oldest.id);
    expect(await store.agents.list(orgA, { limit: 10, name: 'sam' })).toHaveLength(2);
    expect(await store.agents.count(orgA, { name: 'sam' })).toBe(2);
    expect((await store.agents.find(orgB, 'sam'))?.organization_id).toBe(orgB);
  });

  it('pages with after/before cursors in both orders, ending with an empty page', async () => {
    const org = await newOrg();
    const same = tick();
    // Two agents share a created_at: the id breaks the tie.
    const agents = [
      agentRecord(org),
      agentRecord(org, { created_at: same }),
      agentRecord(org, { created_at: same }),
    ];
    agents.push(agentRecord(org), agentRecord(org));
    for (const a of [...agents].reverse()) await store.agents.insert(a);
    const asc = [...agents].sort(
      (x, y) => x.created_at.localeCompare(y.created_at) || x.id.localeCompare(y.id),
    );
    const ascIds = ids(asc);
    const descIds = [...ascIds].reverse();

    expect(ids(await store.agents.list(org, { limit: 50 }))).toEqual(ascIds);
    expect(ids(await store.agents.list(org, { limit: 50, order: 'desc' }))).toEqual(descIds);

    for (const [order, expected] of [
      ['asc', ascIds],
      ['desc', descIds],
    ] as const) {
      const seen: string[] = [];
      let after: string | undefined;
      const pages: number[] = [];
      for (;;) {
        const page = await store.agents.list(org, { limit: 2, order, after });
        pages.push(page.length);
        if (page.length === 0) break;
        seen.push(...ids(page));
        after = page.at(-1)?.id;
      }
      expect(seen).toEqual(expected);
      expect(pages).toEqual([2, 2, 1, 0]);
    }

    const [a0, a1, a2, a3, a4] = ascIds;
    expect(ids(await store.agents.list(org, { limit: 50, before: a3 }))).toEqual([a0, a1, a2]);
    expect(ids(await store.agents.list(org, { limit: 50, order: 'desc', before: a1 }))).toEqual([a4, a3, a2]);
    expect(ids(await store.agents.list(org, { limit: 50, after: a0, before: a4 }))).toEqual([a1, a2, a3]);
    expect(ids(await store.agents.list(org, { limit: 50, order: 'desc', after: a4, before: a0 }))).toEqual([
      a3,
      a2,
      a1,
    ]);
    expect(await store.agents.list(org, { limit: 50, after: a4 })).toEqual([]);
    expect(await store.agents.list(org, { limit: 50, before: a0 })).toEqual([]);
    expect(await store.agents.list(org, { limit: 50, after: newId('agent') })).toEqual([]);
    expect(ids(await store.agents.list(org, { limit: 50, name: asc[2]?.name }))).toEqual([a2]);
    // Only `before`: the page right before the cursor, so walking back with the first id sees all.
    expect(ids(await store.agents.list(org, { limit: 2, before: a4 }))).toEqual([a2, a3]);
    expect(ids(await store.agents.list(org, { limit: 2, order: 'desc', before: a0 }))).toEqual([a2, a1]);
    const back: string[] = [];
    for (let before = a4; ; ) {
      const page = await store.agents.list(org, { limit: 2, before });
      if (page.length === 0) break;
      back.unshift(...ids(page));
      before = page[0]?.id as string;
    }
    expect(back).toEqual([a0, a1, a2, a3]);
  });

  it('filters by tags (any, or all with matchAllTags), by part of the name, and still fills each page', async () => {
    const org = await newOrg();
    const tagged: string[] = [];
    for (let i = 0; i < 9; i++) {
      const tags = i % 3 === 0 ? ['prod', 'eu'] : i % 3 === 1 ? ['prod'] : ['dev'];
      const a = agentRecord(org, { tags });
      await store.agents.insert(a);
      if (tags.includes('eu')) tagged.push(a.id);
    }
    const all = { limit: 50, tags: ['prod', 'eu'], matchAllTags: true };
    expect(ids(await store.agents.list(org, all))).toEqual(tagged);
    expect(await store.agents.count(org, all)).toBe(3);
    expect(await store.agents.list(org, { limit: 50, tags: ['prod', 'eu'] })).toHaveLength(6);
    expect(await store.agents.count(org, { tags: ['eu', 'dev'] })).toBe(6);
    expect(await store.agents.list(org, { limit: 50, tags: ['prod'] })).toHaveLength(6);
    expect(await store.agents.list(org, { limit: 50, tags: ['Prod'] })).toEqual([]);
    expect(await store.agents.list(org, { limit: 50, tags: ['nope'] })).toEqual([]);
    // A page of `limit` rows is `limit` matching rows, not `limit` rows filtered afterwards.
    const first = await store.agents.list(org, { limit: 2, tags: ['eu'] });
    expect(ids(first)).toEqual(tagged.slice(0, 2));
    const second = await store.agents.list(org, { limit: 2, tags: ['eu'], after: first.at(-1)?.id });
    expect(ids(second)).toEqual(tagged.slice(2));
    expect(await store.agents.list(org, { limit: 2, tags: ['eu'], after: second.at(-1)?.id })).toEqual([]);
    expect(ids(await store.agents.list(org, { limit: 2, tags: ['eu'], before: second.at(-1)?.id }))).toEqual(
      tagged.slice(0, 2),
    );

    const named = ['Wf-Alpha', 'wf_beta', 'other%'].map((name) => agentRecord(org, { name }));
    for (const a of named) await store.agents.insert(a);
    const byText = async (queryText: string) =>
      (await store.agents.list(org, { limit: 50, queryText })).map((a) => a.name).sort();
    expect(await byText('WF')).toEqual(['Wf-Alpha', 'wf_beta']);
    expect(await byText('_')).toEqual(['wf_beta']); // LIKE wildcards are literal
    expect(await byText('%')).toEqual(['other%']);
    expect(await store.agents.count(org, { queryText: 'wf' })).toBe(2);
  });

  it('updates plain and JSON columns, leaving the rest alone', async () => {
    const org = await newOrg();
    const agent = agentRecord(org, { tags: ['old'] });
    await store.agents.insert(agent);
    const at = tick();
    await store.agents.update(
      org,
      agent.id,
      {
        description: 'new',
        tags: ['x', 'y'],
        metadata: { nested: { list: [1, 2, null] } },
        model_settings: { temperature: 0.7, max_output_tokens: 256 },
        tool_rules: [{ type: 'continue_loop', tool_name: 'search' }],
        context_window_limit: null,
        name: undefined,
      },
      at,
    );
    expect(await store.agents.find(org, agent.id)).toEqual({
      ...agent,
      description: 'new',
      tags: ['x', 'y'],
      metadata: { nested: { list: [1, 2, null] } },
      model_settings: { temperature: 0.7, max_output_tokens: 256 },
      tool_rules: [{ type: 'continue_loop', tool_name: 'search' }],
      context_window_limit: null,
      updated_at: at,
    });
  });

  it('deletes an agent with its conversations, messages, links, runs and steps, but not its blocks', async () => {
    const org = await newOrg();
    const { agent, conversation } = await seedAgent(org);
    await store.conversations.insert(conversationRecord(org, agent.id));
    await store.messages.insertMany([
      messageRecord(org, agent.id, conversation.id),
      messageRecord(org, agent.id, conversation.id, { role: 'assistant', content: 'hi' }),
    ]);
    const block = blockRecord(org);
    await store.blocks.insert(block);
    await store.blocks.attach(org, agent.id, block.id);
    const tool = toolRecord(org, `t_${uid()}`);
    await store.tools.insert(tool);
    await store.tools.attach(org, agent.id, [tool.id]);
    const run = runRecord(org, agent.id, conversation.id);
    await store.runs.insert(run);
    await store.runs.addStep(stepRecord(run, { prompt: 1, completion: 1 }));
    await store.runs.appendEvents(org, run.id, [{ seq_id: 1, payload: { a: 1 } }], tick());
    const tables = [
      'conversations',
      'messages',
      'agents_blocks',
      'agents_tools',
      'runs',
      'steps',
      'run_events',
    ] as const;
    for (const t of tables) expect(await countRows(t, agent.id), t).toBeGreaterThan(0);

    expect(await store.agents.delete(org, agent.id)).toBe(true);
    expect(await store.agents.delete(org, agent.id)).toBe(false);
    expect(await store.agents.find(org, agent.id)).toBeUndefined();
    for (const t of tables) expect(await countRows(t, agent.id), t).toBe(0);
    expect(await store.blocks.get(org, block.id)).toEqual(block);
    expect(await store.tools.get(org, tool.id)).toEqual(tool);
  });
});
