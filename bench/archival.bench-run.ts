/**
 * Archival search benchmark (run by hand):
 *
 *   ARCHIVAL_BENCH_SIZES=10000,100000 npx vitest run --config bench/vitest.bench.config.ts bench/archival.bench-run.ts
 *   ARCHIVAL_BENCH_SIZES=1000000 ARCHIVAL_BENCH_DATA=clustered ARCHIVAL_BENCH_HNSW=16:64,16:128 \
 *     ARCHIVAL_BENCH_EF_SEARCH=40,100,200 npx vitest run --config bench/vitest.bench.config.ts \
 *     bench/archival.bench-run.ts -t postgres
 *
 * Per dialect and size: writes random unit vectors (ARCHIVAL_BENCH_DIM, default 128;
 * ARCHIVAL_BENCH_DATA=uniform (default) or clustered) straight through the passage repository in
 * transactions of ARCHIVAL_BENCH_BATCH rows (default 5000). ARCHIVAL_BENCH_LOAD=bulk (default):
 * the rows go in first and the HNSW index is built afterwards by `ensureIndex` (the server's bulk
 * path); `incremental`: the index exists before the load and every insert maintains it. Load rate
 * and build time are reported separately. For each HNSW build (`m:ef_construction` in
 * ARCHIVAL_BENCH_HNSW; the index is dropped and rebuilt between them, this database only) and
 * each `hnsw.ef_search` in ARCHIVAL_BENCH_EF_SEARCH: 200 vector searches (top 10), p50/p99 and
 * recall@10 against exact search computed in JavaScript. 200 keyword searches once per size.
 * ARCHIVAL_BENCH_BUILD_MEMORY (default 2GB) and ARCHIVAL_BENCH_BUILD_WORKERS (default 2) set the
 * build's maintenance_work_mem and parallel workers. ARCHIVAL_BENCH_KEEP=1 keeps the database
 * (for experiments by hand; drop it afterwards). Prints Markdown tables.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ORG_ID, newId } from '../src/ids.js';
import { type NewPassage, newIndexState } from '../src/store/passage-repository.js';
import { Store } from '../src/store/store.js';
import { createTestDatabase, DIALECTS } from '../test/support/databases.js';
import { type BenchData, exactTopK, PointSource, pct, rng } from './archival-data.js';

const env = process.env;
const DIM = Number(env.ARCHIVAL_BENCH_DIM ?? 128);
const SIZES = (env.ARCHIVAL_BENCH_SIZES ?? '10000').split(',').map(Number);
const DATA = (env.ARCHIVAL_BENCH_DATA ?? 'uniform') as BenchData;
const LOAD = (env.ARCHIVAL_BENCH_LOAD ?? 'bulk') as 'bulk' | 'incremental';
const BATCH = Number(env.ARCHIVAL_BENCH_BATCH ?? 5000);
const BUILDS = (env.ARCHIVAL_BENCH_HNSW ?? '16:64').split(',').map((s) => {
  const [m, ef] = s.split(':').map(Number);
  return { m: m ?? 16, efConstruction: ef ?? 64 };
});
const EF_SEARCH = (env.ARCHIVAL_BENCH_EF_SEARCH ?? '40,100').split(',').map(Number);
const BUILD_MEMORY = env.ARCHIVAL_BENCH_BUILD_MEMORY ?? '2GB';
const BUILD_WORKERS = Number(env.ARCHIVAL_BENCH_BUILD_WORKERS ?? 2);
const QUERIES = 200;

const loads: string[] = [];
const searches: string[] = [];
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

describe.each(DIALECTS)('archival bench on %s', (dialect) => {
  it.each(SIZES)('%i passages', async (size) => {
    const db = await createTestDatabase(dialect);
    try {
      const { store: base, handle } = await db.open();
      const storeFor = (hnsw: { m: number; efConstruction: number; efSearch?: number }) =>
        new Store(
          handle.db,
          handle.dialect,
          newIndexState({ ...hnsw, buildMemory: BUILD_MEMORY, buildWorkers: BUILD_WORKERS }),
        );
      await base.organizations.ensureDefault();
      const archiveId = newId('archive');
      await base.db
        .insertInto('archives')
        .values({
          id: archiveId,
          organization_id: DEFAULT_ORG_ID,
          name: 'bench',
          embedding: 'bench/random',
          embedding_dim: DIM,
          created_at: new Date().toISOString(),
        })
        .execute();
      const first = BUILDS[0] ?? { m: 16, efConstruction: 64 };
      let store = storeFor(first);
      await store.passages.ensureDimension(DIM);
      if (LOAD === 'incremental') await store.passages.ensureIndex(DIM);

      // Load
      const points = new PointSource(rng(42), DIM, DATA);
      const vectors = new Float32Array(size * DIM);
      const ids: string[] = [];
      const t0 = Date.parse('2024-01-01T00:00:00Z');
      let loadMs = 0; // time in the inserts only (not generating the data)
      for (let i = 0; i < size; i += BATCH) {
        const batch: NewPassage[] = [];
        for (let j = i; j < Math.min(size, i + BATCH); j++) {
          const v = points.next();
          vectors.set(v, j * DIM);
          const id = newId('passage');
          ids.push(id);
          batch.push({
            id,
            organization_id: DEFAULT_ORG_ID,
            archive_id: archiveId,
            text: `passage ${j} about topic${j % 997} and subject${j % 101}`,
            tags: [`t${j % 10}`],
            metadata: {},
            embedding_model: 'bench/random',
            embedding_dim: DIM,
            created_at: new Date(t0 + j * 1000).toISOString(),
            vector: v,
          });
        }
        const s = performance.now();
        await store.transaction((tx) => tx.passages.insert(batch));
        loadMs += performance.now() - s;
      }

      // What autovacuum does after a bulk load: merge the GIN pending list, gather statistics.
      if (dialect === 'postgres') await sql`VACUUM ANALYZE passages`.execute(base.db);

      // Ground truth and keyword timings (once per size)
      const qpoints = points.withRng(rng(7));
      const queries = Array.from({ length: QUERIES }, () => qpoints.next());
      const exact = queries.map((q) => exactTopK(vectors, DIM, q, 10).map((i) => ids[i] ?? ''));
      const keywordTimes: number[] = [];
      for (let q = 0; q < QUERIES; q++) {
        const s = performance.now();
        await store.passages.keyword(
          DEFAULT_ORG_ID,
          [archiveId],
          `topic${q % 997} subject${q % 101}`,
          {},
          10,
        );
        keywordTimes.push(performance.now() - s);
      }
      keywordTimes.sort((a, b) => a - b);

      const builds = dialect === 'postgres' ? BUILDS : [first];
      for (const [b, build] of builds.entries()) {
        store = storeFor(build);
        let buildMs = 0;
        if (dialect === 'postgres' && (LOAD === 'bulk' || b > 0)) {
          await sql`DROP INDEX IF EXISTS ${sql.raw(`passages_embedding_${DIM}`)}`.execute(store.db);
          const s = performance.now();
          await store.passages.ensureIndex(DIM);
          buildMs = performance.now() - s;
          await sql`ANALYZE passages`.execute(store.db);
        }
        const size_ = await indexSize(store, dialect);
        loads.push(
          `| ${dialect} | ${size.toLocaleString('en-US')} | ${DIM} ${DATA} | ${LOAD} | ${fmt(size / (loadMs / 1000))} | ${dialect === 'postgres' ? `${build.m}/${build.efConstruction}` : 'flat'} | ${(buildMs / 1000).toFixed(1)} | ${size_} |`,
        );
        console.log(loads.at(-1));
        for (const efSearch of dialect === 'postgres' ? EF_SEARCH : [0]) {
          const s2 = storeFor({ ...build, efSearch });
          const times: number[] = [];
          let hits = 0;
          for (const [q, query] of queries.entries()) {
            const s = performance.now();
            const found = await s2.passages.nearest(DEFAULT_ORG_ID, [archiveId], query, {}, 10);
            times.push(performance.now() - s);
            const got = new Set(found.map((f) => f.id));
            hits += (exact[q] ?? []).filter((id) => got.has(id)).length;
          }
          times.sort((a, b) => a - b);
          const recall = hits / (QUERIES * 10);
          searches.push(
            `| ${dialect} | ${size.toLocaleString('en-US')} | ${DIM} ${DATA} | ${dialect === 'postgres' ? `${build.m}/${build.efConstruction}` : 'flat'} | ${efSearch || '-'} | ${pct(times, 50).toFixed(2)} | ${pct(times, 99).toFixed(2)} | ${recall.toFixed(3)} | ${pct(keywordTimes, 50).toFixed(2)} | ${pct(keywordTimes, 99).toFixed(2)} | ${handle.vector} |`,
          );
          console.log(searches.at(-1));
          // Sanity only: uniform data is HNSW's worst case, recall there is what it is.
          expect(recall).toBeGreaterThan(DATA === 'uniform' ? 0 : 0.3);
        }
      }
    } finally {
      if (env.ARCHIVAL_BENCH_KEEP) console.log(`kept database ${db.pgUri ?? db.sqlitePath}`);
      else await db.drop();
    }
  });
});

async function indexSize(store: Store, dialect: string): Promise<string> {
  if (dialect !== 'postgres') return '-';
  const { rows } = await sql<{
    size: string;
  }>`SELECT pg_size_pretty(pg_relation_size(to_regclass(${`passages_embedding_${DIM}`}))) AS size`.execute(
    store.db,
  );
  return rows[0]?.size ?? '-';
}

describe('report', () => {
  it('prints the tables', () => {
    console.log(
      [
        '| db | passages | dim | load | load rows/s | m/ef_construction | index build s | index size |',
        '|---|---|---|---|---|---|---|---|',
        ...loads,
        '',
        '| db | passages | dim | m/ef_construction | ef_search | vector p50 ms | vector p99 ms | recall@10 | keyword p50 ms | keyword p99 ms | vector ext |',
        '|---|---|---|---|---|---|---|---|---|---|---|',
        ...searches,
      ].join('\n'),
    );
  });
});
