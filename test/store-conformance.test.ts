/**
 * The storage conformance suite: every repository, run unchanged on a real SQLite file and a real
 * PostgreSQL database (`describe.each(DIALECTS)`). One database per dialect; every test works in
 * an organization of its own, so tests never see each other's rows.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ORG_ID, newId } from '../src/ids.js';
import type {
  AgentRecord,
  BlockRecord,
  ConversationRecord,
  NewMessage,
  RunRecord,
  StepRecord,
  Store,
  ToolRecord,
} from '../src/store/index.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from './support/databases.js';

// Timestamps from a private clock, one second apart, so creation order is explicit.
let clock = Date.parse('2026-01-01T00:00:00.000Z');
function tick(): string {
  clock += 1000;
  return new Date(clock).toISOString();
}
const uid = (): string => randomUUID().slice(0, 8);

function agentRecord(org: string, over: Partial<AgentRecord> = {}): AgentRecord {
  const at = over.created_at ?? tick();
  return {
    id: newId('agent'),
    organization_id: org,
    name: `agent-${uid()}`,
    description: null,
    agent_type: 'letta_v1_agent',
    system: 'You are a helpful agent.',
    model: 'openai/gpt-4o-mini',
    embedding: null,
    context_window_limit: 128000,
    model_settings: {},
    tool_rules: [],
    tags: [],
    metadata: {},
    last_stop_reason: null,
    created_at: at,
    updated_at: at,
    ...over,
  };
}

function blockRecord(org: string, over: Partial<BlockRecord> = {}): BlockRecord {
  const at = tick();
  return {
    id: newId('block'),
    organization_id: org,
    label: 'persona',
    value: 'I am Sam.',
    limit: 5000,
    description: null,
    read_only: false,
    metadata: {},
    tags: [],
    version: 1,
    created_at: at,
    updated_at: at,
    ...over,
  };
}

function toolRecord(org: string, name: string): ToolRecord {
  const at = tick();
  return {
    id: newId('tool'),
    organization_id: org,
    name,
    description: `the ${name} tool`,
    tool_type: 'letta_core',
    source_type: null,
    source_code: null,
    json_schema: { name, description: `the ${name} tool`, parameters: { type: 'object', properties: {} } },
    tags: ['letta-base'],
    return_char_limit: 6000,
    args_json_schema: null,
    pip_requirements: null,
    npm_requirements: null,
    metadata: {},
    created_at: at,
    updated_at: at,
  };
}

function conversationRecord(org: string, agentId: string, over: Partial<ConversationRecord> = {}) {
  const at = tick();
  const c: ConversationRecord = {
    id: newId('conv'),
    organization_id: org,
    agent_id: agentId,
    is_default: false,
    summary: null,
    in_context_message_ids: [],
    memory_fingerprint: null,
    active_run_id: null,
    lease_until: null,
    archived: false,
    last_message_at: null,
    created_at: at,
    updated_at: at,
    ...over,
  };
  return c;
}

function messageRecord(org: string, agent: string, conv: string, over: Partial<NewMessage> = {}): NewMessage {
  return {
    id: newId('message'),
    organization_id: org,
    agent_id: agent,
    conversation_id: conv,
    role: 'user',
    content: 'hello',
    reasoning: null,
    tool_calls: null,
    tool_call_id: null,
    name: null,
    status: null,
    run_id: null,
    step_id: null,
    otid: null,
    tokens: 3,
    metadata: {},
    created_at: tick(),
    ...over,
  };
}

function runRecord(org: string, agent: string, conv: string, over: Partial<RunRecord> = {}): RunRecord {
  const at = tick();
  return {
    id: newId('run'),
    organization_id: org,
    agent_id: agent,
    conversation_id: conv,
    status: 'created',
    stop_reason: null,
    background: false,
    callback_url: null,
    metadata: {},
    prompt_tokens: 0,
    completion_tokens: 0,
    total_tokens: 0,
    step_count: 0,
    owner: null,
    created_at: at,
    updated_at: at,
    completed_at: null,
    ...over,
  };
}

function stepRecord(run: RunRecord, usage: { prompt: number; completion: number }): StepRecord {
  return {
    id: newId('step'),
    organization_id: run.organization_id,
    run_id: run.id,
    agent_id: run.agent_id,
    model: 'openai/gpt-4o-mini',
    prompt_tokens: usage.prompt,
    completion_tokens: usage.completion,
    total_tokens: usage.prompt + usage.completion,
    stop_reason: null,
    created_at: tick(),
  };
}

const ids = (rows: { id: string }[]): string[] => rows.map((r) => r.id);

describe.each(DIALECTS)('store conformance (%s)', (dialect) => {
  let testDb: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    testDb = await createTestDatabase(dialect);
    ({ store } = await testDb.open());
  }, 60_000);

  afterAll(async () => {
    await testDb?.drop();
  });

  /** A fresh organization for one test. */
  async function newOrg(): Promise<string> {
    return (await store.organizations.ensure(`org-${uid()}`)).id;
  }

  /** An agent with its default conversation. */
  async function seedAgent(org: string, over: Partial<AgentRecord> = {}) {
    const agent = agentRecord(org, over);
    await store.agents.insert(agent);
    const conversation = conversationRecord(org, agent.id, { is_default: true });
    await store.conversations.insert(conversation);
    return { agent, conversation };
  }

  async function countRows(
    table: 'conversations' | 'messages' | 'agents_blocks' | 'agents_tools' | 'runs' | 'steps' | 'run_events',
    agentId: string,
  ): Promise<number> {
    const r =
      table === 'steps' || table === 'run_events'
        ? await store.db
            .selectFrom(table)
            .innerJoin('runs', 'runs.id', `${table}.run_id`)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('runs.agent_id', '=', agentId)
            .executeTakeFirstOrThrow()
        : await store.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('agent_id', '=', agentId)
            .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  describe('organizations', () => {
    it('ensureDefault is idempotent, also when called concurrently', async () => {
      const [a, b] = await Promise.all([
        store.organizations.ensureDefault(),
        store.organizations.ensureDefault(),
      ]);
      const c = await store.organizations.ensureDefault();
      expect(a.id).toBe(DEFAULT_ORG_ID);
      expect(b.id).toBe(DEFAULT_ORG_ID);
      expect(c).toEqual(await store.organizations.get(DEFAULT_ORG_ID));
      const all = await store.organizations.list();
      expect(all.filter((o) => o.id === DEFAULT_ORG_ID)).toHaveLength(1);
    });

    it('ensure(name) creates once and then returns the same organization', async () => {
      const name = `acme-${uid()}`;
      const results = await Promise.all(Array.from({ length: 5 }, () => store.organizations.ensure(name)));
      const again = await store.organizations.ensure(name);
      expect(new Set(results.map((o) => o.id)).size).toBe(1);
      expect(again.id).toBe(results[0]?.id);
      expect(again.id).toMatch(/^org-/);
      expect(await store.organizations.getByName(name)).toEqual(again);
      expect((await store.organizations.list()).filter((o) => o.name === name)).toHaveLength(1);
    });
  });

  describe('agents', () => {
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
      expect(ids(await store.agents.list(org, { limit: 50, order: 'desc', before: a1 }))).toEqual([
        a4,
        a3,
        a2,
      ]);
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
      expect(
        ids(await store.agents.list(org, { limit: 2, tags: ['eu'], before: second.at(-1)?.id })),
      ).toEqual(tagged.slice(0, 2));

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

  describe('blocks', () => {
    it('inserts, gets and lists by label', async () => {
      const org = await newOrg();
      const persona = blockRecord(org, { read_only: true, metadata: { a: 1 }, tags: ['t'] });
      const human = blockRecord(org, { label: 'human', value: 'Chad' });
      await store.blocks.insert(persona);
      await store.blocks.insert(human);
      expect(await store.blocks.get(org, persona.id)).toEqual(persona);
      expect(ids(await store.blocks.list(org, { limit: 10 }))).toEqual([persona.id, human.id]);
      expect(ids(await store.blocks.list(org, { limit: 10, label: 'human' }))).toEqual([human.id]);
      expect(ids(await store.blocks.list(org, { limit: 10, order: 'desc' }))).toEqual([human.id, persona.id]);
    });

    it('keeps attachment order, survives re-attach, and lists the agents of a block', async () => {
      const org = await newOrg();
      const { agent } = await seedAgent(org);
      const { agent: other } = await seedAgent(org);
      const blocks = [
        blockRecord(org, { label: 'b1' }),
        blockRecord(org, { label: 'b2' }),
        blockRecord(org, { label: 'b3' }),
      ];
      // Inserted in reverse, attached in order: order is the attachment's, not the block's.
      for (const b of [...blocks].reverse()) await store.blocks.insert(b);
      for (const b of blocks) await store.blocks.attach(org, agent.id, b.id);
      await store.blocks.attach(org, agent.id, blocks[0]!.id);
      expect((await store.blocks.listForAgent(org, agent.id)).map((b) => b.label)).toEqual([
        'b1',
        'b2',
        'b3',
      ]);

      await store.blocks.detach(org, agent.id, blocks[1]!.id);
      const b4 = blockRecord(org, { label: 'b4' });
      await store.blocks.insert(b4);
      await store.blocks.attach(org, agent.id, b4.id);
      expect((await store.blocks.listForAgent(org, agent.id)).map((b) => b.label)).toEqual([
        'b1',
        'b3',
        'b4',
      ]);

      await store.blocks.attach(org, other.id, blocks[0]!.id);
      expect((await store.blocks.listAgentIds(org, blocks[0]!.id)).sort()).toEqual(
        [agent.id, other.id].sort(),
      );
      expect(await store.blocks.listAgentIds(org, blocks[1]!.id)).toEqual([]);
      expect(await store.blocks.delete(org, blocks[0]!.id)).toBe(true);
      expect((await store.blocks.listForAgent(org, agent.id)).map((b) => b.label)).toEqual(['b3', 'b4']);
    });

    it('bumps the version on every update', async () => {
      const org = await newOrg();
      const block = blockRecord(org);
      await store.blocks.insert(block);
      const at = tick();
      await store.blocks.update(org, block.id, { value: 'v2', read_only: true, tags: ['x'], limit: 10 }, at);
      expect(await store.blocks.get(org, block.id)).toEqual({
        ...block,
        value: 'v2',
        read_only: true,
        tags: ['x'],
        limit: 10,
        version: 2,
        updated_at: at,
      });
      await store.blocks.update(org, block.id, { description: 'd' }, tick());
      expect((await store.blocks.get(org, block.id))?.version).toBe(3);
    });

    it('compareAndSet succeeds only at the current version', async () => {
      const org = await newOrg();
      const block = blockRecord(org);
      await store.blocks.insert(block);
      expect(await store.blocks.compareAndSet(org, block.id, 1, 'second', tick())).toBe(true);
      expect(await store.blocks.compareAndSet(org, block.id, 1, 'stale', tick())).toBe(false);
      const now = await store.blocks.get(org, block.id);
      expect(now?.value).toBe('second');
      expect(now?.version).toBe(2);
      expect(await store.blocks.compareAndSet(org, newId('block'), 1, 'x', tick())).toBe(false);
    });

    it('lets exactly one of many concurrent compareAndSet calls on one version win', async () => {
      const org = await newOrg();
      const block = blockRecord(org);
      await store.blocks.insert(block);
      // A second connection (another process, on PostgreSQL) competes too.
      const { store: other } = await testDb.open();
      const stores = [store, other];
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          stores[i % 2]!.blocks.compareAndSet(org, block.id, 1, `writer-${i}`, tick()),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      const after = await store.blocks.get(org, block.id);
      expect(after?.value).toBe(`writer-${winner}`);
      expect(after?.version).toBe(2);
    });
  });

  describe('tools', () => {
    it('insertMissing is idempotent by name', async () => {
      const org = await newOrg();
      const first = [toolRecord(org, 'send_message'), toolRecord(org, 'memory_insert')];
      await store.tools.insertMissing(first);
      await store.tools.insertMissing([toolRecord(org, 'send_message'), toolRecord(org, 'memory_replace')]);
      await Promise.all([store.tools.insertMissing(first), store.tools.insertMissing([])]);
      const listed = await store.tools.list(org, { limit: 50 });
      expect(listed.map((t) => t.name).sort()).toEqual(['memory_insert', 'memory_replace', 'send_message']);
      const byName = await store.tools.findByNames(org, ['send_message', 'memory_insert', 'nope']);
      expect(byName.map((t) => t.id).sort()).toEqual(ids(first).sort());
      expect(await store.tools.get(org, first[0]!.id)).toEqual(first[0]);
      expect(ids(await store.tools.list(org, { limit: 50, name: 'memory_insert' }))).toEqual([first[1]!.id]);
      expect(await store.tools.findByNames(org, [])).toEqual([]);
    });

    it('attaches (idempotently) and detaches tools', async () => {
      const org = await newOrg();
      const { agent } = await seedAgent(org);
      const tools = [toolRecord(org, 'zeta'), toolRecord(org, 'alpha'), toolRecord(org, 'mid')];
      await store.tools.insertMissing(tools);
      await store.tools.attach(org, agent.id, ids(tools));
      await store.tools.attach(org, agent.id, [tools[0]!.id]);
      await store.tools.attach(org, agent.id, []);
      expect((await store.tools.listForAgent(org, agent.id)).map((t) => t.name)).toEqual([
        'alpha',
        'mid',
        'zeta',
      ]);
      await store.tools.detach(org, agent.id, tools[1]!.id);
      expect((await store.tools.listForAgent(org, agent.id)).map((t) => t.name)).toEqual(['mid', 'zeta']);
      expect(await store.tools.delete(org, tools[2]!.id)).toBe(true);
      expect((await store.tools.listForAgent(org, agent.id)).map((t) => t.name)).toEqual(['zeta']);
    });
  });

  describe('conversations', () => {
    it('finds the default conversation and lists without archived ones', async () => {
      const org = await newOrg();
      const { agent, conversation } = await seedAgent(org);
      const c2 = conversationRecord(org, agent.id);
      const c3 = conversationRecord(org, agent.id);
      await store.conversations.insert(c2);
      await store.conversations.insert(c3);
      const { agent: other } = await seedAgent(org);
      expect(await store.conversations.getDefault(org, agent.id)).toEqual(conversation);
      expect(await store.conversations.get(org, c2.id)).toEqual(c2);

      await store.conversations.update(org, c2.id, { archived: true, summary: 'old talk' }, tick());
      const listed = await store.conversations.list(org, { limit: 10, agentId: agent.id });
      expect(ids(listed)).toEqual([conversation.id, c3.id]);
      const all = await store.conversations.list(org, {
        limit: 10,
        agentId: agent.id,
        includeArchived: true,
      });
      expect(ids(all)).toEqual([conversation.id, c2.id, c3.id]);
      expect(all[1]).toMatchObject({ archived: true, summary: 'old talk' });
      expect(await store.conversations.list(org, { limit: 10 })).toHaveLength(3);
      expect(ids(await store.conversations.list(org, { limit: 10, agentId: other.id }))).toHaveLength(1);
      expect(
        ids(await store.conversations.list(org, { limit: 1, agentId: agent.id, after: conversation.id })),
      ).toEqual([c3.id]);
    });

    it('setContext replaces the in-context ids and, when given, the memory fingerprint', async () => {
      const org = await newOrg();
      const { conversation } = await seedAgent(org);
      const at = tick();
      await store.conversations.setContext(org, conversation.id, ['message-1', 'message-2'], at, 'fp-1');
      expect(await store.conversations.get(org, conversation.id)).toEqual({
        ...conversation,
        in_context_message_ids: ['message-1', 'message-2'],
        memory_fingerprint: 'fp-1',
        last_message_at: at,
        updated_at: at,
      });
      await store.conversations.setContext(org, conversation.id, ['message-3'], tick());
      const after = await store.conversations.get(org, conversation.id);
      expect(after?.in_context_message_ids).toEqual(['message-3']);
      expect(after?.memory_fingerprint).toBe('fp-1');
      await store.conversations.setFingerprint(org, conversation.id, 'fp-2');
      expect((await store.conversations.get(org, conversation.id))?.memory_fingerprint).toBe('fp-2');
    });
  });

  describe('messages', () => {
    it('getMany returns messages in the requested order and skips unknown ids', async () => {
      const org = await newOrg();
      const { agent, conversation } = await seedAgent(org);
      const msgs = Array.from({ length: 5 }, (_, i) =>
        messageRecord(org, agent.id, conversation.id, { content: `m${i}` }),
      );
      msgs.push(
        messageRecord(org, agent.id, conversation.id, {
          role: 'assistant',
          content: null,
          reasoning: 'thinking',
          tool_calls: [{ id: 'call_1', name: 'send_message', arguments: '{"message":"hi"}' }],
          metadata: { heartbeat: true },
        }),
        messageRecord(org, agent.id, conversation.id, {
          role: 'tool',
          content: '{"ok":true}',
          tool_call_id: 'call_1',
          name: 'send_message',
          status: 'success',
        }),
      );
      await store.messages.insertMany(msgs);
      await store.messages.insertMany([]);
      const wanted = [msgs[6]!.id, msgs[2]!.id, newId('message'), msgs[0]!.id, msgs[5]!.id];
      const got = await store.messages.getMany(org, wanted);
      expect(ids(got)).toEqual([msgs[6]!.id, msgs[2]!.id, msgs[0]!.id, msgs[5]!.id]);
      const { seq: _seq, ...assistant } = got[3]!;
      expect(assistant).toEqual(msgs[5]);
      expect(await store.messages.getMany(org, [])).toEqual([]);
      expect((await store.messages.get(org, msgs[6]!.id))?.status).toBe('success');
      expect(await store.messages.count(org, { conversationId: conversation.id })).toBe(7);
    });

    it('assigns a strictly increasing seq in insertion order', async () => {
      const org = await newOrg();
      const { agent, conversation } = await seedAgent(org);
      const batches = [0, 1, 2].map((b) =>
        Array.from({ length: 4 }, (_, i) =>
          messageRecord(org, agent.id, conversation.id, { content: `${b}.${i}` }),
        ),
      );
      for (const batch of batches) await store.messages.insertMany(batch);
      const listed = await store.messages.list(org, { limit: 100, conversationId: conversation.id });
      expect(ids(listed)).toEqual(ids(batches.flat()));
      for (let i = 1; i < listed.length; i++) expect(listed[i]!.seq).toBeGreaterThan(listed[i - 1]!.seq);
      expect(listed.every((m) => Number.isInteger(m.seq))).toBe(true);
    });

    it('lists with after/before cursors in both orders, and by run', async () => {
      const org = await newOrg();
      const { agent, conversation } = await seedAgent(org);
      const run = runRecord(org, agent.id, conversation.id);
      const msgs = Array.from({ length: 6 }, (_, i) =>
        messageRecord(org, agent.id, conversation.id, { run_id: i >= 3 ? run.id : null }),
      );
      await store.messages.insertMany(msgs);
      const all = ids(msgs);
      const q = { conversationId: conversation.id };

      const seen: string[] = [];
      const sizes: number[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await store.messages.list(org, { ...q, limit: 4, after });
        sizes.push(page.length);
        if (page.length === 0) break;
        seen.push(...ids(page));
        after = page.at(-1)?.id;
      }
      expect(seen).toEqual(all);
      expect(sizes).toEqual([4, 2, 0]);

      expect(ids(await store.messages.list(org, { ...q, limit: 2, order: 'desc' }))).toEqual([
        all[5],
        all[4],
      ]);
      expect(ids(await store.messages.list(org, { ...q, limit: 2, order: 'desc', after: all[4] }))).toEqual([
        all[3],
        all[2],
      ]);
      expect(ids(await store.messages.list(org, { ...q, limit: 10, before: all[2] }))).toEqual([
        all[0],
        all[1],
      ]);
      expect(ids(await store.messages.list(org, { ...q, limit: 10, order: 'desc', before: all[3] }))).toEqual(
        [all[5], all[4]],
      );
      expect(ids(await store.messages.list(org, { ...q, limit: 10, after: all[0], before: all[3] }))).toEqual(
        [all[1], all[2]],
      );
      expect(await store.messages.list(org, { ...q, limit: 10, order: 'desc', after: all[0] })).toEqual([]);
      expect(ids(await store.messages.list(org, { limit: 10, runId: run.id }))).toEqual(all.slice(3));
      expect(ids(await store.messages.list(org, { limit: 10, agentId: agent.id, order: 'desc' }))).toEqual(
        [...all].reverse(),
      );
    });

    it('searches by keyword (case-insensitive, any term), role and date, newest first, never system', async () => {
      const org = await newOrg();
      const { agent, conversation } = await seedAgent(org);
      const m = (role: NewMessage['role'], content: string, created_at: string) =>
        messageRecord(org, agent.id, conversation.id, { role, content, created_at });
      const msgs = [
        m('system', 'You love Pizza.', '2025-01-01T00:00:00.000Z'),
        m('user', 'I love PIZZA with pineapple', '2025-01-02T00:00:00.000Z'),
        m('assistant', 'Pizza is great; 100% agreed_', '2025-01-03T00:00:00.000Z'),
        m('user', 'what about pasta?', '2025-01-04T00:00:00.000Z'),
        m('tool', '{"result":"pizza"}', '2025-01-05T00:00:00.000Z'),
      ];
      await store.messages.insertMany(msgs);
      const search = async (q: Partial<Parameters<Store['messages']['search']>[1]>) =>
        ids(await store.messages.search(org, { agentId: agent.id, limit: 10, ...q }));
      const [, u1, a1, u2, t1] = ids(msgs);

      expect(await search({ query: 'pizza' })).toEqual([t1, a1, u1]);
      expect(await search({ query: 'PiZzA pasta' })).toEqual([t1, u2, a1, u1]);
      expect(await search({ query: 'pizza', roles: ['user'] })).toEqual([u1]);
      expect(await search({ query: 'pizza', roles: ['user', 'assistant'] })).toEqual([a1, u1]);
      expect(
        await search({ startDate: '2025-01-02T12:00:00.000Z', endDate: '2025-01-04T00:00:00.000Z' }),
      ).toEqual([u2, a1]);
      expect(await search({})).toEqual([t1, u2, a1, u1]);
      expect(await search({ query: 'pizza', limit: 1 })).toEqual([t1]);
      expect(await search({ query: '100%' })).toEqual([a1]);
      expect(await search({ query: 'sushi' })).toEqual([]);
      // Case folding covers more than ASCII, on both dialects.
      const umlaut = m('user', 'ÜBER die Straße', '2025-01-06T00:00:00.000Z');
      await store.messages.insertMany([umlaut]);
      expect(await search({ query: 'über' })).toEqual([umlaut.id]);
      expect(await search({ query: 'STRASSE' })).toEqual([]);
    });

    it('updates content in place (the system message)', async () => {
      const org = await newOrg();
      const { agent, conversation } = await seedAgent(org);
      const sys = messageRecord(org, agent.id, conversation.id, { role: 'system', content: 'old' });
      await store.messages.insertMany([sys]);
      await store.messages.updateContent(org, sys.id, 'new', 42);
      expect(await store.messages.get(org, sys.id)).toMatchObject({ content: 'new', tokens: 42 });
    });
  });

  describe('runs', () => {
    it('transitions only from active states', async () => {
      const org = await newOrg();
      const { agent, conversation } = await seedAgent(org);
      const run = runRecord(org, agent.id, conversation.id, { background: true, metadata: { req: 1 } });
      await store.runs.insert(run);
      expect(await store.runs.get(org, run.id)).toEqual(run);
      expect(await store.runs.transition(org, run.id, 'running', { owner: 'proc-1' }, tick())).toBe(true);
      const done = tick();
      expect(
        await store.runs.transition(
          org,
          run.id,
          'completed',
          { stop_reason: 'end_turn', completed_at: done, metadata: { result: 'ok' } },
          done,
        ),
      ).toBe(true);
      expect(await store.runs.transition(org, run.id, 'failed', { stop_reason: 'error' }, tick())).toBe(
        false,
      );
      expect(await store.runs.transition(org, run.id, 'running', {}, tick())).toBe(false);
      expect(await store.runs.get(org, run.id)).toEqual({
        ...run,
        status: 'completed',
        stop_reason: 'end_turn',
        owner: 'proc-1',
        metadata: { result: 'ok' },
        completed_at: done,
        updated_at: done,
      });
    });

    it('addStep records steps; the run gets its total usage when it ends', async () => {
      const org = await newOrg();
      const { agent, conversation } = await seedAgent(org);
      const run = runRecord(org, agent.id, conversation.id);
      await store.runs.insert(run);
      const s1 = stepRecord(run, { prompt: 100, completion: 20 });
      const s2 = stepRecord(run, { prompt: 150, completion: 5 });
      await store.runs.addStep(s1);
      await store.runs.addStep(s2);
      const usage = { prompt_tokens: 250, completion_tokens: 25, total_tokens: 275, step_count: 2 };
      await store.runs.transition(
        org,
        run.id,
        'completed',
        { stop_reason: 'end_turn', usage },
        s2.created_at,
      );
      expect(await store.runs.get(org, run.id)).toMatchObject({ ...usage, updated_at: s2.created_at });
      expect(await store.runs.listSteps(org, run.id)).toEqual([s1, s2]);
    });

    it('lists runs by agent, conversation and status', async () => {
      const org = await newOrg();
      const { agent, conversation } = await seedAgent(org);
      const c2 = conversationRecord(org, agent.id);
      await store.conversations.insert(c2);
      const r1 = runRecord(org, agent.id, conversation.id, { status: 'completed' });
      const r2 = runRecord(org, agent.id, c2.id, { status: 'running' });
      const r3 = runRecord(org, agent.id, conversation.id, { status: 'failed' });
      for (const r of [r1, r2, r3]) await store.runs.insert(r);
      expect(ids(await store.runs.list(org, { limit: 10, agentId: agent.id }))).toEqual([
        r1.id,
        r2.id,
        r3.id,
      ]);
      expect(
        ids(await store.runs.list(org, { limit: 10, conversationId: conversation.id, order: 'desc' })),
      ).toEqual([r3.id, r1.id]);
      expect(ids(await store.runs.list(org, { limit: 10, statuses: ['running', 'failed'] }))).toEqual([
        r2.id,
        r3.id,
      ]);
      expect(ids(await store.runs.list(org, { limit: 10, after: r1.id }))).toEqual([r2.id, r3.id]);
    });

    it('failOrphans fails the active runs of one owner, or of everyone', async () => {
      const org = await newOrg();
      const { agent, conversation } = await seedAgent(org);
      const owner = `proc-${uid()}`;
      const mine = runRecord(org, agent.id, conversation.id, { status: 'running', owner });
      const mineQueued = runRecord(org, agent.id, conversation.id, { status: 'created', owner });
      const mineDone = runRecord(org, agent.id, conversation.id, { status: 'completed', owner });
      const theirs = runRecord(org, agent.id, conversation.id, { status: 'running', owner: `proc-${uid()}` });
      for (const r of [mine, mineQueued, mineDone, theirs]) await store.runs.insert(r);
      const at = tick();
      expect(await store.runs.failOrphans(owner, at)).toBe(2);
      expect(await store.runs.get(org, mine.id)).toMatchObject({
        status: 'failed',
        stop_reason: 'error',
        completed_at: at,
      });
      expect((await store.runs.get(org, mineQueued.id))?.status).toBe('failed');
      expect((await store.runs.get(org, mineDone.id))?.status).toBe('completed');
      expect((await store.runs.get(org, theirs.id))?.status).toBe('running');
      expect(await store.runs.failOrphans(null, tick())).toBeGreaterThanOrEqual(1);
      expect((await store.runs.get(org, theirs.id))?.status).toBe('failed');
      expect(await store.runs.failOrphans(owner, tick())).toBe(0);
    });

    it('failStaleCreated fails only runs still created before the cutoff; getAny ignores the org', async () => {
      const org = await newOrg();
      const { agent, conversation } = await seedAgent(org);
      const stale = runRecord(org, agent.id, conversation.id);
      const staleRunning = runRecord(org, agent.id, conversation.id, { status: 'running' });
      const cutoff = tick();
      const fresh = runRecord(org, agent.id, conversation.id);
      for (const r of [stale, staleRunning, fresh]) await store.runs.insert(r);
      const at = tick();
      expect(await store.runs.failStaleCreated(cutoff, at)).toBeGreaterThanOrEqual(1);
      expect(await store.runs.get(org, stale.id)).toMatchObject({
        status: 'failed',
        stop_reason: 'error',
        completed_at: at,
      });
      expect((await store.runs.get(org, staleRunning.id))?.status).toBe('running');
      expect((await store.runs.get(org, fresh.id))?.status).toBe('created');
      expect((await store.runs.getAny(fresh.id))?.organization_id).toBe(org);
      expect(await store.runs.getAny(newId('run'))).toBeUndefined();
    });

    it('appends stream events and lists them starting after a seq_id', async () => {
      const org = await newOrg();
      const { agent, conversation } = await seedAgent(org);
      const run = runRecord(org, agent.id, conversation.id);
      await store.runs.insert(run);
      const events = Array.from({ length: 5 }, (_, i) => ({
        seq_id: i + 1,
        payload: { type: 'delta', n: i, s: 'ü' },
      }));
      await store.runs.appendEvents(org, run.id, events.slice(0, 3), tick());
      await store.runs.appendEvents(org, run.id, events.slice(3), tick());
      await store.runs.appendEvents(org, run.id, [], tick());
      expect(await store.runs.listEvents(org, run.id, 0)).toEqual(events);
      expect(await store.runs.listEvents(org, run.id, 3)).toEqual(events.slice(3));
      expect(await store.runs.listEvents(org, run.id, 5)).toEqual([]);
      // A seq_id is stored once.
      await expect(store.runs.appendEvents(org, run.id, [events[0]!], tick())).rejects.toThrow();
    });
  });

  describe('claims', () => {
    const lease = (ms: number) => new Date(clock + ms).toISOString();

    it('claims, refuses a second claim while held, renews and releases', async () => {
      const org = await newOrg();
      const { conversation } = await seedAgent(org);
      const now = tick();
      expect(Boolean(await store.claims.claim(conversation.id, 'run-a', now, lease(30_000)))).toBe(true);
      expect(await store.claims.holder(conversation.id)).toBe('run-a');
      expect(Boolean(await store.claims.claim(conversation.id, 'run-b', now, lease(30_000)))).toBe(false);
      await store.claims.renew(['run-a'], lease(60_000));
      expect((await store.conversations.get(org, conversation.id))?.lease_until).toBe(lease(60_000));
      // Only the holder can release.
      await store.claims.release(conversation.id, 'run-b');
      expect(await store.claims.holder(conversation.id)).toBe('run-a');
      await store.claims.release(conversation.id, 'run-a');
      expect(await store.claims.holder(conversation.id)).toBeNull();
      expect(Boolean(await store.claims.claim(conversation.id, 'run-b', tick(), lease(30_000)))).toBe(true);
      expect(Boolean(await store.claims.claim(newId('conv'), 'run-c', tick(), lease(30_000)))).toBe(false);
    });

    it('lets a lapsed lease be taken over, and releaseLapsed clears only lapsed claims', async () => {
      const org = await newOrg();
      const { agent, conversation } = await seedAgent(org);
      const held = conversationRecord(org, agent.id);
      await store.conversations.insert(held);
      const start = tick();
      expect(Boolean(await store.claims.claim(conversation.id, 'run-old', start, lease(500)))).toBe(true);
      expect(Boolean(await store.claims.claim(held.id, 'run-held', start, lease(3_600_000)))).toBe(true);
      const later = tick();
      expect(Boolean(await store.claims.claim(conversation.id, 'run-new', later, lease(30_000)))).toBe(true);
      expect(await store.claims.holder(conversation.id)).toBe('run-new');

      await store.claims.renew(['run-new'], new Date(clock - 1).toISOString());
      const lapsed = await store.claims.releaseLapsed(tick());
      expect(lapsed).toContain('run-new');
      expect(lapsed).not.toContain('run-held');
      expect(await store.claims.holder(conversation.id)).toBeNull();
      expect(await store.claims.holder(held.id)).toBe('run-held');
      await store.claims.release(held.id, 'run-held');
    });

    it('lets exactly one of many concurrent claimants win', async () => {
      const org = await newOrg();
      const { conversation } = await seedAgent(org);
      const { store: other } = await testDb.open();
      const stores = [store, other];
      const now = tick();
      const results = await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          stores[i % 2]!.claims.claim(conversation.id, `run-${i}`, now, lease(30_000)).then(Boolean),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.claims.holder(conversation.id)).toBe(`run-${results.indexOf(true)}`);
    });

    it('releaseAll clears every claim', async () => {
      const org = await newOrg();
      const { conversation } = await seedAgent(org);
      expect(Boolean(await store.claims.claim(conversation.id, 'run-x', tick(), lease(30_000)))).toBe(true);
      await store.claims.releaseAll();
      expect(await store.claims.holder(conversation.id)).toBeNull();
      expect((await store.conversations.get(org, conversation.id))?.lease_until).toBeNull();
    });
  });

  describe('transactions', () => {
    it('rolls back everything written inside when the callback throws', async () => {
      const org = await newOrg();
      const { agent: existing, conversation: existingConv } = await seedAgent(org);
      const agent = agentRecord(org);
      const conversation = conversationRecord(org, agent.id, { is_default: true });
      const block = blockRecord(org);
      const message = messageRecord(org, agent.id, conversation.id);
      const run = runRecord(org, agent.id, conversation.id);
      await expect(
        store.transaction(async (tx) => {
          await tx.agents.insert(agent);
          await tx.conversations.insert(conversation);
          await tx.blocks.insert(block);
          await tx.blocks.attach(org, agent.id, block.id);
          await tx.messages.insertMany([message]);
          await tx.runs.insert(run);
          await tx.agents.update(org, existing.id, { description: 'changed' }, tick());
          await tx.conversations.setContext(org, existingConv.id, [message.id], tick());
          // A nested transaction joins the outer one.
          await tx.transaction(async (inner) => inner.tools.insertMissing([toolRecord(org, 'inner')]));
          expect(await tx.agents.find(org, agent.id)).toEqual(agent);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await store.agents.find(org, agent.id)).toBeUndefined();
      expect(await store.conversations.get(org, conversation.id)).toBeUndefined();
      expect(await store.blocks.get(org, block.id)).toBeUndefined();
      expect(await store.messages.get(org, message.id)).toBeUndefined();
      expect(await store.runs.get(org, run.id)).toBeUndefined();
      expect(await store.tools.list(org, { limit: 10 })).toEqual([]);
      expect((await store.agents.find(org, existing.id))?.description).toBeNull();
      expect((await store.conversations.get(org, existingConv.id))?.in_context_message_ids).toEqual([]);
    });

    it('rolls back when a statement fails, and commits when the callback returns', async () => {
      const org = await newOrg();
      const first = agentRecord(org, { name: 'dup' });
      await expect(
        store.transaction(async (tx) => {
          await tx.agents.insert(first);
          await tx.agents.insert(agentRecord(org, { id: first.id })); // the same primary key
        }),
      ).rejects.toThrow();
      expect(await store.agents.count(org)).toBe(0);

      const result = await store.transaction(async (tx) => {
        await tx.agents.insert(first);
        return 'ok';
      });
      expect(result).toBe('ok');
      expect(await store.agents.find(org, 'dup')).toEqual(first);
    });
  });

  describe('tenancy', () => {
    it("never shows or changes one organization's rows to a call made with another", async () => {
      const [a, b] = [await newOrg(), await newOrg()];
      const { agent, conversation } = await seedAgent(a, { name: 'shared-name', tags: ['t'] });
      const block = blockRecord(a);
      await store.blocks.insert(block);
      await store.blocks.attach(a, agent.id, block.id);
      const tool = toolRecord(a, 'private_tool');
      await store.tools.insert(tool);
      await store.tools.attach(a, agent.id, [tool.id]);
      const msg = messageRecord(a, agent.id, conversation.id, { content: 'secret pizza' });
      await store.messages.insertMany([msg]);
      const run = runRecord(a, agent.id, conversation.id);
      await store.runs.insert(run);
      await store.runs.addStep(stepRecord(run, { prompt: 1, completion: 1 }));
      await store.runs.appendEvents(a, run.id, [{ seq_id: 1, payload: {} }], tick());

      // Reads with org B.
      expect(await store.agents.find(b, agent.id)).toBeUndefined();
      expect(await store.agents.find(b, agent.name)).toBeUndefined();
      expect(await store.agents.list(b, { limit: 10 })).toEqual([]);
      expect(await store.agents.list(b, { limit: 10, tags: ['t'] })).toEqual([]);
      expect(await store.agents.count(b)).toBe(0);
      expect(await store.blocks.get(b, block.id)).toBeUndefined();
      expect(await store.blocks.list(b, { limit: 10 })).toEqual([]);
      expect(await store.blocks.listForAgent(b, agent.id)).toEqual([]);
      expect(await store.blocks.listAgentIds(b, block.id)).toEqual([]);
      expect(await store.tools.get(b, tool.id)).toBeUndefined();
      expect(await store.tools.list(b, { limit: 10 })).toEqual([]);
      expect(await store.tools.findByNames(b, ['private_tool'])).toEqual([]);
      expect(await store.tools.listForAgent(b, agent.id)).toEqual([]);
      expect(await store.conversations.get(b, conversation.id)).toBeUndefined();
      expect(await store.conversations.getDefault(b, agent.id)).toBeUndefined();
      expect(await store.conversations.list(b, { limit: 10, agentId: agent.id })).toEqual([]);
      expect(await store.messages.get(b, msg.id)).toBeUndefined();
      expect(await store.messages.getMany(b, [msg.id])).toEqual([]);
      expect(await store.messages.list(b, { limit: 10, conversationId: conversation.id })).toEqual([]);
      expect(await store.messages.search(b, { agentId: agent.id, query: 'pizza', limit: 10 })).toEqual([]);
      expect(await store.messages.count(b, { agentId: agent.id })).toBe(0);
      expect(await store.runs.get(b, run.id)).toBeUndefined();
      expect(await store.runs.list(b, { limit: 10, agentId: agent.id })).toEqual([]);
      expect(await store.runs.listSteps(b, run.id)).toEqual([]);
      expect(await store.runs.listEvents(b, run.id, 0)).toEqual([]);

      // Writes with org B change nothing of org A.
      await store.agents.update(b, agent.id, { name: 'hijacked', tags: [] }, tick());
      expect(await store.agents.delete(b, agent.id)).toBe(false);
      await store.blocks.update(b, block.id, { value: 'hijacked' }, tick());
      expect(await store.blocks.compareAndSet(b, block.id, block.version, 'hijacked', tick())).toBe(false);
      await store.blocks.detach(b, agent.id, block.id);
      expect(await store.blocks.delete(b, block.id)).toBe(false);
      await store.tools.detach(b, agent.id, tool.id);
      expect(await store.tools.delete(b, tool.id)).toBe(false);
      await store.conversations.setContext(b, conversation.id, ['message-x'], tick(), 'fp');
      await store.conversations.update(b, conversation.id, { archived: true }, tick());
      await store.messages.updateContent(b, msg.id, 'hijacked', 0);
      expect(await store.runs.transition(b, run.id, 'cancelled', {}, tick())).toBe(false);

      expect(await store.agents.find(a, agent.id)).toEqual(agent);
      expect(await store.blocks.get(a, block.id)).toEqual(block);
      expect(ids(await store.blocks.listForAgent(a, agent.id))).toEqual([block.id]);
      expect(ids(await store.tools.listForAgent(a, agent.id))).toEqual([tool.id]);
      expect(await store.conversations.get(a, conversation.id)).toEqual(conversation);
      expect((await store.messages.get(a, msg.id))?.content).toBe('secret pizza');
      expect((await store.runs.get(a, run.id))?.status).toBe('created');
    });

    it("refuses to link another organization's agent, block or tool", async () => {
      const [a, b] = [await newOrg(), await newOrg()];
      const { agent: agentA } = await seedAgent(a);
      const { agent: agentB } = await seedAgent(b);
      const blockA = blockRecord(a);
      await store.blocks.insert(blockA);
      const toolA = toolRecord(a, 'a_tool');
      await store.tools.insert(toolA);

      // Org B names A's agent, or links A's block/tool to its own agent: no link appears anywhere.
      await store.blocks.attach(b, agentA.id, blockA.id);
      await store.blocks.attach(b, agentB.id, blockA.id);
      await store.tools.attach(b, agentA.id, [toolA.id]);
      await store.tools.attach(b, agentB.id, [toolA.id]);
      for (const [org, agentId] of [
        [a, agentA.id],
        [b, agentA.id],
        [b, agentB.id],
      ] as const) {
        expect(await store.blocks.listForAgent(org, agentId)).toEqual([]);
        expect(await store.tools.listForAgent(org, agentId)).toEqual([]);
      }
      expect(await store.blocks.listAgentIds(a, blockA.id)).toEqual([]);
      expect(await store.blocks.listAgentIds(b, blockA.id)).toEqual([]);
    });
  });
});
