/**
 * `letta migrate`: apply pending migrations to the configured database (SQLite in $LETTA_HOME,
 * or PostgreSQL with --pg-uri / LETTA_PG_URI), print what was applied, exit 0. Safe to run while
 * servers are up: migrations are serialised by a lock and skipped once applied.
 */
import { resolveConfig } from '../config.js';
import { migrateToLatest, openDatabase } from '../store/index.js';

export async function runMigrate(flags: { pgUri?: string }): Promise<number> {
  const config = resolveConfig({ pgUri: flags.pgUri }, process.env);
  const database = await openDatabase({ pgUri: config.pgUri, sqlitePath: config.sqlitePath });
  try {
    const report = await migrateToLatest(database);
    const where = `${database.dialect.name} database ${database.location}`;
    for (const name of report.applied) process.stdout.write(`applied ${name}\n`);
    process.stdout.write(
      report.applied.length > 0
        ? `migrated ${where} to ${report.current}\n`
        : `${where} is up to date (${report.current ?? 'no migrations'})\n`,
    );
    return 0;
  } finally {
    await database.close();
  }
}
