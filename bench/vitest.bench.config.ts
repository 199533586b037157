import { defineConfig } from 'vitest/config';

/** Benchmarks run by hand: `npx vitest run --config bench/vitest.bench.config.ts [file]`. */
export default defineConfig({
  test: {
    include: ['bench/**/*.bench-run.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['verbose'],
  },
});
