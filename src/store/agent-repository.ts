import type { Kysely, Selectable } from 'kysely';
import { isId } from '../ids.js';
import type { DialectName } from './dialect-name.js';
import { paginate } from './paginate.js';
import { type AgentRecord, type PageQuery, parseJson } from './records.js';
import type { AgentTable, Database } from './schema.js';
import { Statement } from './statement.js';

const BY_ID = new Statement<AgentTable>('SELECT * FROM agents WHERE organization_id = ? AND id = ?');
const BY_NAME = new Statement<AgentTable>('SELECT * FROM agents WHERE organization_id = ? AND name = ?');
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

export interface AgentListQuery extends PageQuery {
  name?: string | undefined;
  tags?: string[] | undefined;
}

/** Agents, addressed by id or (per organization) by name. */
export class AgentRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
  ) {}

  async insert(agent: AgentRecord): Promise<void> {
    await this.db.insertInto('agents').values(toRow(agent)).execute();
  }

  /** The agent with this id or name in the organization. */
  async find(org: string, idOrName: string): Promise<AgentRecord | undefined> {
    const stmt = isId('agent', idOrName) ? BY_ID : BY_NAME;
    const row = await stmt.first(this.db, this.dialect, [org, idOrName]);
    return row && fromRow(row);
  }

  async list(org: string, query: AgentListQuery): Promise<AgentRecord[]> {
    let q = this.db.selectFrom('agents').selectAll().where('organization_id', '=', org);
    if (query.name !== undefined) q = q.where('name', '=', query.name);
    const wanted = query.tags ?? [];
    if (wanted.length === 0) return (await paginate(q, 'agents', query).execute()).map(fromRow);
    // Tags are JSON text, matched here rather than in SQL: read on in batches until the page holds
    // `limit` matching agents, so a page is never cut short by rows filtered out after the LIMIT.
    const out: AgentRecord[] = [];
    for (let after = query.after; ; ) {
      const rows = await paginate(q, 'agents', { ...query, after, limit: TAG_SCAN_BATCH }).execute();
      for (const agent of rows.map(fromRow)) {
        if (!wanted.every((t) => agent.tags.includes(t))) continue;
        out.push(agent);
        if (out.length === query.limit) return out;
      }
      if (rows.length < TAG_SCAN_BATCH) return out;
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

  async delete(org: string, id: string): Promise<boolean> {
    const res = await this.db
      .deleteFrom('agents')
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  async count(org: string): Promise<number> {
    const r = await this.db
      .selectFrom('agents')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('organization_id', '=', org)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}

const TAG_SCAN_BATCH = 200;

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
