/**
 * Hostile-tenant benchmark (run by hand, under a minute): one organization sends the requests of
 * issue 12 ("No tenant can stall the others") to a real `letta server --auth` while another
 * organization's requests (`GET /agents/sam`, one at a time) are timed. Prints one line per attack:
 * its answer and time, and the other tenant's p50/p99/max meanwhile. Plain JS, so it can run
 * against any build: `LETTA_DIR=/path/to/checkout node bench/hostile-load.mjs [sqlite|postgres]`
 * (HOSTILE_ONLY=<regex> runs only the attacks whose name matches).
 * A scripted model in this process answers every chat call at once.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const DIR = resolve(process.env.LETTA_DIR ?? '.');
const DIALECT = process.argv[2] ?? 'sqlite';
const PG_ADMIN = process.env.LETTA_TEST_PG_ADMIN_URI ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

function fakeModel() {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.url?.endsWith('/embeddings')) {
        const input = [JSON.parse(body).input].flat();
        const data = input.map((_t, index) => ({ object: 'embedding', index, embedding: Array(8).fill(0.1) }));
        res.end(JSON.stringify({ object: 'list', data, model: 'e', usage: { prompt_tokens: 1, total_tokens: 1 } }));
        return;
      }
      if (req.url?.endsWith('/models')) {
        res.end(JSON.stringify({ object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model' }] }));
        return;
      }
      res.end(
        JSON.stringify({
          id: 'c',
          object: 'chat.completion',
          created: 0,
          model: 'gpt-4o-mini',
          choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'ok' } }],
          usage: { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11 },
        }),
      );
    });
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

const home = mkdtempSync(join(tmpdir(), 'letta-hostile-'));
const pgDb = `letta_hostile_${process.pid}`;
const env = { ...process.env, LETTA_HOME: home, LETTA_LOG_LEVEL: 'warn' };
if (DIALECT === 'postgres') {
  const { default: pg } = await import(join(DIR, 'node_modules/pg/lib/index.js'));
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${pgDb}`);
  await admin.end();
  env.LETTA_PG_URI = PG_ADMIN.replace(/\/[^/]*$/, `/${pgDb}`);
}
const keyFor = (org) =>
  spawnSync(process.execPath, [join(DIR, 'bin/letta.js'), 'keys', 'create', '--org', org], { env })
    .stdout.toString()
    .trim()
    .split('\n')
    .pop();
const hostileKey = keyFor('mallory');
const victimKey = keyFor('alice');
const model = await fakeModel();
env.OPENAI_BASE_URL = `http://127.0.0.1:${model.address().port}/v1`;
env.OPENAI_API_KEY = 'x';
env.LETTA_DEFAULT_EMBEDDING_HANDLE = 'openai/text-embedding-3-small';
const port = 20000 + (process.pid % 20000);
const child = spawn(process.execPath, [join(DIR, 'bin/letta.js'), 'server', '--port', String(port), '--auth'], {
  env,
  stdio: ['ignore', 'ignore', 'inherit'],
});
const base = `http://127.0.0.1:${port}`;
for (;;) {
  try {
    if ((await fetch(`${base}/health`)).ok) break;
  } catch {}
  await new Promise((r) => setTimeout(r, 20));
}

async function call(key, method, path, body) {
  const t = performance.now();
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, json, ms: performance.now() - t, bytes: text.length };
}
const mallory = (m, p, b) => call(hostileKey, m, p, b);

await call(victimKey, 'POST', '/agents', { name: 'sam', model: 'gpt-4o-mini' });

const ONLY = process.env.HOSTILE_ONLY ? new RegExp(process.env.HOSTILE_ONLY) : undefined;

/** Runs `attack` while the victim polls `GET /agents/sam`; prints both. */
async function measure(name, attack) {
  if (ONLY && !ONLY.test(name)) return { status: 'skipped' };
  const times = [];
  let done = false;
  const victim = (async () => {
    while (!done) {
      const r = await call(victimKey, 'GET', '/agents/sam');
      times.push(r.ms);
    }
  })();
  await new Promise((r) => setTimeout(r, 50));
  let result;
  try {
    result = await attack();
  } catch (err) {
    result = { status: 'error', ms: Number.NaN, detail: String(err) };
  }
  await new Promise((r) => setTimeout(r, 50));
  done = true;
  await victim;
  times.sort((a, b) => a - b);
  const at = (p) => times[Math.min(times.length - 1, Math.floor((times.length * p) / 100))].toFixed(1);
  const code = result.json?.code ? ` ${result.json.code}` : '';
  console.log(
    `${name.padEnd(58)} ${String(result.status).padStart(5)}${code.padEnd(16)} ${result.ms.toFixed(0).padStart(6)} ms` +
      ` | other tenant p50 ${at(50)} p99 ${at(99)} max ${at(100)} ms (n=${times.length})`,
  );
  return result;
}

