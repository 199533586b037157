/**
 * The cheapest question that proves the database answers: `SELECT 1` through the pool (so a
 * PostgreSQL pool that cannot connect fails it), bounded by `timeoutMs`.
 *
 * @example
 * await pingDatabase(handle.db, 500); // throws when the database does not answer in time
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.js';

export async function pingDatabase(db: Kysely<Database>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([sql`select 1`.execute(db), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
