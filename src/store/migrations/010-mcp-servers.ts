/**
 * MCP servers an organization registered (`/v1/mcp-servers`): one row each, names unique per
 * organization. Their tools are rows of `tools` (`tool_type` `external_mcp`, the server in
 * `metadata`).
 */
import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialect/store-dialect.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
export async function up(db: Kysely<any>, _dialect: StoreDialect): Promise<void> {
  await db.schema
    .createTable('mcp_servers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) =>
      c.notNull().references('organizations.id').onDelete('cascade'),
    )
    .addColumn('server_name', 'text', (c) => c.notNull())
    .addColumn('server_type', 'text', (c) => c.notNull())
    .addColumn('server_url', 'text')
    .addColumn('auth_header', 'text')
    .addColumn('auth_token', 'text')
    .addColumn('custom_headers', 'text')
    .addColumn('command', 'text')
    .addColumn('args', 'text')
    .addColumn('env', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('mcp_servers_org_name', ['organization_id', 'server_name'])
    .execute();
}
