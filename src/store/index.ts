export { type DatabaseHandle, type DatabaseOptions, openDatabase, redact } from './connect.js';
export type { DialectName } from './dialect-name.js';
export { type MigrationReport, migrateToLatest } from './migrate.js';
export * from './records.js';
export { Store } from './store.js';