const agent = (await mallory('POST', '/v1/agents/', { name: 'm', model: 'openai/gpt-4o-mini' })).json;
await mallory('POST', '/agents', { name: 'mt', model: 'gpt-4o-mini' });
// Routes compile their validators on first use: one benign request to each first.
const warm = (await mallory('POST', '/v1/agents/', { name: 'warm', model: 'openai/gpt-4o-mini' })).json;
for (const [m, p, b] of [
  ['POST', '/agents/mt/messages', { message: 'hi' }],
  ['POST', `/v1/agents/${agent.id}/messages`, { messages: [{ role: 'user', content: 'hi' }] }],
  ['POST', '/agents', { name: 'warm-t', persona: 'p', model: 'gpt-4o-mini' }],
  ['POST', `/v1/agents/${warm.id}/archival-memory`, { text: 'warm' }],
  ['GET', `/v1/agents/${warm.id}/archival-memory/search?query=warm`],
  ['GET', `/v1/agents/${warm.id}/archival-memory?search=warm`],
  ['POST', '/v1/blocks/', { label: 'warm', value: 'v' }],
  ['POST', `/v1/conversations/?agent_id=${warm.id}`, {}],
  ['GET', '/v1/agents/?limit=1&include=agent.blocks'],
]) {
  await mallory(m, p, b);
}
console.log(`# ${DIALECT}, ${DIR}`);
await measure('tutorial send, 100,000 spaces', () => mallory('POST', '/agents/mt/messages', { message: ' '.repeat(100_000) }));
await measure('v1 send, 200,000 spaces', () =>
  mallory('POST', `/v1/agents/${agent.id}/messages`, { messages: [{ role: 'user', content: ' '.repeat(200_000) }] }),
);
await measure('tutorial send, 40,000 NBSP', () => mallory('POST', '/agents/mt/messages', { message: '\u00a0'.repeat(40_000) }));
await measure('persona of 200,000 spaces', () =>
  mallory('POST', '/agents', { name: 'mp', persona: ' '.repeat(200_000), model: 'gpt-4o-mini' }),
);

// Archival: three 1 MB passages (or, where refused, as many of the largest allowed), then a
// search and a substring listing for `a`×999+`b`.
const big = 'a'.repeat(1_000_000);
const first = await measure('archival insert, 1 MB passage', () =>
  mallory('POST', `/v1/agents/${agent.id}/archival-memory`, { text: big }),
);
if (first.status < 300) {
  for (let i = 0; i < 2; i++) await mallory('POST', `/v1/agents/${agent.id}/archival-memory`, { text: big });
} else {
  for (let i = 0; i < 30; i++) await mallory('POST', `/v1/agents/${agent.id}/archival-memory`, { text: 'a'.repeat(100_000) });
}
const q = `${'a'.repeat(999)}b`;
await measure('archival search, query a×999+b', () =>
  mallory('GET', `/v1/agents/${agent.id}/archival-memory/search?query=${q}`),
);
await measure('archival list, search=a×999+b', () => mallory('GET', `/v1/agents/${agent.id}/archival-memory?search=${q}`));
await measure('archival list, search=a×99+b', () =>
  mallory('GET', `/v1/agents/${agent.id}/archival-memory?search=${'a'.repeat(99)}b`),
);

// Blocks: ten 900 KB shared blocks on one agent (or the largest allowed), then a conversation.
const blockIds = [];
for (let i = 0; i < 10; i++) {
  let r = await mallory('POST', '/v1/blocks/', { label: `big${i}`, value: 'x'.repeat(900_000), limit: 1_000_000 });
  if (r.status >= 300) r = await mallory('POST', '/v1/blocks/', { label: `big${i}`, value: 'x'.repeat(100_000) });
  if (r.status < 300) blockIds.push(r.json.id);
}
const holder = (await mallory('POST', '/v1/agents/', { name: 'holder', model: 'openai/gpt-4o-mini' })).json;
const attached = [];
for (const id of blockIds) attached.push((await mallory('PATCH', `/v1/agents/${holder.id}/core-memory/blocks/attach/${id}`)).status);
console.log(`  attach ten big blocks: ${attached.join(' ')}`);
await measure('new conversation on that agent', () => mallory('POST', `/v1/conversations/?agent_id=${holder.id}`, {}));
for (let i = 0; i < 29; i++) {
  const a = (await mallory('POST', '/v1/agents/', { name: `h${i}`, model: 'openai/gpt-4o-mini', block_ids: blockIds })).json;
  void a;
}
await measure('GET /v1/agents/?limit=1000&include=agent.blocks', () =>
  mallory('GET', '/v1/agents/?limit=1000&include=agent.blocks'),
);

// Numbers and depth.
await measure('block limit 3,000,000,000', () => mallory('POST', '/v1/blocks/', { label: 'n', value: 'v', limit: 3_000_000_000 }));
await measure('context_window_limit 3,000,000,000', () =>
  mallory('POST', '/v1/agents/', { name: 'n1', model: 'openai/gpt-4o-mini', context_window_limit: 3_000_000_000 }),
);
await measure('context_window_limit 1e300', () =>
  mallory('POST', '/v1/agents/', `{"name":"n2","model":"openai/gpt-4o-mini","context_window_limit":1e300}`),
);
await measure('metadata nested 10,000 deep', () =>
  mallory('POST', '/v1/agents/', `{"name":"d","model":"openai/gpt-4o-mini","metadata":{"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}}`),
);
const metrics = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${victimKey}` } }).then((r) => r.text());
console.log(`  server RSS at the end: ${(Number(/process_resident_memory_bytes (\d+)/.exec(metrics)?.[1] ?? 0) / 1e6).toFixed(0)} MB`);

child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
model.close();
rmSync(home, { recursive: true, force: true });
if (DIALECT === 'postgres') {
  const { default: pg } = await import(join(DIR, 'node_modules/pg/lib/index.js'));
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${pgDb} WITH (FORCE)`);
  await admin.end();
}
