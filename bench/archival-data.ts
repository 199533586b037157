/**
 * Data for the archival benchmark: deterministic random unit vectors (uniform on the sphere, or
 * clustered around random centres like real embeddings), kept in one Float32Array, and exact
 * top-k cosine search over them (the ground truth for recall).
 */
import { seeded } from '../test/support/fuzz-gen.js';

/** A seeded PRNG (mulberry32): the same seed gives the same data on every run. */
export const rng = seeded;

function normalize(v: number[]): number[] {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  return v.map((x) => x / n);
}

/** A direction uniform on the sphere (Gaussian components, Box-Muller). */
export function unitVector(r: () => number, dim: number): number[] {
  const v = Array.from({ length: dim }, () => {
    const u = Math.max(r(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
  });
  return normalize(v);
}

/**
 * `uniform`: directions uniform on the sphere, the worst case for any ANN index (no structure).
 * `clustered`: points around 1,000 random centres plus Gaussian noise of norm 0.35, closer to real
 * embeddings, which cluster by topic.
 */
export type BenchData = 'uniform' | 'clustered';

export class PointSource {
  private readonly centres: number[][];

  constructor(
    private readonly r: () => number,
    readonly dim: number,
    data: BenchData,
  ) {
    this.centres = data === 'clustered' ? Array.from({ length: 1000 }, () => unitVector(r, dim)) : [];
  }

  next(): number[] {
    if (this.centres.length === 0) return unitVector(this.r, this.dim);
    const c = this.centres[Math.floor(this.r() * this.centres.length)] ?? [];
    const noise = unitVector(this.r, this.dim);
    return normalize(c.map((x, i) => x + 0.35 * (noise[i] ?? 0)));
  }

  /** The same centres, another stream (queries from the data's distribution). */
  withRng(r: () => number): PointSource {
    const other = Object.create(PointSource.prototype) as PointSource;
    Object.assign(other, { r, dim: this.dim, centres: this.centres });
    return other;
  }
}

/** Indices of the k rows of `data` (unit vectors, row-major) most cosine-similar to `q`. */
export function exactTopK(data: Float32Array, dim: number, q: number[], k: number): number[] {
  const rows = data.length / dim;
  const best: { i: number; s: number }[] = [];
  let floor = Number.NEGATIVE_INFINITY;
  const qf = Float32Array.from(q);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    const o = i * dim;
    for (let j = 0; j < dim; j++) s += (data[o + j] ?? 0) * (qf[j] ?? 0);
    if (best.length < k || s > floor) {
      best.push({ i, s });
      best.sort((a, b) => b.s - a.s);
      if (best.length > k) best.pop();
      floor = best[best.length - 1]?.s ?? floor;
    }
  }
  return best.map((b) => b.i);
}

/** The p-th percentile of sorted values. */
export function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
