/**
 * What differs between the two databases, in one object per database (as Kysely's dialects do):
 * repositories, migrations and services ask the dialect instead of comparing its name.
 */
import type { ColumnDefinitionBuilder, Kysely, RawBuilder } from 'kysely';
import type { IndexState, PassageIndex } from '../passage-index.js';
import type { Database } from '../schema.js';
import type { DialectName } from './dialect-name.js';

export interface StoreDialect {
  /** The database's name, as shown in logs and banners (`sqlite`, `postgres`). */
  readonly name: DialectName;
  /** The extension that gives vector search (named in notes when it is missing). */
  readonly vectorExtension: string;
  /**
   * Whether several server processes may share one database (PostgreSQL). When not (SQLite), an
   * exclusive server owns every run in it: at start, every active run is an orphan.
   */
  readonly sharedByProcesses: boolean;
  /**
   * Whether a round trip to the database costs (a server database): a write batch is then sent
   * as one statement (`store/write-batch.ts`); otherwise its writes run one by one.
   */
  readonly oneStatementBatches: boolean;
  /** The SQL function giving the 1-based position of a needle in a text (0 when absent). */
  readonly textPosition: RawBuilder<unknown>;
  /** The type of an auto-increment integer primary key (`messages.seq`). */
  readonly autoIncrementType: 'integer' | 'bigserial';
  /** The constraints of an auto-increment integer primary key, on a column of that type. */
  autoIncrementKey(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /**
   * Serialises agent-name checks for `name` until the transaction ends (PostgreSQL: an advisory
   * lock; SQLite: nothing, its transactions are already serial).
   */
  lockAgentName(db: Kysely<Database>, org: string, name: string): Promise<void>;
  /** The passage search machinery (integer keys, full text, vectors) on this database. */
  passageIndex(db: Kysely<Database>, state: IndexState): PassageIndex;
  /**
   * This database's entry of a table with one entry per database: a migration's steps, written
   * once per database in the migration file (migrations are never edited after release).
   */
  pick<T>(perDatabase: Readonly<Record<DialectName, T>>): T;
}
