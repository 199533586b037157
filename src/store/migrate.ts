/**
 * Applies pending migrations (at server start and by `letta migrate`). Idempotent: applied
 * migrations are recorded by name and skipped; concurrent starts are serialised by Kysely's
 * migration lock, so two processes booting against one PostgreSQL do not race.
 */
import { type Migration, type MigrationProvider, Migrator } from 'kysely';
import { LettaError } from '../errors.js';
import type { DatabaseHandle } from './connect.js';
import { MIGRATIONS } from './migrations/index.js';

export interface MigrationReport {
  applied: string[];
  current: string | null;
}

export async function migrateToLatest(handle: DatabaseHandle): Promise<MigrationReport> {
  const provider: MigrationProvider = {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const step of MIGRATIONS) out[step.name] = { up: (db) => step.up(db, handle.dialect) };
      return out;
    },
  };
  const migrator = new Migrator({ db: handle.db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new LettaError('SERVICE_UNAVAILABLE', `migration ${failed} failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  const all = await migrator.getMigrations();
  const done = all.filter((m) => m.executedAt !== undefined);
  return { applied, current: done.at(-1)?.name ?? null };
}
