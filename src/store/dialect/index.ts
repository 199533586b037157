/** The database dialects: everything that differs between SQLite and PostgreSQL lives here. */
import type { DialectName } from './dialect-name.js';
import { postgresDialect } from './postgres-dialect.js';
import { sqliteDialect } from './sqlite-dialect.js';
import type { StoreDialect } from './store-dialect.js';

export type { DialectName } from './dialect-name.js';
export { postgresDialect } from './postgres-dialect.js';
export { sqliteDialect } from './sqlite-dialect.js';
export type { StoreDialect } from './store-dialect.js';

const BY_NAME: Readonly<Record<DialectName, StoreDialect>> = {
  sqlite: sqliteDialect,
  postgres: postgresDialect,
};

/** The dialect object of a database named in a config or a test. */
export function dialectNamed(name: DialectName): StoreDialect {
  return BY_NAME[name];
}
