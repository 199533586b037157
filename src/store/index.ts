export { type DatabaseHandle, type DatabaseOptions, openDatabase, redact } from './connect.js';
export {
  type DialectName,
  dialectNamed,
  postgresDialect,
  type StoreDialect,
  sqliteDialect,
} from './dialect/index.js';
export { type MigrationReport, migrateToLatest } from './migrate.js';
export * from './records.js';
export { Store } from './store.js';
