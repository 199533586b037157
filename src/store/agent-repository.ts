import type { Kysely, Selectable } from 'kysely';
import { isId } from '../ids.js';
import { contains } from './contains.js';
import type { StoreDialect } from './dialect/store-dialect.js';
import { pageRows, paginate } from './paginate.js';
import { type AgentRecord, type PageQuery, parseJson } from './records.js';
import type { AgentTable, Database } from './schema.js';
import { type BatchedWrite, Statement } from './statement.js';

const BY_ID = new Statement<AgentTable>('SELECT * FROM agents WHERE organization_id = ? AND id = ?');
// Names are not unique (Letta V1): a name finds the oldest agent that has it.
const BY_NAME = new Statement<AgentTable>(
  'SELECT * FROM agents WHERE organization_id = ? AND name = ? ORDER BY created_at, id LIMIT 1',
);
const SET_STOP_REASON = new Statement(
  'UPDATE agents SET last_stop_reason = ?, updated_at = ? WHERE organization_id = ? AND id = ?',
);

export type AgentPatch = Partial<
  Pick<
    AgentRecord,
    | 'name'
    | 'description'
    | 'system'
    | 'model'
    | 'embedding'
    | 'context_window_limit'
    | 'model_settings'
    | 'tool_rules'
    | 'tags'
    | 'metadata'
    | 'last_stop_reason'
    | 'agent_type'
  >
>;

export interface AgentFilter {
  name?: string | undefined;
  /** Agents with any of these tags (all of them with `matchAllTags`). */
  tags?: string[] | undefined;
  matchAllTags?: boolean | undefined;
  /** A case-insensitive part of the name. */
  queryText?: string | undefined;
}

export interface AgentListQuery extends PageQuery, AgentFilter {}

/** Agents, addressed by id or (per organization) by name. */
export class AgentRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: StoreDialect,
  ) {}

  async insert(agent: AgentRecord): Promise<void> {
    await this.db.insertInto('agents').values(toRow(agent)).execute();
  }

  /**
   * Serialises name checks for `name` until the transaction ends (PostgreSQL advisory lock; SQLite
   * transactions are already serial). Call inside a transaction, before checking the name.
   */
  async lockName(org: string, name: string): Promise<void> {
    await this.dialect.lockAgentName(this.db, org, name);
  }

  /** The agent with this id in the organization, or the oldest one with this name. */
  async find(org: string, idOrName: string): Promise<AgentRecord | undefined> {
    const stmt = isId('agent', idOrName) ? BY_ID : BY_NAME;
    const row = await stmt.first(this.db, this.dialect, [org, idOrName]);
    return row && fromRow(row);
  }

  async list(org: string, query: AgentListQuery): Promise<AgentRecord[]> {
    const q = this.filtered(org, query);
    const wanted = query.tags ?? [];
    if (wanted.length === 0) return (await pageRows(q, 'agents', query, org)).map(fromRow);
    const matches = tagMatcher(wanted, query.matchAllTags === true);
    // Tags are JSON text, matched here rather than in SQL: read on in batches until the page holds
    // `limit` matching agents, so a page is never cut short by rows filtered out after the LIMIT.
    // With only `before`, read backwards from it (the page is the matches right before it).
    const backwards = query.before !== undefined && query.after === undefined;
    const scan: AgentListQuery = backwards
      ? { ...query, order: query.order === 'desc' ? 'asc' : 'desc', after: query.before, before: undefined }
      : query;
    const out: AgentRecord[] = [];
    const done = () => (backwards ? out.reverse() : out);
    for (let after = scan.after; ; ) {
      const rows = await paginate(q, 'agents', { ...scan, after, limit: TAG_SCAN_BATCH }, org).execute();
      for (const agent of rows.map(fromRow)) {
        if (!matches(agent.tags)) continue;
        out.push(agent);
        if (out.length === query.limit) return done();
      }
      if (rows.length < TAG_SCAN_BATCH) return done();
      after = rows.at(-1)?.id;
    }
  }

  async update(org: string, id: string, patch: AgentPatch, updatedAt: string): Promise<void> {
    const row: Partial<AgentTable> = { updated_at: updatedAt };
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) continue;
      (row as Record<string, unknown>)[k] = JSON_COLUMNS.has(k) ? JSON.stringify(v) : v;
    }
    await this.db
      .updateTable('agents')
      .set(row)
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .execute();
  }

  /** Records how the agent's last run ended (once per run). */
  async setLastStopReason(org: string, id: string, stopReason: string, at: string): Promise<void> {
    await SET_STOP_REASON.execute(this.db, this.dialect, [stopReason, at, org, id]);
  }

  /** {@link setLastStopReason} as a write of a batch. */
  setLastStopReasonWrite(org: string, id: string, stopReason: string, at: string): BatchedWrite {
    return SET_STOP_REASON.write([stopReason, at, org, id]);
  }

  async delete(org: string, id: string): Promise<boolean> {
    const res = await this.db
      .deleteFrom('agents')
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  async count(org: string, filter: AgentFilter = {}): Promise<number> {
    const wanted = filter.tags ?? [];
    if (wanted.length === 0) {
      const r = await this.filtered(org, filter)
        .clearSelect()
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(r.n);
    }
    // Tags are JSON text: read only that column and match here.
    const matches = tagMatcher(wanted, filter.matchAllTags === true);
    const rows = await this.filtered(org, filter).clearSelect().select('tags').execute();
    return rows.filter((r) => matches(parseJson<string[]>(r.tags, []))).length;
  }

  private filtered(org: string, filter: AgentFilter) {
    let q = this.db.selectFrom('agents').selectAll().where('organization_id', '=', org);
    if (filter.name !== undefined) q = q.where('name', '=', filter.name);
    if (filter.queryText) q = q.where(contains('name', filter.queryText));
    return q;
  }
}

const TAG_SCAN_BATCH = 200;

/** Letta's tag filter: any of `wanted`, or all of them. */
function tagMatcher(wanted: string[], all: boolean): (tags: string[]) => boolean {
  return all
    ? (tags) => wanted.every((t) => tags.includes(t))
    : (tags) => wanted.some((t) => tags.includes(t));
}

const JSON_COLUMNS = new Set(['model_settings', 'tool_rules', 'tags', 'metadata']);

function toRow(a: AgentRecord): AgentTable {
  return {
    ...a,
    model_settings: JSON.stringify(a.model_settings),
    tool_rules: JSON.stringify(a.tool_rules),
    tags: JSON.stringify(a.tags),
    metadata: JSON.stringify(a.metadata),
  };
}

function fromRow(r: Selectable<AgentTable>): AgentRecord {
  return {
    ...r,
    model_settings: parseJson(r.model_settings, {}),
    tool_rules: parseJson(r.tool_rules, []),
    tags: parseJson(r.tags, []),
    metadata: parseJson(r.metadata, {}),
  };
}
