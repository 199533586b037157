/**
 * Each organization gets a secret to sign its run callbacks with (HMAC-SHA256, see
 * `src/net/callback-signature.ts`); created on first use, so existing rows start without one.
 */
import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialect/store-dialect.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
export async function up(db: Kysely<any>, _dialect: StoreDialect): Promise<void> {
  await db.schema.alterTable('organizations').addColumn('callback_secret', 'text').execute();
}
