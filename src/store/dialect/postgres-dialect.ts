/** PostgreSQL (pg, pgvector, tsvector): shared by any number of server processes. */
import { sql } from 'kysely';
import { PostgresPassageIndex } from '../vector-index-postgres.js';
import type { StoreDialect } from './store-dialect.js';

export const postgresDialect: StoreDialect = {
  name: 'postgres',
  vectorExtension: 'pgvector',
  sharedByProcesses: true,
  oneStatementBatches: true,
  textPosition: sql.raw('strpos'),
  autoIncrementType: 'bigserial',
  autoIncrementKey: (c) => c.primaryKey(),
  lockAgentName: async (db, org, name) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`agent-name:${org}:${name}`}))`.execute(db);
  },
  passageIndex: (db, state) => new PostgresPassageIndex(db, state),
  pick: (perDatabase) => perDatabase.postgres,
};
