/**
 * `letta keys create|list|revoke`: manage API keys in the configured database (SQLite in
 * $LETTA_HOME, or PostgreSQL with --pg-uri / LETTA_PG_URI). `create` prints the new key alone on
 * the last line of stdout, once; it is stored only hashed. A running server notices a revoke
 * within 30 s (its key cache TTL).
 */
import { resolveConfig } from '../config.js';
import { ApiKeyService } from '../services/api-key-service.js';
import { migrateToLatest, openDatabase, Store } from '../store/index.js';

async function withKeys<T>(pgUri: string | undefined, fn: (keys: ApiKeyService) => Promise<T>): Promise<T> {
  const config = resolveConfig({ pgUri }, process.env);
  const database = await openDatabase({ pgUri: config.pgUri, sqlitePath: config.sqlitePath });
  try {
    await migrateToLatest(database);
    const store = new Store(database.db, database.dialect);
    await store.organizations.ensureDefault();
    return await fn(new ApiKeyService(store));
  } finally {
    await database.close();
  }
}

export async function runKeysCreate(flags: { org: string; label?: string; pgUri?: string }): Promise<number> {
  const created = await withKeys(flags.pgUri, (keys) => keys.create(flags.org, flags.label));
  process.stdout.write(
    `created API key ${created.id} for organization '${created.organization_name}'` +
      `${created.label ? ` (${created.label})` : ''}; it is shown once, store it now:\n${created.key}\n`,
  );
  return 0;
}

export async function runKeysList(flags: { org?: string; pgUri?: string }): Promise<number> {
  const rows = await withKeys(flags.pgUri, (keys) => keys.list(flags.org));
  const table = [
    ['ID', 'ORG', 'LABEL', 'PREFIX', 'CREATED', 'REVOKED'],
    ...rows.map((k) => [
      k.id,
      k.organization_name,
      k.label ?? '',
      `${k.prefix}…`,
      k.created_at,
      k.revoked_at ?? '',
    ]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  for (const row of table) {
    process.stdout.write(
      `${row
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
  }
  return 0;
}

export async function runKeysRevoke(id: string, flags: { pgUri?: string }): Promise<number> {
  await withKeys(flags.pgUri, (keys) => keys.revoke(id));
  process.stdout.write(`revoked API key ${id}\n`);
  return 0;
}
