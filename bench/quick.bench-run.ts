/**
 * In-process send latency (no HTTP in front): where the core's own time goes. Run by hand:
 * `npx vitest run --config bench/vitest.bench.config.ts bench/quick.bench-run.ts`.
 */
import OpenAI from 'openai';
import { it } from 'vitest';
import { DEFAULT_ORG_ID } from '../src/ids.js';
import { createTestCore } from '../test/support/core.js';

const ctx = { org: DEFAULT_ORG_ID };
const p50 = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(3);

for (const dialect of ['sqlite', 'postgres'] as const) {
  it(`in-process send, ${dialect}`, async () => {
    await using t = await createTestCore(dialect, { llm: { record: false } });
    const { agent } = await t.core.agents.create(ctx, { name: 'b', model: 'gpt-4o-mini' });
    const sdk = new OpenAI({ baseURL: t.llm.url, apiKey: 'x' });
    const raw: number[] = [];
    const sends: number[] = [];
    let conv = '';
    for (let i = 0; i < 2200; i++) {
      if (i % 5 === 0) conv = (await t.core.conversations.create(ctx, agent)).id;
      let s = performance.now();
      await t.core.messages.send(ctx, { agent, conversationId: conv, messages: [{ content: `m ${i}` }] });
      if (i >= 200) sends.push(performance.now() - s);
      s = performance.now();
      await sdk.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hi' }],
      });
      if (i >= 200) raw.push(performance.now() - s);
    }
    console.log(dialect, 'send p50 ms', p50(sends), '| bare SDK call p50 ms', p50(raw));
  }, 300_000);
}
