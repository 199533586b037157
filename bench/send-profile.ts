/**
 * In-process send loop for profiling the core (no HTTP in front):
 * `npm run build:bench && node --cpu-prof .bench-build/bench/send-profile.js [sqlite|postgres] [n]`.
 */
import { DEFAULT_ORG_ID } from '../src/ids.js';
import { createTestCore } from '../test/support/core.js';

const ctx = { org: DEFAULT_ORG_ID };
const dialect = (process.argv[2] ?? 'sqlite') as 'sqlite' | 'postgres';
const n = Number(process.argv[3] ?? 3000);
const t = await createTestCore(dialect, { llm: { record: false } });
const { agent } = await t.core.agents.create(ctx, { name: 'b', model: 'gpt-4o-mini' });
let conv = '';
const times: number[] = [];
// CPU time per send (user + system, this process: core and the scripted model) is steadier than
// wall time when the machine is shared.
const cpu0 = process.cpuUsage();
for (let i = 0; i < n; i++) {
  if (i % 5 === 0) conv = (await t.core.conversations.create(ctx, agent)).id;
  const s = performance.now();
  await t.core.messages.send(ctx, { agent, conversationId: conv, messages: [{ content: `m ${i}` }] });
  times.push(performance.now() - s);
}
const cpu = process.cpuUsage(cpu0);
times.sort((a, b) => a - b);
console.log(
  dialect,
  'send p50 ms',
  times[Math.floor(n / 2)]?.toFixed(3),
  'cpu ms/send',
  ((cpu.user + cpu.system) / 1000 / n).toFixed(3),
);
await t.close();
