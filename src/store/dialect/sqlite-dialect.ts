/** SQLite (better-sqlite3, sqlite-vec, FTS5): one server process per database file. */
import { sql } from 'kysely';
import { SqlitePassageIndex } from '../vector-index-sqlite.js';
import type { StoreDialect } from './store-dialect.js';

export const sqliteDialect: StoreDialect = {
  name: 'sqlite',
  vectorExtension: 'sqlite-vec',
  sharedByProcesses: false,
  oneStatementBatches: false,
  textPosition: sql.raw('instr'),
  autoIncrementType: 'integer',
  autoIncrementKey: (c) => c.primaryKey().autoIncrement(),
  lockAgentName: async () => {},
  passageIndex: (db, state) => new SqlitePassageIndex(db, state),
  pick: (perDatabase) => perDatabase.sqlite,
};
