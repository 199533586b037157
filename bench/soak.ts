/**
 * Soak (run by hand: `npm run bench:soak`): the real `letta server` on SQLite, 16 clients sending
 * back to back on their own conversations for BENCH_SOAK_MINUTES (default 30), the scripted model
 * answering at once. Prints one row per minute: sends, errors, p50/p99, the largest WAL seen
 * (sampled every 200 ms), the database size and the server's RSS; then the first and last
 * minute compared (throughput within 10 %, RSS growth under 5 % is the goal), both from the
 * first minute and from the first minute after the warm-up: the conversations start empty and
 * their context windows (32k tokens) fill in about two minutes, after which every send carries
 * a full window (about 2.5× the work of the first sends: issue 19, item 4). Comparing against
 * the warm-up minute measures that, not the server degrading over time.
 *
 * Options (env): BENCH_SOAK_MINUTES=30 BENCH_SOAK_CLIENTS=16 BENCH_SOAK_WARMUP_MINUTES=2
 * LETTA_SQLITE_WAL_CHECKPOINT_MB=32.
 */
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'undici';
import { pct, rssMiB, startJsonLine, startLettaOnSqlite, stop } from './harness.js';

const MINUTES = Number(process.env.BENCH_SOAK_MINUTES ?? 30);
const CLIENTS = Number(process.env.BENCH_SOAK_CLIENTS ?? 16);
const WARMUP = Number(process.env.BENCH_SOAK_WARMUP_MINUTES ?? 2);

interface Minute {
  sends: number;
  errors: number;
  times: number[];
  walMax: number;
}

function size(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

const mib = (b: number) => (b / 1048576).toFixed(1);

async function main(): Promise<void> {
  const model = await startJsonLine(process.execPath, ['.bench-build/bench/processes/fake-llm.js']);
  const server = await startLettaOnSqlite(model.url, 'soak');
  const home = server.home;
  const db = join(home, 'letta.db');
  const pool = new Pool(server.url, { connections: CLIENTS + 2, pipelining: 1 });
  const post = async (path: string, body: unknown) => {
    const r = await pool.request({
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await r.body.json()) as { id?: string };
    return { status: r.statusCode, json };
  };
  try {
    await post('/agents', { name: 'soak', persona: 'You are a soak test.', model: 'gpt-4o-mini' });
    const convs: string[] = [];
    for (let i = 0; i < CLIENTS; i++)
      convs.push((await post('/agents/soak/conversations', {})).json.id ?? '');
    const minutes: Minute[] = [];
    const current = (): Minute => {
      const m = minutes.at(-1);
      if (!m) throw new Error('no minute');
      return m;
    };
    minutes.push({ sends: 0, errors: 0, times: [], walMax: 0 });
    const t0 = Date.now();
    const end = t0 + MINUTES * 60_000;
    const rss: number[] = [];
    const dbSize: number[] = [];
    const sampler = setInterval(() => {
      const m = current();
      m.walMax = Math.max(m.walMax, size(`${db}-wal`));
    }, 200);
    const ticker = setInterval(() => {
      rss.push(rssMiB(server.child.pid!));
      dbSize.push(size(db));
      const m = current();
      const sorted = [...m.times].sort((a, b) => a - b);
      console.log(
        `| ${minutes.length} | ${m.sends} | ${m.errors} | ${pct(sorted, 50).toFixed(1)} | ${pct(sorted, 99).toFixed(1)} | ${mib(m.walMax)} | ${mib(size(db))} | ${rss.at(-1)?.toFixed(0)} |`,
      );
      if (Date.now() < end) minutes.push({ sends: 0, errors: 0, times: [], walMax: 0 });
    }, 60_000);
    console.log('| minute | sends | errors | p50 ms | p99 ms | largest WAL MiB | database MiB | RSS MiB |');
    console.log('|---|---|---|---|---|---|---|---|');
    await Promise.all(
      convs.map(async (conversation_id) => {
        let i = 0;
        while (Date.now() < end) {
          const t = performance.now();
          const r = await post('/agents/soak/messages', { message: `soak ${i++}`, conversation_id }).catch(
            () => ({ status: 0 }),
          );
          const m = current();
          if (r.status === 200) {
            m.sends++;
            m.times.push(performance.now() - t);
          } else m.errors++;
        }
      }),
    );
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + minutes.length * 60_000 - Date.now() + 50)));
    clearInterval(sampler);
    clearInterval(ticker);
    const count = Math.min(minutes.length, rss.length);
    const compare = (from: number, label: string) => {
      const first = minutes[from];
      const last = minutes[count - 1];
      if (!first || !last || count - 1 <= from) return;
      const rssFirst = rss[from]!;
      const rssLast = rss[count - 1]!;
      console.log(
        `${label}: minute ${from + 1} ${first.sends} sends, minute ${count} ${last.sends} ` +
          `(${(((last.sends - first.sends) / first.sends) * 100).toFixed(1)} %); RSS ${rssFirst.toFixed(0)} → ` +
          `${rssLast.toFixed(0)} MiB (${(((rssLast - rssFirst) / rssFirst) * 100).toFixed(1)} %)`,
      );
    };
    console.log('');
    compare(0, 'from the first minute');
    if (WARMUP > 0) compare(WARMUP, `after ${WARMUP} warm-up minutes`);
    console.log(
      `largest WAL ${mib(Math.max(...minutes.map((m) => m.walMax)))} MiB; database ${mib(dbSize.at(-1) ?? 0)} MiB; ` +
        `${minutes.reduce((n, m) => n + m.errors, 0)} errors`,
    );
  } finally {
    await pool.close();
    await stop(server.child);
    await stop(model.child);
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
