import { type Kysely, type Selectable, sql } from 'kysely';
import { contains } from './contains.js';
import type { StoreDialect } from './dialect/store-dialect.js';
import { pageRows } from './paginate.js';
import { type Json, type JsonObject, type PageQuery, parseJson, type ToolRecord } from './records.js';
import type { Database, ToolTable } from './schema.js';
import { Statement } from './statement.js';

const FOR_AGENT = new Statement<Selectable<ToolTable> & { agent_requires_approval: number | null }>(
  `SELECT tools.*, agents_tools.requires_approval AS agent_requires_approval FROM agents_tools INNER JOIN tools ON tools.id = agents_tools.tool_id
   WHERE agents_tools.organization_id = ? AND agents_tools.agent_id = ? ORDER BY tools.name`,
);

/** Letta's tool filters (list and count). */
export interface ToolFilter {
  name?: string | undefined;
  names?: string[] | undefined;
  ids?: string[] | undefined;
  /** A case-insensitive part of the name. */
  search?: string | undefined;
  toolTypes?: string[] | undefined;
  excludeToolTypes?: string[] | undefined;
  /** Only (`true`) or no (`false`) tools whose `tool_type` starts with `letta_`. */
  lettaTools?: boolean | undefined;
}

export interface ToolListQuery extends PageQuery, ToolFilter {}

