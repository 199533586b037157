/**
 * `letta keys create|list|revoke|callback-secret`: manage API keys and callback secrets in the
 * configured database (SQLite in $LETTA_HOME, or PostgreSQL with --pg-uri / LETTA_PG_URI). `create` prints the new key alone on
 * the last line of stdout, once; it is stored only hashed. A running server notices a revoke
 * within 30 s (its key cache TTL).
 */
import { resolveConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { OutboundClient, OutboundPolicy } from '../net/index.js';
import { ApiKeyService } from '../services/api-key-service.js';
import { CallbackService } from '../services/callback-service.js';
import { migrateToLatest, openDatabase, Store } from '../store/index.js';

function withKeys<T>(pgUri: string | undefined, fn: (keys: ApiKeyService) => Promise<T>): Promise<T> {
  return withStore(pgUri, (store) => fn(new ApiKeyService(store)));
}

async function withStore<T>(pgUri: string | undefined, fn: (store: Store) => Promise<T>): Promise<T> {
  const config = resolveConfig({ pgUri }, process.env);
  const database = await openDatabase({ pgUri: config.pgUri, sqlitePath: config.sqlitePath });
  try {
    await migrateToLatest(database);
    const store = new Store(database.db, database.dialect);
    await store.organizations.ensureDefault();
    return await fn(store);
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

/** `letta keys callback-secret --org <name> [--rotate]`: the secret alone on the last line. */
export async function runKeysCallbackSecret(flags: {
  org: string;
  rotate?: boolean;
  pgUri?: string;
}): Promise<number> {
  const { organizationId, secret } = await withStore(flags.pgUri, (store) =>
    new CallbackService(store, new OutboundClient(new OutboundPolicy()), createLogger('silent')).secretByName(
      flags.org,
      flags.rotate === true,
    ),
  );
  process.stdout.write(
    `${flags.rotate ? 'new ' : ''}callback signing secret of organization '${flags.org}' (${organizationId}); ` +
      `callbacks carry X-Letta-Signature: t=<unix>,v1=<HMAC-SHA256 of "<t>.<body>">:\n${secret}\n`,
  );
  return 0;
}
