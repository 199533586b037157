import { it } from 'vitest';
import { DEFAULT_ORG_ID } from '../src/ids.js';
import { createTestCore } from '../test/support/core.js';

const ctx = { org: DEFAULT_ORG_ID };
for (const dialect of ['sqlite', 'postgres'] as const) {
  it(`quick ${dialect}`, async () => {
    await using t = await createTestCore(dialect);
    const { agent } = await t.core.agents.create(ctx, { name: 'b', model: 'gpt-4o-mini' });
    for (let i = 0; i < 50; i++) await t.core.messages.send(ctx, { agent, messages: [{ content: `warm ${i}` }] });
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const s = performance.now();
      await t.core.messages.send(ctx, { agent, messages: [{ content: `m ${i}` }] });
      times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    console.log(dialect, 'p50', times[100]?.toFixed(2), 'p90', times[180]?.toFixed(2));
  }, 120_000);
}
