/**
 * Archival search benchmark (run by hand):
 *
 *   ARCHIVAL_BENCH_SIZES=10000,100000 npx vitest run --config bench/vitest.bench.config.ts bench/archival.bench-run.ts
 *
 * Per dialect and size: inserts random unit vectors (dimension 128; ARCHIVAL_BENCH_DATA=uniform
 * (default) or clustered) straight through the passage
 * repository (batches of 1000, one transaction each), then times 200 vector searches (top 10)
 * and 200 keyword searches, and measures recall@10 of the vector index against exact search
 * computed in JavaScript. Prints a Markdown table.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ORG_ID, newId } from '../src/ids.js';
import type { NewPassage } from '../src/store/passage-repository.js';
import { createTestDatabase, DIALECTS } from '../test/support/databases.js';

const DIM = Number(process.env.ARCHIVAL_BENCH_DIM ?? 128);
const SIZES = (process.env.ARCHIVAL_BENCH_SIZES ?? '10000').split(',').map(Number);
/**
 * `uniform`: directions uniform on the sphere, the worst case for any ANN index (no structure).
 * `clustered`: points around 1,000 random centres, closer to real embeddings, which cluster by topic.
 */
const DATA = (process.env.ARCHIVAL_BENCH_DATA ?? 'uniform') as 'uniform' | 'clustered';
const QUERIES = 200;
const BATCH = 1000;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function unitVector(r: () => number): number[] {
  const v = Array.from({ length: DIM }, () => {
    // Box-Muller: Gaussian components give directions uniform on the sphere.
    const u = Math.max(r(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
  });
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

/** A data point: uniform, or a centre (chosen by the generator) plus Gaussian noise. */
function point(r: () => number, centres: number[][]): number[] {
  if (DATA === 'uniform' || centres.length === 0) return unitVector(r);
  const c = centres[Math.floor(r() * centres.length)]!;
  const noise = unitVector(r);
  const v = c.map((x, i) => x + 0.35 * (noise[i] ?? 0));
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const rows: string[] = [];

describe.each(DIALECTS)('archival bench on %s', (dialect) => {
  it.each(SIZES)('%i passages', async (size) => {
    const db = await createTestDatabase(dialect);
    try {
      const { store, handle } = await db.open();
      await store.organizations.ensureDefault();
      const archiveId = newId('archive');
      await store.db
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
      await store.passages.ensureDimension(DIM);
      const r = rng(42);
      const centres = DATA === 'clustered' ? Array.from({ length: 1000 }, () => unitVector(r)) : [];
      const vectors: number[][] = [];
      const ids: string[] = [];
      const t0 = performance.now();
      const base = Date.parse('2024-01-01T00:00:00Z');
      for (let i = 0; i < size; i += BATCH) {
        const batch: NewPassage[] = [];
        for (let j = i; j < Math.min(size, i + BATCH); j++) {
          const v = point(r, centres);
          vectors.push(v);
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
            created_at: new Date(base + j * 1000).toISOString(),
            vector: v,
          });
        }
        await store.transaction((tx) => tx.passages.insert(batch));
      }
      const insertMs = performance.now() - t0;
      if (dialect === 'postgres') await sql`ANALYZE passages`.execute(store.db);

      const qr = rng(7);
      const vectorTimes: number[] = [];
      const keywordTimes: number[] = [];
      let hits = 0;
      for (let q = 0; q < QUERIES; q++) {
        const query = point(qr, centres);
        const s = performance.now();
        const found = await store.passages.nearest(DEFAULT_ORG_ID, archiveId, query, {}, 10);
        vectorTimes.push(performance.now() - s);
        const exact = vectors
          .map((v, i) => ({ i, d: 1 - v.reduce((acc, x, k) => acc + x * (query[k] ?? 0), 0) }))
          .sort((a, b) => a.d - b.d)
          .slice(0, 10)
          .map((x) => ids[x.i]);
        const got = new Set(found.map((f) => f.id));
        hits += exact.filter((id) => id !== undefined && got.has(id)).length;
        const ks = performance.now();
        await store.passages.keyword(DEFAULT_ORG_ID, archiveId, `topic${q % 997} subject${q % 101}`, {}, 10);
        keywordTimes.push(performance.now() - ks);
      }
      vectorTimes.sort((a, b) => a - b);
      keywordTimes.sort((a, b) => a - b);
      const recall = hits / (QUERIES * 10);
      const row = `| ${dialect} | ${size.toLocaleString('en-US')} | ${DIM} ${DATA} | ${Math.round(size / (insertMs / 1000)).toLocaleString('en-US')} | ${pct(vectorTimes, 50).toFixed(2)} | ${pct(vectorTimes, 99).toFixed(2)} | ${recall.toFixed(3)} | ${pct(keywordTimes, 50).toFixed(2)} | ${pct(keywordTimes, 99).toFixed(2)} | ${handle.vector} |`;
      rows.push(row);
      console.log(row);
      expect(recall).toBeGreaterThan(0.5);
    } finally {
      await db.drop();
    }
  });
});

describe('report', () => {
  it('prints the table', () => {
    console.log(
      [
        '| db | passages | dim | insert/s | vector p50 ms | vector p99 ms | recall@10 | keyword p50 ms | keyword p99 ms | vector ext |',
        '|---|---|---|---|---|---|---|---|---|---|',
        ...rows,
      ].join('\n'),
    );
  });
});
