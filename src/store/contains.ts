/**
 * Case-insensitive "contains" on a text column, portable between SQLite and PostgreSQL
 * (`lower(col) LIKE '%…%' ESCAPE '\'`, with `%`, `_` and `\` in the needle taken literally).
 *
 * @example
 * q.where(contains('name', 'wf-')) // names containing "wf-", any case
 */
import { type RawBuilder, sql } from 'kysely';

export function contains(column: string, needle: string): RawBuilder<boolean> {
  const pattern = `%${needle.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<boolean>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
}
