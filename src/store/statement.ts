/**
 * Hot-path statements: SQL written once, with `?` placeholders, and run through Kysely's executor
 * (so inside a transaction they run on its connection) without building and compiling a query
 * tree on every call. A send runs the same dozen statements every time; building them with the
 * query builder cost more than executing them on SQLite (measured: `bench/send-profile.ts`).
 *
 * Everything else keeps the query builder: use a statement only where a profile shows the cost.
 * The SQL must be portable between SQLite and PostgreSQL (the `?` become `$1…$n` for PostgreSQL)
 * and must not contain a literal `?`.
 */
import { CompiledQuery, type Kysely, type QueryResult } from 'kysely';
import type { DialectName } from './dialect/dialect-name.js';
import type { StoreDialect } from './dialect/store-dialect.js';
import type { Database } from './schema.js';

export class Statement<Row = Record<string, unknown>> {
  private readonly text: Record<DialectName, string>;

  /** `sql` with `?` placeholders (as written; a {@link WriteBatch} renumbers them). */
  constructor(readonly sql: string) {
    let n = 0;
    this.text = { sqlite: sql, postgres: sql.replace(/\?/g, () => `$${++n}`) };
  }

  /** This statement with `params`, to run later as part of a write batch. */
  write(params: readonly unknown[]): BatchedWrite {
    return { statement: this, params };
  }

  execute(
    db: Kysely<Database>,
    dialect: StoreDialect,
    params: readonly unknown[],
  ): Promise<QueryResult<Row>> {
    return db.executeQuery<Row>(CompiledQuery.raw(this.text[dialect.name], params as unknown[]));
  }

  async rows(db: Kysely<Database>, dialect: StoreDialect, params: readonly unknown[]): Promise<Row[]> {
    return (await this.execute(db, dialect, params)).rows;
  }

  async first(
    db: Kysely<Database>,
    dialect: StoreDialect,
    params: readonly unknown[],
  ): Promise<Row | undefined> {
    return (await this.execute(db, dialect, params)).rows[0];
  }

  /** Rows changed by an INSERT, UPDATE or DELETE. */
  async changes(db: Kysely<Database>, dialect: StoreDialect, params: readonly unknown[]): Promise<number> {
    return Number((await this.execute(db, dialect, params)).numAffectedRows ?? 0n);
  }
}

/**
 * An INSERT of a fixed column list, for one or more rows: the statement for each row count is
 * made once (up to `cached` rows; larger batches are made per call, in chunks that stay under
 * SQLite's limit of bound parameters).
 */
const MAX_PARAMS = 30_000;

export class InsertStatement {
  private readonly byCount = new Map<number, Statement>();

  constructor(
    private readonly table: string,
    private readonly columns: readonly string[],
    private readonly cached = 16,
  ) {}

  async execute(
    db: Kysely<Database>,
    dialect: StoreDialect,
    rows: readonly (readonly unknown[])[],
  ): Promise<void> {
    const chunk = Math.max(1, Math.floor(MAX_PARAMS / this.columns.length));
    if (rows.length > chunk) {
      for (let i = 0; i < rows.length; i += chunk) await this.execute(db, dialect, rows.slice(i, i + chunk));
      return;
    }
    if (rows.length === 0) return;
    await this.statementFor(rows.length).execute(db, dialect, rows.flat());
  }

  /** The insert of `rows` as writes of a batch (one a chunk; none for no rows). */
  writes(rows: readonly (readonly unknown[])[]): BatchedWrite[] {
    const chunk = Math.max(1, Math.floor(MAX_PARAMS / this.columns.length));
    const out: BatchedWrite[] = [];
    for (let i = 0; i < rows.length; i += chunk) {
      const part = rows.slice(i, i + chunk);
      out.push(this.statementFor(part.length).write(part.flat()));
    }
    return out;
  }

  private statementFor(count: number): Statement {
    let stmt = this.byCount.get(count);
    if (!stmt) {
      const tuple = `(${this.columns.map(() => '?').join(', ')})`;
      stmt = new Statement(
        `INSERT INTO ${this.table} (${this.columns.join(', ')}) VALUES ${Array(count).fill(tuple).join(', ')}`,
      );
      if (count <= this.cached) this.byCount.set(count, stmt);
    }
    return stmt;
  }
}

/** What a write batch needs of a statement. */
export interface WriteStatement {
  readonly sql: string;
  changes(db: Kysely<Database>, dialect: StoreDialect, params: readonly unknown[]): Promise<number>;
}

/**
 * One write of a {@link WriteBatch}: a statement with its parameters, or work to do in this
 * process once the batch committed (an in-process signal).
 */
export type BatchedWrite =
  | { statement: WriteStatement; params: readonly unknown[]; afterCommit?: undefined }
  | { statement?: undefined; params?: undefined; afterCommit: () => void };
