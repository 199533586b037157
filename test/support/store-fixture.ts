/**
 * The storage conformance suites' fixture (test/store/*.test.ts): record factories, a private
 * clock, and {@link storeFixture}, which opens a fresh, migrated database of one dialect for a
 * suite (a SQLite file, or a PostgreSQL database) and drops it afterwards. Every test works in an
 * organization of its own, so tests never see each other's rows.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { newId } from '../../src/ids.js';
import type { ArchiveRecord } from '../../src/store/archive-repository.js';
import type {
  AgentRecord,
  BlockRecord,
  ConversationRecord,
  DialectName,
  NewMessage,
  RunRecord,
  StepRecord,
  Store,
  ToolRecord,
} from '../../src/store/index.js';
import type { NewPassage } from '../../src/store/passage-repository.js';
import { createTestDatabase, type TestDatabase } from './databases.js';

// Timestamps from a private clock, one second apart, so creation order is explicit.
let clock = Date.parse('2026-01-01T00:00:00.000Z');

/** The next timestamp of the private clock (one second after the last). */
export function tick(): string {
  clock += 1000;
  return new Date(clock).toISOString();
}
/** A short random suffix for names. */
export const uid = (): string => randomUUID().slice(0, 8);

export function agentRecord(org: string, over: Partial<AgentRecord> = {}): AgentRecord {
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

export function blockRecord(org: string, over: Partial<BlockRecord> = {}): BlockRecord {
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

export function toolRecord(org: string, name: string): ToolRecord {
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
    default_requires_approval: false,
    metadata: {},
    created_at: at,
    updated_at: at,
  };
}

export function conversationRecord(org: string, agentId: string, over: Partial<ConversationRecord> = {}) {
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

export function messageRecord(
  org: string,
  agent: string,
  conv: string,
  over: Partial<NewMessage> = {},
): NewMessage {
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

export function runRecord(
  org: string,
  agent: string,
  conv: string,
  over: Partial<RunRecord> = {},
): RunRecord {
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

export function stepRecord(run: RunRecord, usage: { prompt: number; completion: number }): StepRecord {
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

export const ids = (rows: { id: string }[]): string[] => rows.map((r) => r.id);

/** The private clock's current time (ms), for leases relative to it. */
export function clockNow(): number {
  return clock;
}

export function archiveRecord(org: string, over: Partial<ArchiveRecord> = {}): ArchiveRecord {
  const at = tick();
  return {
    id: newId('archive'),
    organization_id: org,
    name: `archive-${uid()}`,
    description: null,
    metadata: {},
    embedding: null,
    embedding_dim: null,
    created_at: at,
    updated_at: null,
    ...over,
  };
}

export function passageRecord(org: string, archiveId: string, over: Partial<NewPassage> = {}): NewPassage {
  const vector = over.vector ?? null;
  return {
    id: newId('passage'),
    organization_id: org,
    archive_id: archiveId,
    text: 'a passage',
    tags: [],
    metadata: {},
    embedding_model: vector ? 'test/embedder' : null,
    embedding_dim: vector ? vector.length : null,
    created_at: tick(),
    vector,
    ...over,
  };
}

export type CountedTable =
  | 'conversations'
  | 'messages'
  | 'agents_blocks'
  | 'agents_tools'
  | 'runs'
  | 'steps'
  | 'run_events';

export interface StoreFixture {
  /**
   * The suite's store: usable inside tests and hooks (it stands for the store opened before the
   * first test, so it can be destructured at the top of the suite).
   */
  readonly store: Store;
  /** The suite's database: `open()` gives a second store on its own connection. */
  readonly db: TestDatabase;
  /** A fresh organization for one test. */
  newOrg(): Promise<string>;
  /** An agent with its default conversation. */
  seedAgent(
    org: string,
    over?: Partial<AgentRecord>,
  ): Promise<{ agent: AgentRecord; conversation: ConversationRecord }>;
  /** Rows of `table` that belong to the agent (steps and events through their run). */
  countRows(table: CountedTable, agentId: string): Promise<number>;
}

/**
 * A fresh database of `dialect` for the enclosing suite: call it inside `describe.each(DIALECTS)`.
 *
 * @example
 * describe.each(DIALECTS)('blocks (%s)', (dialect) => {
 *   const { store, newOrg } = storeFixture(dialect);
 *   it('…', async () => { await store.blocks.insert(blockRecord(await newOrg())); });
 * });
 */
export function storeFixture(dialect: DialectName): StoreFixture {
  let testDb: TestDatabase | undefined;
  let opened: Store | undefined;
  beforeAll(async () => {
    testDb = await createTestDatabase(dialect);
    ({ store: opened } = await testDb.open());
  }, 60_000);
  afterAll(async () => {
    await testDb?.drop();
  });
  const current = (): Store => {
    if (!opened) throw new Error('storeFixture: the store is open only inside tests');
    return opened;
  };
  // Forwards to the store opened in beforeAll (methods bound to it).
  const store = new Proxy({} as Store, {
    get(_target, prop) {
      const real = current();
      const value: unknown = Reflect.get(real, prop, real);
      return typeof value === 'function' ? value.bind(real) : value;
    },
  });
  const fx: StoreFixture = {
    store,
    get db(): TestDatabase {
      if (!testDb) throw new Error('storeFixture: the database exists only inside tests');
      return testDb;
    },
    async newOrg() {
      return (await fx.store.organizations.ensure(`org-${uid()}`)).id;
    },
    async seedAgent(org, over = {}) {
      const agent = agentRecord(org, over);
      await fx.store.agents.insert(agent);
      const conversation = conversationRecord(org, agent.id, { is_default: true });
      await fx.store.conversations.insert(conversation);
      return { agent, conversation };
    },
    async countRows(table, agentId) {
      const db = fx.store.db;
      const r =
        table === 'steps' || table === 'run_events'
          ? await db
              .selectFrom(table)
              .innerJoin('runs', 'runs.id', `${table}.run_id`)
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('runs.agent_id', '=', agentId)
              .executeTakeFirstOrThrow()
          : await db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('agent_id', '=', agentId)
              .executeTakeFirstOrThrow();
      return Number(r.n);
    },
  };
  return fx;
}
