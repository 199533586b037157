/**
 * Database faults as errors people can act on. A dropped PostgreSQL connection, a restarting
 * server, a full disk or an I/O error is not a bug of ours: it becomes a {@link LettaError} with a
 * stable code (`DATABASE_UNAVAILABLE` 503 with `Retry-After`, `STORAGE_FULL` 507) instead of a 500
 * "unknown error". {@link faultTranslatingDialect} applies this to every statement, so nothing
 * above the store needs to know what a driver's errors look like.
 *
 * @example
 * databaseFault(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }))
 * // → LettaError STORAGE_FULL (507)
 */
import type {
  CompiledQuery,
  DatabaseConnection,
  Dialect,
  Driver,
  QueryResult,
  TransactionSettings,
} from 'kysely';
import { LettaError } from '../errors.js';

/** PostgreSQL SQLSTATEs that mean "the server or the connection went away; try again". */
const PG_UNAVAILABLE = new Set([
  '57P01', // admin_shutdown: pg_terminate_backend, a restart
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or shutting down
  '53300', // too_many_connections
  '08000', // connection_exception
  '08001',
  '08003',
  '08004',
  '08006',
]);

/** PostgreSQL SQLSTATEs that mean "out of space". */
const PG_FULL = new Set(['53100']); // disk_full

/** Socket errors of a lost or unreachable database server. */
const NET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** What pg says when a client lost its connection (these errors carry no code). */
const PG_LOST =
  /Connection terminated|not queryable|timeout exceeded when trying to connect|Connection ended unexpectedly|terminating connection/i;

/** Seconds a client should wait before trying again after DATABASE_UNAVAILABLE. */
export const DATABASE_RETRY_AFTER_SECONDS = 1;

/** The catalog error for a database fault, or undefined when `err` is something else. */
export function databaseFault(err: unknown): LettaError | undefined {
  if (err instanceof LettaError || !(err instanceof Error)) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code === 'SQLITE_FULL' || PG_FULL.has(code)) return storageFull(err);
    if (
      PG_UNAVAILABLE.has(code) ||
      NET_CODES.has(code) ||
      code.startsWith('SQLITE_IOERR') ||
      code.startsWith('SQLITE_BUSY') ||
      code.startsWith('SQLITE_READONLY') ||
      code === 'SQLITE_CANTOPEN'
    ) {
      return unavailable(err);
    }
  }
  if (/ENOSPC|No space left on device/i.test(err.message)) return storageFull(err);
  if (PG_LOST.test(err.message)) return unavailable(err);
  return undefined;
}

function storageFull(cause: Error): LettaError {
  return new LettaError(
    'STORAGE_FULL',
    'The database could not write: the disk (or the database) is full. Free space on the server; writes resume by themselves.',
    { cause },
  );
}

function unavailable(cause: Error): LettaError {
  return new LettaError(
    'DATABASE_UNAVAILABLE',
    `The database is unavailable (${shortReason(cause)}); try again shortly`,
    { cause, retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS },
  );
}

/** A short, safe reason: the driver's first line, without addresses or SQL. */
function shortReason(err: Error): string {
  const code = (err as { code?: unknown }).code;
  const first = err.message.split('\n')[0]?.slice(0, 120) ?? '';
  return typeof code === 'string' && !first.includes(code) ? `${code}: ${first}` : first;
}

/** Rethrows `err` as its catalog error when it is a database fault. */
function translate(err: unknown): never {
  throw databaseFault(err) ?? err;
}

/**
 * Wraps a Kysely dialect so that every statement, begin and commit reports database faults as
 * catalog errors, and a failed rollback never hides the error that caused it (SQLite rolls a
 * transaction back by itself when a commit hits a full disk, so the rollback that follows says
 * "no transaction is active"; a PostgreSQL connection that died cannot roll back either).
 */
export function faultTranslatingDialect(inner: Dialect): Dialect {
  return {
    createAdapter: () => inner.createAdapter(),
    createQueryCompiler: () => inner.createQueryCompiler(),
    createIntrospector: (db) => inner.createIntrospector(db),
    createDriver: () => new FaultTranslatingDriver(inner.createDriver()),
  };
}

class FaultTranslatingDriver implements Driver {
  constructor(private readonly inner: Driver) {}

  init(): Promise<void> {
    return this.inner.init().catch(translate);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.inner.acquireConnection().catch(translate);
    return new FaultTranslatingConnection(connection);
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(unwrap(connection), settings).catch(translate);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(unwrap(connection)).catch(translate);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    // The caller rethrows the error that made it roll back; that one is what matters.
    await this.inner.rollbackTransaction(unwrap(connection)).catch(() => {});
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(unwrap(connection));
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

class FaultTranslatingConnection implements DatabaseConnection {
  constructor(readonly inner: DatabaseConnection) {}

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    return this.inner.executeQuery<R>(compiledQuery).catch(translate);
  }

  async *streamQuery<R>(
    compiledQuery: CompiledQuery,
    chunkSize?: number,
  ): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.inner.streamQuery<R>(compiledQuery, chunkSize);
    } catch (err) {
      translate(err);
    }
  }
}

function unwrap(connection: DatabaseConnection): DatabaseConnection {
  return connection instanceof FaultTranslatingConnection ? connection.inner : connection;
}
