/**
 * A keyset page over a short list held in memory (an agent's tools or blocks, a run's steps):
 * ordered by (created_at, id) like the store's {@link paginate}, `after`/`before` name an item by
 * id and the page holds the items strictly after/before it. An unknown cursor gives an empty page,
 * which ends the SDKs' auto-pagination (they stop at `[]`).
 *
 * @example
 * pageOf(tools, { limit: 10, after: 'tool-…', order: 'asc' });
 */
export interface MemoryPageQuery {
  limit: number;
  after?: string | undefined;
  before?: string | undefined;
  order?: 'asc' | 'desc' | undefined;
}

export function pageOf<T extends { id: string; created_at: string }>(
  items: readonly T[],
  query: MemoryPageQuery,
): T[] {
  const dir = query.order === 'desc' ? -1 : 1;
  let sorted = [...items].sort(
    (a, b) => dir * (a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id)),
  );
  if (query.after !== undefined) {
    const at = sorted.findIndex((t) => t.id === query.after);
    if (at < 0) return [];
    sorted = sorted.slice(at + 1);
  }
  if (query.before !== undefined) {
    const at = sorted.findIndex((t) => t.id === query.before);
    if (at < 0) return [];
    sorted = sorted.slice(0, at);
    // `before` pages end next to the cursor (the SDK walks backwards from the first item).
    return sorted.slice(Math.max(0, sorted.length - query.limit));
  }
  return sorted.slice(0, query.limit);
}