/** Tools (built-in ones are rows too, one set per organization) and their agents. */
export class ToolRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: StoreDialect,
  ) {}

  /** Inserts tools that do not exist yet by name; existing ones are left alone. */
  async insertMissing(tools: ToolRecord[]): Promise<void> {
    if (tools.length === 0) return;
    await this.db
      .insertInto('tools')
      .values(tools.map(toRow))
      .onConflict((oc) => oc.columns(['organization_id', 'name']).doNothing())
      .execute();
  }

  async insert(tool: ToolRecord): Promise<void> {
    await this.db.insertInto('tools').values(toRow(tool)).execute();
  }

  /** Replaces a tool's definition (source, schemas, requirements); name and id stay. */
  async replaceDefinition(org: string, id: string, t: ToolRecord): Promise<void> {
    const row = toRow(t);
    await this.db
      .updateTable('tools')
      .set({
        description: row.description,
        tool_type: row.tool_type,
        source_type: row.source_type,
        source_code: row.source_code,
        json_schema: row.json_schema,
        tags: row.tags,
        return_char_limit: row.return_char_limit,
        args_json_schema: row.args_json_schema,
        pip_requirements: row.pip_requirements,
        npm_requirements: row.npm_requirements,
        metadata: row.metadata,
        updated_at: row.updated_at,
      })
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .execute();
  }

  async get(org: string, id: string): Promise<ToolRecord | undefined> {
    const row = await this.db
      .selectFrom('tools')
      .selectAll()
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  async findByNames(org: string, names: string[]): Promise<ToolRecord[]> {
    if (names.length === 0) return [];
    const rows = await this.db
      .selectFrom('tools')
      .selectAll()
      .where('organization_id', '=', org)
      .where('name', 'in', names)
      .execute();
    return rows.map(fromRow);
  }

  async list(org: string, query: ToolListQuery): Promise<ToolRecord[]> {
    return (await pageRows(this.filtered(org, query), 'tools', query, org)).map(fromRow);
  }

  async count(org: string, filter: ToolFilter): Promise<number> {
    const r = await this.filtered(org, filter)
      .clearSelect()
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  private filtered(org: string, f: ToolFilter) {
    let q = this.db.selectFrom('tools').selectAll().where('organization_id', '=', org);
    if (f.name !== undefined) q = q.where('name', '=', f.name);
    if (f.names !== undefined)
      q = f.names.length > 0 ? q.where('name', 'in', f.names) : q.where(sql<boolean>`1 = 0`);
    if (f.ids !== undefined) q = f.ids.length > 0 ? q.where('id', 'in', f.ids) : q.where(sql<boolean>`1 = 0`);
    if (f.search) q = q.where(contains('name', f.search));
    if (f.toolTypes && f.toolTypes.length > 0) q = q.where('tool_type', 'in', f.toolTypes);
    if (f.excludeToolTypes && f.excludeToolTypes.length > 0)
      q = q.where('tool_type', 'not in', f.excludeToolTypes);
    if (f.lettaTools === true) q = q.where(sql<boolean>`tool_type like 'letta\\_%' escape '\\'`);
    if (f.lettaTools === false) q = q.where(sql<boolean>`tool_type not like 'letta\\_%' escape '\\'`);
    return q;
  }

  /**
   * Whether any organization has Python to run: a custom Python tool, or `run_code` attached to
   * an agent (the server then loads its Python sandbox at start).
   */
  async pythonInUse(): Promise<boolean> {
    const custom = await this.db
      .selectFrom('tools')
      .select('id')
      .where('tool_type', '=', 'custom')
      .where((eb) => eb.or([eb('source_type', 'is', null), eb('source_type', '=', 'python')]))
      .limit(1)
      .executeTakeFirst();
    if (custom) return true;
    const runCode = await this.db
      .selectFrom('agents_tools')
      .innerJoin('tools', 'tools.id', 'agents_tools.tool_id')
      .select('tools.id')
      .where('tools.name', '=', 'run_code')
      .limit(1)
      .executeTakeFirst();
    return runCode !== undefined;
  }

  async listForAgent(org: string, agentId: string): Promise<ToolRecord[]> {
    return (await FOR_AGENT.rows(this.db, this.dialect, [org, agentId])).map(
      ({ agent_requires_approval: a, ...r }) => {
        const tool = fromRow(r);
        return { ...tool, requires_approval: a === null ? tool.default_requires_approval : a === 1 };
      },
    );
  }

  /** Sets whether the agent's calls of its tool `name` need approval; false when not attached. */
  async setApproval(org: string, agentId: string, name: string, requires: boolean): Promise<boolean> {
    const r = await this.db
      .updateTable('agents_tools')
      .set({ requires_approval: requires ? 1 : 0 })
      .where('organization_id', '=', org)
      .where('agent_id', '=', agentId)
      .where('tool_id', 'in', (eb) =>
        eb.selectFrom('tools').select('id').where('organization_id', '=', org).where('name', '=', name),
      )
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Links the tools to the agent; only tools and an agent of `org` are linked. */
  async attach(org: string, agentId: string, toolIds: string[]): Promise<void> {
    if (toolIds.length === 0) return;
    const owned = await this.db
      .selectFrom('tools')
      .innerJoin('agents', 'agents.organization_id', 'tools.organization_id')
      .select('tools.id')
      .where('agents.organization_id', '=', org)
      .where('agents.id', '=', agentId)
      .where('tools.id', 'in', toolIds)
      .execute();
    if (owned.length === 0) return;
    await this.db
      .insertInto('agents_tools')
      .values(owned.map((t) => ({ agent_id: agentId, tool_id: t.id, organization_id: org })))
      .onConflict((oc) => oc.columns(['agent_id', 'tool_id']).doNothing())
      .execute();
  }

  async detach(org: string, agentId: string, toolId: string): Promise<void> {
    await this.db
      .deleteFrom('agents_tools')
      .where('organization_id', '=', org)
      .where('agent_id', '=', agentId)
      .where('tool_id', '=', toolId)
      .execute();
  }

  /** Replaces a tool's editable fields (custom tools; the caller checks it is not built in). */
  async update(org: string, tool: ToolRecord): Promise<void> {
    const { id, organization_id: _org, created_at: _c, ...fields } = toRow(tool);
    await this.db
      .updateTable('tools')
      .set(fields)
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .execute();
  }

  async delete(org: string, id: string): Promise<boolean> {
    const res = await this.db
      .deleteFrom('tools')
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}

function toRow({ requires_approval: _agent, ...t }: ToolRecord): Omit<
  ToolTable,
  'default_requires_approval'
> & {
  default_requires_approval: number;
} {
  return {
    ...t,
    default_requires_approval: t.default_requires_approval ? 1 : 0,
    json_schema: JSON.stringify(t.json_schema),
    tags: JSON.stringify(t.tags),
    args_json_schema: jsonOrNull(t.args_json_schema),
    pip_requirements: jsonOrNull(t.pip_requirements),
    npm_requirements: jsonOrNull(t.npm_requirements),
    metadata: JSON.stringify(t.metadata),
  };
}

function jsonOrNull(v: Json | undefined): string | null {
  return v === undefined || v === null ? null : JSON.stringify(v);
}

function fromRow(r: Selectable<ToolTable>): ToolRecord {
  return {
    ...r,
    json_schema: parseJson(r.json_schema, {}),
    tags: parseJson(r.tags, []),
    default_requires_approval: r.default_requires_approval === 1,
    args_json_schema: parseJson<JsonObject | null>(r.args_json_schema, null),
    pip_requirements: parseJson<Json[] | null>(r.pip_requirements, null),
    npm_requirements: parseJson<Json[] | null>(r.npm_requirements, null),
    metadata: parseJson<JsonObject>(r.metadata, {}),
  };
}
