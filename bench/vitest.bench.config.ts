import { defineConfig } from 'vitest/config';

/** Benchmarks run by hand: `npx vitest run --config bench/vitest.bench.config.ts`. */
export default defineConfig({
  test: { include: ['bench/**/*.bench-run.ts'], testTimeout: 3_600_000, hookTimeout: 600_000 },
});
