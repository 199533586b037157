/**
 * Agent files bring custom tools with what a sandbox needs to run them later: the argument
 * schema Letta keeps beside `json_schema`, the Python and npm packages they require, and the
 * tool's metadata (an MCP tool's server). JSON columns as text on both dialects.
 */
import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialect/store-dialect.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
export async function up(db: Kysely<any>, _dialect: StoreDialect): Promise<void> {
  await db.schema.alterTable('tools').addColumn('args_json_schema', 'text').execute();
  await db.schema.alterTable('tools').addColumn('pip_requirements', 'text').execute();
  await db.schema.alterTable('tools').addColumn('npm_requirements', 'text').execute();
  await db.schema
    .alterTable('tools')
    .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
}
