/**
 * Human approval of tool calls: a tool's `default_requires_approval` (1/0), and whether an
 * attached tool needs approval for this agent (Letta's `PATCH /v1/agents/{id}/tools/approval/
 * {tool_name}`); null = the tool's default.
 */
import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialect/store-dialect.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
export async function up(db: Kysely<any>, _dialect: StoreDialect): Promise<void> {
  await db.schema.alterTable('agents_tools').addColumn('requires_approval', 'integer').execute();
  await db.schema.alterTable('tools').addColumn('default_requires_approval', 'integer').execute();
}
