/**
 * Opens the database: SQLite (better-sqlite3, WAL, foreign keys on) by default, PostgreSQL (pg)
 * when a URI is given. The rest of the code sees only `Kysely<Database>` and the dialect object.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type SQLite from 'better-sqlite3';
import { Kysely, type LogEvent, PostgresDialect, SqliteDialect } from 'kysely';
import type pg from 'pg';
import { LettaError } from '../errors.js';
import { faultTranslatingDialect } from './database-faults.js';
import { postgresDialect } from './dialect/postgres-dialect.js';
import { sqliteDialect } from './dialect/sqlite-dialect.js';
import type { StoreDialect } from './dialect/store-dialect.js';
import type { Database } from './schema.js';
import { SqliteCheckpointer } from './sqlite-checkpointer.js';

export interface DatabaseHandle {
  db: Kysely<Database>;
  dialect: StoreDialect;
  /** A description safe to log (no password). */
  location: string;
  /** Whether the pgvector / sqlite-vec extension is available. */
  vector: boolean;
  /** The raw SQLite connection (SQLite only), for extensions and virtual tables. */
  sqlite?: SQLite.Database;
  /** The raw PostgreSQL pool (PostgreSQL only), for advisory locks and LISTEN/NOTIFY. */
  pool?: pg.Pool;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** PostgreSQL connection URI; when absent, SQLite at `sqlitePath`. */
  pgUri?: string | undefined;
  sqlitePath: string;
  /** Maximum pooled PostgreSQL connections. */
  poolSize?: number;
  /** Told when a PostgreSQL connection is lost (at most once every 5 s), e.g. to log it. */
  onConnectionLost?: ((err: Error) => void) | undefined;
  /** SQLite: the WAL size that triggers a truncating checkpoint (default 32 MiB). */
  walCheckpointBytes?: number | undefined;
  /** SQLite: told when a truncating checkpoint could not finish (busy or an error). */
  onCheckpointBlocked?: ((reason: string) => void) | undefined;
}

/** Opens and checks the database; throws a one-line LettaError when it cannot be reached. */
export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  return options.pgUri
    ? openPostgres(options.pgUri, options.poolSize ?? 10, options.onConnectionLost)
    : openSqlite(options.sqlitePath, options);
}

async function openSqlite(path: string, options: DatabaseOptions): Promise<DatabaseHandle> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  // Each driver is imported only by the dialect that uses it (start-up time).
  const { default: Driver } = await import('better-sqlite3');
  let sqlite: SQLite.Database;
  try {
    sqlite = new Driver(path);
  } catch (err) {
    throw new LettaError(
      'SERVICE_UNAVAILABLE',
      `cannot open SQLite database ${path}: ${(err as Error).message}`,
    );
  }
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  // SQLite's lower() folds ASCII only; PostgreSQL's folds all of Unicode. Search lower()s both
  // sides, so give SQLite JavaScript's folding and the two dialects find the same messages.
  sqlite.function('lower', { deterministic: true }, (s: unknown) =>
    typeof s === 'string' ? s.toLowerCase() : s,
  );
  let vector = false;
  try {
    const sqliteVec = await import('sqlite-vec');
    sqliteVec.load(sqlite);
    vector = true;
  } catch {
    vector = false;
  }
  const db = new Kysely<Database>({
    dialect: faultTranslatingDialect(new SqliteDialect({ database: withStatementCache(sqlite) })),
    log: slowQueryLog(),
  });
  let lastBlockedWarning = 0;
  const checkpointer =
    path === ':memory:'
      ? undefined
      : new SqliteCheckpointer(sqlite, path, {
          truncateBytes: options.walCheckpointBytes,
          onTruncate: (r) => {
            if (r.truncated || Date.now() - lastBlockedWarning < 30_000) return;
            lastBlockedWarning = Date.now();
            options.onCheckpointBlocked?.(r.error ?? 'busy');
          },
        });
  return {
    db,
    dialect: sqliteDialect,
    location: path,
    vector,
    sqlite,
    close: async () => {
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}

async function openPostgres(
  uri: string,
  poolSize: number,
  onConnectionLost: ((err: Error) => void) | undefined,
): Promise<DatabaseHandle> {
  const { default: pg } = await import('pg');
  // int8 (bigserial seq, counts) as JS numbers: every value we store fits in 2^53.
  pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));
  const pool = new pg.Pool({ connectionString: uri, max: poolSize, connectionTimeoutMillis: 5000 });
  // A connection can die at any time (pg_terminate_backend, a restart, a cut network). pg emits
  // 'error' on the client; unheard, that would end the process. The pool listens only while a
  // client is idle, so every client gets a listener of its own for its whole life: the statement
  // in flight fails (DATABASE_UNAVAILABLE), and the pool drops the dead client on release.
  let lastWarned = 0;
  const onClientError = (err: Error) => {
    if (Date.now() - lastWarned < 5000) return;
    lastWarned = Date.now();
    onConnectionLost?.(err);
  };
  pool.on('connect', (client) => client.on('error', onClientError));
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it (its own listener logged it).
  });
  const location = redact(uri);
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end().catch(() => {});
    throw new LettaError(
      'SERVICE_UNAVAILABLE',
      `cannot reach PostgreSQL at ${location}: ${(err as Error).message}`,
    );
  }
  let vector = false;
  try {
    await pool.query('CREATE EXTENSION IF NOT EXISTS vector');
    vector = true;
  } catch {
    const { rows } = await pool.query("SELECT 1 FROM pg_extension WHERE extname = 'vector'");
    vector = rows.length > 0;
  }
  const db = new Kysely<Database>({
    dialect: faultTranslatingDialect(new PostgresDialect({ pool })),
    log: slowQueryLog(),
  });
  return { db, dialect: postgresDialect, location, vector, pool, close: () => db.destroy() };
}

/**
 * better-sqlite3 compiles a statement on every `prepare`; Kysely prepares every query. Caching
 * prepared statements by SQL text (bounded, oldest dropped first) removes that cost from the hot
 * path: a send runs the same dozen statements every time.
 */
function withStatementCache(sqlite: SQLite.Database, max = 500): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>();
  const prepare = sqlite.prepare.bind(sqlite);
  return new Proxy(sqlite, {
    get(target, prop, receiver) {
      if (prop !== 'prepare') return Reflect.get(target, prop, receiver);
      return (source: string) => {
        let stmt = cache.get(source);
        if (!stmt) {
          stmt = prepare(source);
          cache.set(source, stmt);
          if (cache.size > max) cache.delete(cache.keys().next().value as string);
        }
        return stmt;
      };
    },
  });
}

/**
 * With LETTA_SLOW_QUERY_MS set, queries slower than that are written to stderr with their SQL
 * (no parameters, so no user data): the first tool to reach for when a send gets slow.
 */
function slowQueryLog(): ((event: LogEvent) => void) | undefined {
  const threshold = Number(process.env.LETTA_SLOW_QUERY_MS);
  if (!Number.isFinite(threshold) || threshold <= 0) return undefined;
  return (event) => {
    if (event.queryDurationMillis >= threshold) {
      process.stderr.write(
        `slow query ${event.queryDurationMillis.toFixed(1)}ms: ${event.query.sql.slice(0, 300)}\n`,
      );
    }
  };
}

/** The URI without its password, for logs and errors. */
export function redact(uri: string): string {
  try {
    const u = new URL(uri);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable uri)';
  }
}
