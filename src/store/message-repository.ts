import type { Kysely, Selectable } from 'kysely';
import type { StoreDialect } from './dialect/store-dialect.js';
import type { MessageRecord, MessageRole, NewMessage } from './records.js';
import { parseJson } from './records.js';
import type { Database, MessageTable } from './schema.js';
import { type BatchedWrite, InsertStatement, Statement } from './statement.js';

const MESSAGE_COLUMNS = [
  'id',
  'organization_id',
  'agent_id',
  'conversation_id',
  'role',
  'content',
  'reasoning',
  'tool_calls',
  'tool_call_id',
  'name',
  'status',
  'run_id',
  'step_id',
  'otid',
  'tokens',
  'metadata',
  'created_at',
] as const;
const INSERT_MESSAGES = new InsertStatement('messages', MESSAGE_COLUMNS);
const UPDATE_CONTENT = new Statement(
  'UPDATE messages SET content = ?, tokens = ? WHERE organization_id = ? AND id = ?',
);

export interface MessageListQuery {
  limit: number;
  /** A message id: only messages stored after (or before) it. */
  after?: string | undefined;
  before?: string | undefined;
  order?: 'asc' | 'desc' | undefined;
  conversationId?: string | undefined;
  agentId?: string | undefined;
  runId?: string | undefined;
  stepId?: string | undefined;
}

export interface MessageSearchQuery {
  agentId: string;
  query?: string | undefined;
  roles?: MessageRole[] | undefined;
  startDate?: string | undefined;
  endDate?: string | undefined;
  limit: number;
}

/**
 * Messages are immutable once stored (the system message is the one exception: it is rewritten
 * in place when memory changes). `seq` gives a total order used by cursors.
 */
export class MessageRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: StoreDialect,
  ) {}

  async insertMany(messages: NewMessage[]): Promise<void> {
    await INSERT_MESSAGES.execute(this.db, this.dialect, messages.map(insertRow));
  }

  /** {@link insertMany} as writes of a batch. */
  insertWrites(messages: NewMessage[]): BatchedWrite[] {
    return INSERT_MESSAGES.writes(messages.map(insertRow));
  }

  /** The messages with these ids, in the order of `ids` (missing ids are skipped). */
  async getMany(org: string, ids: string[]): Promise<MessageRecord[]> {
    if (ids.length === 0) return [];
    const byId = new Map<string, MessageRecord>();
    // Chunked: SQLite limits bound parameters per statement.
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db
        .selectFrom('messages')
        .selectAll()
        .where('organization_id', '=', org)
        .where('id', 'in', ids.slice(i, i + 500))
        .execute();
      for (const r of rows) byId.set(r.id, fromRow(r));
    }
    const out: MessageRecord[] = [];
    for (const id of ids) {
      const m = byId.get(id);
      if (m) out.push(m);
    }
    return out;
  }

  async get(org: string, id: string): Promise<MessageRecord | undefined> {
    const row = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  async list(org: string, query: MessageListQuery): Promise<MessageRecord[]> {
    let q = this.db.selectFrom('messages').selectAll().where('organization_id', '=', org);
    if (query.conversationId !== undefined) q = q.where('conversation_id', '=', query.conversationId);
    if (query.agentId !== undefined) q = q.where('agent_id', '=', query.agentId);
    if (query.runId !== undefined) q = q.where('run_id', '=', query.runId);
    if (query.stepId !== undefined) q = q.where('step_id', '=', query.stepId);
    const desc = query.order === 'desc';
    if (query.after !== undefined) {
      const after = query.after;
      q = q.where('seq', desc ? '<' : '>', (eb) =>
        eb.selectFrom('messages').select('seq').where('id', '=', after).where('organization_id', '=', org),
      );
    }
    if (query.before !== undefined) {
      const before = query.before;
      q = q.where('seq', desc ? '>' : '<', (eb) =>
        eb.selectFrom('messages').select('seq').where('id', '=', before).where('organization_id', '=', org),
      );
    }
    // With only `before`, the page is the messages right before it (read backwards, then put back
    // in order), so the SDKs' backward auto-pagination reaches every message.
    const backwards = query.before !== undefined && query.after === undefined;
    const rows = await q
      .orderBy('seq', desc !== backwards ? 'desc' : 'asc')
      .limit(query.limit)
      .execute();
    if (backwards) rows.reverse();
    return rows.map(fromRow);
  }

  /** Case-insensitive keyword search over an agent's whole history (recall memory). */
  async search(org: string, query: MessageSearchQuery): Promise<MessageRecord[]> {
    let q = this.db
      .selectFrom('messages')
      .selectAll()
      .where('organization_id', '=', org)
      .where('agent_id', '=', query.agentId)
      .where('role', '!=', 'system');
    if (query.roles && query.roles.length > 0) q = q.where('role', 'in', query.roles);
    if (query.startDate) q = q.where('created_at', '>=', query.startDate);
    if (query.endDate) q = q.where('created_at', '<=', query.endDate);
    const terms = (query.query ?? '')
      .toLowerCase()
      .split(/\s+/)
      .filter((t) => t.length > 0)
      .slice(0, 8)
      // LIKE '%…%' costs the history's length times the term's: terms are cut to 100 characters.
      .map((t) => t.slice(0, 100));
    if (terms.length > 0) {
      q = q.where((eb) =>
        eb.or(terms.map((t) => eb(eb.fn('lower', ['content']), 'like', `%${t.replace(/[%_\\]/g, '')}%`))),
      );
    }
    const rows = await q.orderBy('seq', 'desc').limit(query.limit).execute();
    return rows.map(fromRow);
  }

  async updateContent(org: string, id: string, content: string, tokens: number): Promise<void> {
    await UPDATE_CONTENT.execute(this.db, this.dialect, [content, tokens, org, id]);
  }

  async count(org: string, filter: { agentId?: string; conversationId?: string }): Promise<number> {
    let q = this.db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('organization_id', '=', org);
    if (filter.agentId) q = q.where('agent_id', '=', filter.agentId);
    if (filter.conversationId) q = q.where('conversation_id', '=', filter.conversationId);
    const r = await q.executeTakeFirstOrThrow();
    return Number(r.n);
  }
}

function insertRow(m: NewMessage): unknown[] {
  const row = toRow(m);
  return MESSAGE_COLUMNS.map((c) => row[c]);
}

function toRow(m: NewMessage): Omit<MessageTable, 'seq'> {
  return {
    ...m,
    tool_calls: m.tool_calls === null ? null : JSON.stringify(m.tool_calls),
    metadata: JSON.stringify(m.metadata),
  };
}

function fromRow(r: Selectable<MessageTable>): MessageRecord {
  return {
    ...r,
    seq: Number(r.seq),
    role: r.role as MessageRole,
    status: r.status as MessageRecord['status'],
    tool_calls: r.tool_calls === null ? null : parseJson(r.tool_calls, []),
    metadata: parseJson(r.metadata, {}),
  };
}
