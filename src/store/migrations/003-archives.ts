/**
 * Archives as resources (Letta V1 `/v1/archives`): an archive gets a description, metadata and
 * an update time; an agent–archive link records when it was made, so the archive an agent writes
 * to (the first attached: its own, or the first shared one) stays the same when more are
 * attached. Links made before this migration sort first (empty time). Archives are listed per
 * organization by (created_at, id).
 */
import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialect/store-dialect.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
export async function up(db: Kysely<any>, _dialect: StoreDialect): Promise<void> {
  await db.schema.alterTable('archives').addColumn('description', 'text').execute();
  await db.schema
    .alterTable('archives')
    .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await db.schema.alterTable('archives').addColumn('updated_at', 'text').execute();
  await db.schema
    .alterTable('archives_agents')
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema
    .createIndex('archives_org_created')
    .on('archives')
    .columns(['organization_id', 'created_at', 'id'])
    .execute();
}
