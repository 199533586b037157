/**
 * MCP servers of an organization: insert (names are unique per organization: inserting a taken
 * name answers `false`), read by id or name, list by name, replace, delete.
 */
import type { Kysely, Selectable } from 'kysely';
import { type McpServerRecord, type McpServerType, parseJson } from './records.js';
import type { Database, McpServerTable } from './schema.js';

export type { McpServerRecord };

export class McpServerRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inserts the server; false when the organization already has a server of that name. */
  async insert(server: McpServerRecord): Promise<boolean> {
    const r = await this.db
      .insertInto('mcp_servers')
      .values(toRow(server))
      .onConflict((oc) => oc.columns(['organization_id', 'server_name']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async get(org: string, id: string): Promise<McpServerRecord | undefined> {
    const row = await this.db
      .selectFrom('mcp_servers')
      .selectAll()
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  async getByName(org: string, name: string): Promise<McpServerRecord | undefined> {
    const row = await this.db
      .selectFrom('mcp_servers')
      .selectAll()
      .where('organization_id', '=', org)
      .where('server_name', '=', name)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  /** The organization's servers, by name. */
  async list(org: string): Promise<McpServerRecord[]> {
    const rows = await this.db
      .selectFrom('mcp_servers')
      .selectAll()
      .where('organization_id', '=', org)
      .orderBy('server_name')
      .execute();
    return rows.map(fromRow);
  }

  /** Replaces every field but id, organization and creation time (not when the name is taken). */
  async update(org: string, server: McpServerRecord): Promise<'updated' | 'name_taken' | 'not_found'> {
    const { id, organization_id: _o, created_at: _c, ...fields } = toRow(server);
    const clash = await this.db
      .selectFrom('mcp_servers')
      .select('id')
      .where('organization_id', '=', org)
      .where('server_name', '=', fields.server_name)
      .where('id', '!=', id)
      .executeTakeFirst();
    if (clash) return 'name_taken';
    const r = await this.db
      .updateTable('mcp_servers')
      .set(fields)
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0 ? 'updated' : 'not_found';
  }

  async delete(org: string, id: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('mcp_servers')
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}

function toRow(s: McpServerRecord): McpServerTable {
  const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));
  return {
    ...s,
    custom_headers: json(s.custom_headers),
    args: json(s.args),
    env: json(s.env),
  };
}

function fromRow(r: Selectable<McpServerTable>): McpServerRecord {
  return {
    ...r,
    server_type: r.server_type as McpServerType,
    custom_headers: parseJson<Record<string, string> | null>(r.custom_headers, null),
    args: parseJson<string[] | null>(r.args, null),
    env: parseJson<Record<string, string> | null>(r.env, null),
  };
}
