/**
 * The bulk load path on PostgreSQL: a dimension's HNSW index is built after its first rows are
 * in, with the configured parameters, never rebuilt while valid, rebuilt when a dead build left
 * it invalid, and left to the process that holds the builders' lock. Plus the LETTA_HNSW_*
 * settings.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { parseHnsw } from '../src/config.js';
import { DEFAULT_ORG_ID, newId } from '../src/ids.js';
import { type NewPassage, newIndexState } from '../src/store/passage-repository.js';
import { Store } from '../src/store/store.js';
import { createTestDatabase } from './support/databases.js';

const DIM = 8;
const INDEX = `passages_embedding_${DIM}`;

function passages(archiveId: string, n: number): NewPassage[] {
  return Array.from({ length: n }, (_, i) => ({
    id: newId('passage'),
    organization_id: DEFAULT_ORG_ID,
    archive_id: archiveId,
    text: `passage ${i}`,
    tags: [],
    metadata: {},
    embedding_model: 'test/model',
    embedding_dim: DIM,
    created_at: new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString(),
    vector: Array.from({ length: DIM }, (_, k) => Math.cos(i * (k + 1))),
  }));
}

describe('HNSW index built after a bulk load (postgres)', () => {
  it('builds once with the settings, keeps a valid index, replaces a dead build, defers to a builder', async () => {
    await using db = await createTestDatabase('postgres');
    const { store: base, handle } = await db.open();
    await base.organizations.ensureDefault();
    const fresh = () =>
      new Store(handle.db, handle.dialect, newIndexState({ m: 8, efConstruction: 32, efSearch: 50 }));
    const indexState = async () => {
      const { rows } = await sql<{ valid: boolean; options: string[] | null }>`
        SELECT i.indisvalid AS valid, c.reloptions AS options FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indexrelid = to_regclass(${INDEX})`.execute(handle.db);
      return rows[0];
    };
    const store = fresh();
    const archiveId = newId('archive');
    await store.archives.insert({
      id: archiveId,
      organization_id: DEFAULT_ORG_ID,
      name: 'bulk',
      description: null,
      metadata: {},
      embedding: 'test/model',
      embedding_dim: DIM,
      created_at: new Date().toISOString(),
      updated_at: null,
    });
    const rows = passages(archiveId, 3000);
    await store.transaction((tx) => tx.passages.insert(rows)); // more than one INSERT chunk
    expect(await indexState()).toBeUndefined(); // no index maintained during the load

    expect(await store.passages.ensureIndex(DIM)).toBe(true);
    expect(await indexState()).toEqual({ valid: true, options: ['m=8', 'ef_construction=32'] });
    expect(await fresh().passages.ensureIndex(DIM)).toBe(false); // valid: left alone
    const query = rows[42]?.vector ?? [];
    const hit = await store.passages.nearest(DEFAULT_ORG_ID, [archiveId], query, {}, 1);
    expect(hit[0]?.id).toBe(rows[42]?.id);

    // A build that died half-way leaves an invalid index: the next process replaces it.
    await sql`UPDATE pg_index SET indisvalid = false WHERE indexrelid = to_regclass(${INDEX})`.execute(
      handle.db,
    );
    expect(await fresh().passages.ensureIndex(DIM)).toBe(true);
    expect((await indexState())?.valid).toBe(true);

    // While another connection holds the builders' lock, nobody else builds (or drops).
    await sql`DROP INDEX ${sql.raw(INDEX)}`.execute(handle.db);
    await handle.db.connection().execute(async (conn) => {
      await sql`SELECT pg_advisory_lock(hashtext(${INDEX}))`.execute(conn);
      try {
        expect(await fresh().passages.ensureIndex(DIM)).toBe(false);
        expect(await indexState()).toBeUndefined();
        // Searches still answer (exactly, by scan) meanwhile.
        const exact = await fresh().passages.nearest(DEFAULT_ORG_ID, [archiveId], query, {}, 1);
        expect(exact[0]?.id).toBe(rows[42]?.id);
      } finally {
        await sql`SELECT pg_advisory_unlock(hashtext(${INDEX}))`.execute(conn);
      }
    });
    expect(await fresh().passages.ensureIndex(DIM)).toBe(true);
  });
});

describe('LETTA_HNSW_* settings', () => {
  it('has measured defaults, reads the environment and refuses nonsense', () => {
    expect(parseHnsw({})).toEqual({
      m: 24,
      efConstruction: 128,
      efSearch: 100,
      buildMemory: '1GB',
      buildWorkers: 2,
    });
    expect(
      parseHnsw({
        LETTA_HNSW_M: '24',
        LETTA_HNSW_EF_CONSTRUCTION: '128',
        LETTA_HNSW_EF_SEARCH: '200',
        LETTA_HNSW_BUILD_MEMORY: '4GB',
        LETTA_HNSW_BUILD_WORKERS: '0',
      }),
    ).toEqual({ m: 24, efConstruction: 128, efSearch: 200, buildMemory: '4GB', buildWorkers: 0 });
    expect(() => parseHnsw({ LETTA_HNSW_M: '1' })).toThrow(/LETTA_HNSW_M/);
    expect(() => parseHnsw({ LETTA_HNSW_M: '32', LETTA_HNSW_EF_CONSTRUCTION: '40' })).toThrow(/twice/);
    expect(() => parseHnsw({ LETTA_HNSW_EF_SEARCH: '5000' })).toThrow(/LETTA_HNSW_EF_SEARCH/);
    expect(() => parseHnsw({ LETTA_HNSW_BUILD_MEMORY: "1GB'; DROP TABLE passages" })).toThrow(
      /LETTA_HNSW_BUILD_MEMORY/,
    );
  });
});
