/**
 * Keyset pagination by (created_at, id): `after`/`before` name a row by id, and the page holds
 * the rows strictly after/before it in the requested order. Indexed, so a page costs the same at
 * any depth; an unknown cursor id yields an empty page (which also ends SDK auto-pagination).
 */
import { type SelectQueryBuilder, sql } from 'kysely';
import type { PageQuery } from './records.js';
import type { Database } from './schema.js';

type PagedTable = 'agents' | 'blocks' | 'tools' | 'conversations' | 'runs' | 'passages' | 'archives';

export function paginate<DB extends Database, TB extends keyof DB & PagedTable, O>(
  qb: SelectQueryBuilder<DB, TB, O>,
  table: TB,
  page: PageQuery,
): SelectQueryBuilder<DB, TB, O> {
  const t = sql.table(table);
  const ca = sql.ref(`${table}.created_at`);
  const id = sql.ref(`${table}.id`);
  let q = qb;
  if (page.after !== undefined) {
    q = q.where(
      sql<boolean>`(${ca}, ${id}) ${sql.raw(page.order === 'desc' ? '<' : '>')} (select c.created_at, c.id from ${t} as c where c.id = ${page.after})`,
    );
  }
  if (page.before !== undefined) {
    q = q.where(
      sql<boolean>`(${ca}, ${id}) ${sql.raw(page.order === 'desc' ? '>' : '<')} (select c.created_at, c.id from ${t} as c where c.id = ${page.before})`,
    );
  }
  const dir = page.order === 'desc' ? 'desc' : 'asc';
  return q
    .orderBy(sql.ref(`${table}.created_at`), dir)
    .orderBy(sql.ref(`${table}.id`), dir)
    .limit(page.limit);
}
