/**
 * Keyset pagination by (created_at, id): `after`/`before` name a row by id, and the page holds
 * the rows strictly after/before it in the requested order. Indexed, so a page costs the same at
 * any depth; an unknown cursor id yields an empty page (which also ends SDK auto-pagination).
 * A cursor is looked up in the caller's organization only: another organization's id is an
 * unknown id, so a cursor cannot tell a tenant whether a foreign row exists or when it was made.
 *
 * With only `before`, the page is the `limit` rows right before the cursor (read in the opposite
 * order, then put back in order): the SDKs page backwards with `before` = the first item's id, so
 * a page of the oldest rows instead would skip everything between them and the cursor.
 */
import { type SelectQueryBuilder, sql } from 'kysely';
import type { PageQuery } from './records.js';
import type { Database } from './schema.js';

type PagedTable =
  | 'agents'
  | 'blocks'
  | 'tools'
  | 'conversations'
  | 'runs'
  | 'steps'
  | 'passages'
  | 'archives'
  | 'folders'
  | 'files'
  | 'jobs';

/**
 * The rows of one page of `qb`.
 *
 * @example
 * const rows = await pageRows(db.selectFrom('tools').selectAll(), 'tools', { limit: 10, before: id }, org);
 */
export async function pageRows<DB extends Database, TB extends keyof DB & PagedTable, O>(
  qb: SelectQueryBuilder<DB, TB, O>,
  table: TB,
  page: PageQuery,
  org: string,
): Promise<O[]> {
  const backwards = page.before !== undefined && page.after === undefined;
  if (!backwards) return paginate(qb, table, page, org).execute();
  const reversed: PageQuery = {
    ...page,
    order: page.order === 'desc' ? 'asc' : 'desc',
    before: undefined,
    after: page.before,
  };
  return (await paginate(qb, table, reversed, org).execute()).reverse();
}

export function paginate<DB extends Database, TB extends keyof DB & PagedTable, O>(
  qb: SelectQueryBuilder<DB, TB, O>,
  table: TB,
  page: PageQuery,
  org: string,
): SelectQueryBuilder<DB, TB, O> {
  const t = sql.table(table);
  const ca = sql.ref(`${table}.created_at`);
  const id = sql.ref(`${table}.id`);
  let q = qb;
  if (page.after !== undefined) {
    q = q.where(
      sql<boolean>`(${ca}, ${id}) ${sql.raw(page.order === 'desc' ? '<' : '>')} (select c.created_at, c.id from ${t} as c where c.id = ${page.after} and c.organization_id = ${org})`,
    );
  }
  if (page.before !== undefined) {
    q = q.where(
      sql<boolean>`(${ca}, ${id}) ${sql.raw(page.order === 'desc' ? '>' : '<')} (select c.created_at, c.id from ${t} as c where c.id = ${page.before} and c.organization_id = ${org})`,
    );
  }
  const dir = page.order === 'desc' ? 'desc' : 'asc';
  return q
    .orderBy(sql.ref(`${table}.created_at`), dir)
    .orderBy(sql.ref(`${table}.id`), dir)
    .limit(page.limit);
}
