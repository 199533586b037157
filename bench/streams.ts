/**
 * Many open streams at once (run by hand: `npm run bench:streams`): BENCH_STREAMS (default 1,000)
 * NDJSON sends on as many conversations, all open together against the real `letta server` on
 * SQLite, the scripted model streaming a word every 100 ms (about a second a reply). Counts the
 * streams that completed with their `done` line, the time until all had, and the server's RSS
 * at the peak and after.
 */
import { rmSync } from 'node:fs';
import { Pool } from 'undici';
import { rssMiB, startJsonLine, startLettaOnSqlite, stop } from './harness.js';

const STREAMS = Number(process.env.BENCH_STREAMS ?? 1000);

async function main(): Promise<void> {
  const model = await startJsonLine(process.execPath, ['.bench-build/bench/processes/fake-llm.js'], {
    ...process.env,
    FAKE_LLM_CHUNK_DELAY_MS: '100',
  });
  const server = await startLettaOnSqlite(model.url, 'streams');
  const home = server.home;
  const pool = new Pool(server.url, { connections: STREAMS + 10, pipelining: 1 });
  const post = async (path: string, body: unknown) => {
    const r = await pool.request({
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return r;
  };
  try {
    await (await post('/agents', { name: 'streams', model: 'gpt-4o-mini' })).body.json();
    const convs: string[] = [];
    for (let i = 0; i < STREAMS; i++) {
      convs.push(
        ((await (await post('/agents/streams/conversations', {})).body.json()) as { id: string }).id,
      );
    }
    const rssBefore = rssMiB(server.child.pid!);
    let peak = rssBefore;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMiB(server.child.pid!));
    }, 100);
    const t0 = performance.now();
    const results = await Promise.all(
      convs.map(async (conversation_id, i) => {
        try {
          const r = await post('/agents/streams/messages', {
            message: `s${i}`,
            conversation_id,
            stream: true,
          });
          const text = await r.body.text();
          return r.statusCode === 200 && text.includes('"done":true') && !text.includes('"error"');
        } catch {
          return false;
        }
      }),
    );
    const ms = performance.now() - t0;
    clearInterval(sampler);
    await new Promise((r) => setTimeout(r, 2000));
    const done = results.filter(Boolean).length;
    console.log(
      '| streams | completed | all done after s | RSS before MiB | RSS peak MiB | RSS 2 s after MiB |',
    );
    console.log('|---|---|---|---|---|---|');
    console.log(
      `| ${STREAMS} | ${done} | ${(ms / 1000).toFixed(1)} | ${rssBefore.toFixed(0)} | ${peak.toFixed(0)} | ${rssMiB(server.child.pid!).toFixed(0)} |`,
    );
  } finally {
    await pool.close();
    await stop(server.child);
    await stop(model.child);
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
