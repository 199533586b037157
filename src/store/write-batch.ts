/**
 * Writes that commit together in as few round trips as the database allows.
 *
 * - PostgreSQL: the writes become the sub-statements of one statement (`WITH w0 AS (INSERT …
 *   RETURNING 1), w1 AS (UPDATE … RETURNING 1), … SELECT (SELECT count(*) FROM w0) AS c0, …`):
 *   one round trip, atomic as any single statement, without BEGIN and COMMIT.
 * - SQLite (in process: a round trip costs nothing): one after the other in one transaction.
 *
 * What a batch may hold: the sub-statements of a PostgreSQL statement all see one snapshot, in an
 * unspecified order, so no write may depend on another's effect (an UPDATE of a row another
 * inserts), no two may change the same row, and nothing reads. Foreign keys are checked at the
 * end of the statement, so a row may reference one inserted by another write of the batch. Each
 * write's count of changed rows comes back, in order.
 *
 * @example
 * const [, ended] = await writeBatch(store, [
 *   ...insertMessages.writes(rows),
 *   TRANSITION.write(['completed', at, …]),
 * ]);
 */
import { CompiledQuery } from 'kysely';
import type { BatchedWrite } from './statement.js';
import type { Store } from './store.js';

export async function writeBatch(store: Store, writes: readonly BatchedWrite[]): Promise<number[]> {
  const counts = store.dialect.oneStatementBatches
    ? await composed(store, writes)
    : await store.transaction(async (tx) => {
        const out: number[] = [];
        for (const w of writes)
          out.push(w.statement ? await w.statement.changes(tx.db, tx.dialect, w.params) : 0);
        return out;
      });
  for (const w of writes) w.afterCommit?.();
  return counts;
}

/** One statement of data-modifying CTEs (PostgreSQL). */
async function composed(store: Store, writes: readonly BatchedWrite[]): Promise<number[]> {
  const parts: string[] = [];
  const params: unknown[] = [];
  const index: number[] = []; // write → CTE number, -1 for in-process work
  for (const w of writes) {
    if (!w.statement) {
      index.push(-1);
      continue;
    }
    const sql = w.statement.sql.trim();
    const cte = /^select\b/i.test(sql) ? sql : `${sql} RETURNING 1`;
    index.push(parts.length);
    parts.push(`w${parts.length} AS (${cte})`);
    params.push(...w.params);
  }
  if (parts.length === 0) return writes.map(() => 0);
  let n = 0;
  const text = `WITH ${parts.join(',\n')}\nSELECT ${parts.map((_, i) => `(SELECT count(*) FROM w${i}) AS c${i}`).join(', ')}`;
  const numbered = text.replace(/\?/g, () => `$${++n}`);
  const result = await store.db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(numbered, params));
  const row = result.rows[0] ?? {};
  return index.map((i) => (i < 0 ? 0 : Number(row[`c${i}`] ?? 0)));
}
