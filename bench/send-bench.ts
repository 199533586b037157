/**
 * End-to-end send benchmark (run by hand: `npm run bench`). Every part is a separate process on
 * loopback: the scripted model (answers at once), the bare pass-through proxy (the floor), the
 * real `letta server` from the CLI, and this driver as the client.
 *
 * Measures, per database: cold start, send latency p50/p99 with 10 and with 10,000 messages of
 * history, sends/s across 32 conversations, RSS after that load, and time to the first streamed
 * `content` line; and the same latency, throughput and first-line time for the proxy.
 *
 * Options (env): BENCH_DIALECTS=sqlite,postgres BENCH_SENDS=2000 BENCH_SECONDS=10 BENCH_HISTORY=10000;
 * BENCH_NODE_FLAGS adds Node flags to the server process only (`--cpu-prof --cpu-prof-dir=/tmp/p`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Pool } from 'undici';
import { pct, rssMiB, startJsonLine, startLetta, stop } from './harness.js';

const DIALECTS = (process.env.BENCH_DIALECTS ?? 'sqlite,postgres').split(',');
const SENDS = Number(process.env.BENCH_SENDS ?? 2000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const HISTORY = Number(process.env.BENCH_HISTORY ?? 10_000);
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const CONCURRENCY = 32;
const PG_ADMIN = process.env.LETTA_TEST_PG_ADMIN_URI ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

function client(url: string): Pool {
  return new Pool(url, { connections: CONCURRENCY + 4, pipelining: 1 });
}

async function post(pool: Pool, path: string, body: unknown): Promise<unknown> {
  const r = await pool.request({
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await r.body.json();
  if (r.statusCode >= 300) throw new Error(`${path}: ${r.statusCode} ${JSON.stringify(json)}`);
  return json;
}

async function latency(
  pool: Pool,
  path: string,
  body: (i: number) => unknown,
  n: number,
): Promise<{ p50: number; p99: number }> {
  const warm = Math.min(200, n);
  for (let i = 0; i < warm; i++) await post(pool, path, body(i));
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await post(pool, path, body(warm + i));
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { p50: pct(times, 50), p99: pct(times, 99) };
}

async function throughput(pool: Pool, path: string, bodies: ((i: number) => unknown)[]): Promise<number> {
  const deadline = performance.now() + SECONDS * 1000;
  let count = 0;
  await Promise.all(
    bodies.map(async (body) => {
      let i = 0;
      while (performance.now() < deadline) {
        await post(pool, path, body(i++));
        count++;
      }
    }),
  );
  return count / SECONDS;
}

async function firstContent(pool: Pool, path: string, body: unknown, n = 200): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await pool.request({
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    let first = 0;
    let buf = '';
    for await (const chunk of r.body) {
      buf += chunk.toString();
      if (!first && buf.includes('"content"')) first = performance.now() - t;
    }
    times.push(first);
  }
  times.sort((a, b) => a - b);
  return pct(times, 50);
}

const f = (n: number) => (Number.isFinite(n) ? n.toFixed(n < 10 ? 2 : 0) : 'n/a');

async function main(): Promise<void> {
  const model = await startJsonLine(process.execPath, ['.bench-build/bench/processes/fake-llm.js']);
  const proxy = await startJsonLine(process.execPath, ['.bench-build/bench/processes/proxy.js', model.url]);
  const rows: string[] = [];
  try {
    const pp = client(proxy.url);
    const pLat = await latency(pp, '/agents/x/messages', (i) => ({ message: `hello ${i}` }), SENDS);
    const pTput = await throughput(
      pp,
      '/agents/x/messages',
      Array.from({ length: CONCURRENCY }, () => (i: number) => ({ message: `m ${i}` })),
    );
    const pFirst = await firstContent(pp, '/agents/x/messages', { message: 'hi', stream: true });
    rows.push(
      `| proxy (floor) | – | ${f(pLat.p50)} | ${f(pLat.p99)} | – | – | ${f(pTput)} | ${f(rssMiB(proxy.child.pid!))} | ${f(pFirst)} |`,
    );
    await pp.close();

    for (const dialect of DIALECTS) {
      const home = mkdtempSync(join(tmpdir(), 'letta-bench-'));
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        LETTA_HOME: home,
        OPENAI_API_KEY: 'bench',
        OPENAI_BASE_URL: model.url,
      };
      delete env.LETTA_PG_URI;
      let dbName: string | undefined;
      if (dialect === 'postgres') {
        dbName = `letta_bench_${Date.now()}`;
        const admin = new pg.Client({ connectionString: PG_ADMIN });
        await admin.connect();
        await admin.query(`CREATE DATABASE ${dbName}`);
        await admin.end();
        const u = new URL(PG_ADMIN);
        u.pathname = `/${dbName}`;
        env.LETTA_PG_URI = u.toString();
      }
      const port = 18300 + Math.floor(Math.random() * 500);
      // First start migrates an empty database; the restart is the cold start users see.
      const first = await startLetta(env, port, NODE_FLAGS);
      await stop(first.child);
      const server = await startLetta(env, port, NODE_FLAGS);
      const lp = client(server.url);
      await post(lp, '/agents', { name: 'bench', persona: 'You are a benchmark.', model: 'gpt-4o-mini' });
      // Short history: every conversation gets 5 sends, so it never holds more than 10 messages.
      const shortConvs: string[] = [];
      for (let i = 0; i < (SENDS + 200) / 5; i++) {
        shortConvs.push(((await post(lp, '/agents/bench/conversations', {})) as { id: string }).id);
      }
      const short = await latency(
        lp,
        '/agents/bench/messages',
        (i) => ({
          message: `hello ${i}`,
          conversation_id: shortConvs[Math.floor(i / 5) % shortConvs.length],
        }),
        SENDS,
      );
      // Long history: grow the default conversation to HISTORY messages (a send stores 2).
      for (let i = 0; i < HISTORY; i += 2)
        await post(lp, '/agents/bench/messages', { message: `filler ${i}` });
      const long = await latency(
        lp,
        '/agents/bench/messages',
        (i) => ({ message: `again ${i}` }),
        Math.min(SENDS, 1000),
      );
      const convs = await Promise.all(
        Array.from(
          { length: CONCURRENCY },
          () => post(lp, '/agents/bench/conversations', {}) as Promise<{ id: string }>,
        ),
      );
      const tput = await throughput(
        lp,
        '/agents/bench/messages',
        convs.map((c) => (i: number) => ({ message: `m ${i}`, conversation_id: c.id })),
      );
      const rss = rssMiB(server.child.pid!);
      const firstLine = await firstContent(lp, '/agents/bench/messages', { message: 'hi', stream: true });
      rows.push(
        `| letta-ts ${dialect} | ${f(server.ms)} | ${f(short.p50)} | ${f(short.p99)} | ${f(long.p50)} | ${f(long.p99)} | ${f(tput)} | ${f(rss)} | ${f(firstLine)} |`,
      );
      if (dialect === 'postgres') {
        // Scale-out as the tutorial deploys it: a second process on the same database, the 32
        // conversations split between the two (each client keeps to its own process).
        const second = await startLetta(env, port + 1, NODE_FLAGS);
        const lp2 = client(second.url);
        const pools = [lp, lp2];
        const deadline = performance.now() + SECONDS * 1000;
        let count = 0;
        await Promise.all(
          convs.map(async (c, k) => {
            const pool = pools[k % 2] as Pool;
            for (let i = 0; performance.now() < deadline; i++) {
              await post(pool, '/agents/bench/messages', { message: `two ${i}`, conversation_id: c.id });
              count++;
            }
          }),
        );
        rows.push(
          `| letta-ts postgres, 2 processes | – | – | – | – | – | ${f(count / SECONDS)} | ${f(rssMiB(second.child.pid!))} (2nd) | – |`,
        );
        await lp2.close();
        await stop(second.child);
      }
      await lp.close();
      await stop(server.child);
      if (dbName) {
        const admin = new pg.Client({ connectionString: PG_ADMIN });
        await admin.connect();
        await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
        await admin.end();
      }
      rmSync(home, { recursive: true, force: true });
    }
  } finally {
    await stop(proxy.child);
    await stop(model.child);
  }
  console.log(`\nsends=${SENDS} seconds=${SECONDS} history=${HISTORY} concurrency=${CONCURRENCY}\n`);
  console.log(
    '| server | cold start ms | p50 ms (10 msgs) | p99 ms | p50 ms (10k msgs) | p99 ms | sends/s (32 convs) | RSS MiB after | first content line ms (p50) |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

await main();
