/**
 * Fuzzing from the OpenAPI document: ≥ 5,000 generated and mutated requests (deterministic seed,
 * LETTA_FUZZ_SEED to vary it) against a running server over real HTTP. It must answer no 5xx
 * (each offending request is printed), stay up, and every rejected (4xx) request must leave the
 * data as it was (row counts of agents, blocks, conversations, messages, runs, passages, tools and
 * the total length of block values). Successful mutations are allowed and counted.
 */
import { sql } from 'kysely';
import { Pool } from 'undici';
import { describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { startFakeLlm } from './support/fake-llm.js';
import {
  BROKEN_BODIES,
  CONTENT_TYPES,
  chance,
  generate,
  mutate,
  pick,
  type Rng,
  seeded,
  weirdString,
} from './support/fuzz-gen.js';
import { type Operation, operations } from './support/openapi-walk.js';
import { startTestServer, type TestServer } from './support/server.js';

const SEED = Number(process.env.LETTA_FUZZ_SEED ?? 20_240_611);
const REQUESTS = Number(process.env.LETTA_FUZZ_REQUESTS ?? 5_000);
const TABLES = ['agents', 'blocks', 'conversations', 'messages', 'runs', 'passages', 'tools'] as const;

interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

/** One query: the row count of every table in TABLES and the total length of block values. */
async function fingerprint(server: TestServer): Promise<string> {
  const counts = TABLES.map((t) => `(select count(*) from ${t}) as ${t}`).join(', ');
  const result = await sql
    .raw<Record<string, string | number>>(
      `select ${counts}, (select coalesce(sum(length(value)), 0) from blocks) as block_chars`,
    )
    .execute(server.core.store.db);
  const row = result.rows[0] ?? {};
  return Object.entries(row)
    .map(([k, v]) => `${k}=${Number(v)}`)
    .join(' ');
}

/** Ids that exist (so some requests reach deep into the services) and ids that cannot. */
async function idPool(server: TestServer): Promise<Record<string, string[]>> {
  const org = 'org-00000000-0000-4000-8000-000000000000';
  const s = server.core.store;
  const agents = (await s.agents.list(org, { limit: 20 })) as Array<{ id: string; name: string }>;
  const blocks = (await s.blocks.list(org, { limit: 20 })) as Array<{ id: string; label: string }>;
  const tools = (await s.tools.list(org, { limit: 5 })) as Array<{ id: string }>;
  const db = s.db;
  const convs = await db.selectFrom('conversations').select('id').limit(20).execute();
  const runs = await db.selectFrom('runs').select('id').limit(20).execute();
  const passages = await db.selectFrom('passages').select('id').limit(20).execute();
  return {
    agent: agents.flatMap((a) => [a.name, a.id]),
    agent_id: agents.map((a) => a.id),
    conversation: convs.map((c) => c.id),
    conversation_id: convs.map((c) => c.id),
    block_id: blocks.map((b) => b.id),
    block_label: blocks.map((b) => b.label),
    tool_id: tools.map((t) => t.id),
    run_id: runs.map((r) => r.id),
    memory_id: passages.map((p) => p.id),
  };
}

/** encodeURIComponent, with lone surrogates sent as the (invalid UTF-8) bytes of one. */
function enc(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80';
  }
}

const BAD_IDS = [
  'agent-00000000-0000-4000-8000-000000000000',
  'conv-ffffffff-ffff-4fff-bfff-ffffffffffff',
  'block-not-a-uuid',
  'x'.repeat(600),
  '%00',
  '%F0%9F%92%A5',
  '..%2F..%2Fetc',
  '%E0%A4%A',
  '-1',
  'null',
  '%20',
];

function pathValue(rng: Rng, pool: Record<string, string[]>, name: string): string {
  const real = pool[name] ?? [];
  if (real.length > 0 && chance(rng, 0.6)) return enc(pick(rng, real));
  return chance(rng, 0.7) ? pick(rng, BAD_IDS) : enc(weirdString(rng).slice(0, 300));
}

function buildRequest(rng: Rng, op: Operation, pool: Record<string, string[]>): FuzzRequest {
  const values: Record<string, string> = {};
  for (const p of op.pathParams) values[p] = pathValue(rng, pool, p);
  // fillPath encodes; the values above are already encoded, so substitute directly.
  const path = op.path.replace(/\{([^}]+)\}/g, (_, n: string) => values[n] ?? 'x');
  const qs: string[] = [];
  for (const q of op.query) {
    if (!q.required && !chance(rng, 0.3)) continue;
    const v = chance(rng, 0.6) ? generate(q.schema, rng) : weirdString(rng).slice(0, 5000);
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    qs.push(`${enc(q.name)}=${enc(text)}`);
    if (chance(rng, 0.1)) qs.push(`${enc(q.name)}=${enc(text)}`);
  }
  if (chance(rng, 0.05)) qs.push(`${enc(weirdString(rng).slice(0, 50))}=1`);
  const url = `${path}${qs.length > 0 ? `?${qs.join('&')}` : ''}`;
  let method = op.method;
  if (chance(rng, 0.03)) method = pick(rng, ['PUT', 'PATCH', 'DELETE', 'POST', 'GET', 'OPTIONS']);
  const headers: Record<string, string> = {};
  if (method === 'GET' || method === 'DELETE' || method === 'OPTIONS') {
    if (chance(rng, 0.05)) {
      headers['content-type'] = 'application/json';
      return { method, url, headers, body: '{"unexpected":true}' };
    }
    return { method, url, headers };
  }
  const r = rng();
  headers['content-type'] = 'application/json';
  if (r < 0.35) return { method, url, headers, body: JSON.stringify(generate(op.body, rng)) };
  if (r < 0.8) return { method, url, headers, body: JSON.stringify(mutate(generate(op.body, rng), rng)) };
  if (r < 0.9) return { method, url, headers, body: pick(rng, BROKEN_BODIES) };
  const ct = pick(rng, CONTENT_TYPES);
  if (ct) headers['content-type'] = ct;
  else delete headers['content-type'];
  return { method, url, headers, body: JSON.stringify(generate(op.body, rng)) };
}

function describeRequest(req: FuzzRequest): string {
  const body =
    req.body === undefined
      ? ''
      : typeof req.body === 'string'
        ? req.body
        : Buffer.from(req.body).toString('hex');
  return `${req.method} ${req.url.slice(0, 300)} ${JSON.stringify(req.headers)} ${body.slice(0, 500)}`;
}

describe.each(DIALECTS)('fuzz (%s)', (dialect) => {
  it(`${REQUESTS} generated and mutated requests: no 5xx, server stays up, rejected requests change nothing`, async () => {
    await using llm = await startFakeLlm({ defaultReply: { content: 'OK' } });
    await using server = await startTestServer(dialect, {
      env: {
        OPENAI_API_KEY: 'test',
        OPENAI_BASE_URL: llm.url,
        LETTA_LLM_MAX_RETRIES: '0',
        LETTA_CONVERSATION_WAIT_MS: '2000',
        LETTA_DEFAULT_LLM_HANDLE: 'openai/gpt-4o-mini',
        LETTA_DEFAULT_EMBEDDING_HANDLE: 'openai/text-embedding-3-small',
      },
    });
    const json = { 'content-type': 'application/json' };
    const post = (path: string, body: unknown) =>
      fetch(`${server.baseUrl}${path}`, { method: 'POST', headers: json, body: JSON.stringify(body) });
    for (const name of ['ann', 'bob', 'cat']) {
      const res = await post('/agents', { name, persona: `I am ${name}`, human: 'someone' });
      expect(res.status).toBe(201);
      const agent = (await res.json()) as { id: string };
      await (await post(`/agents/${name}/conversations`, {})).arrayBuffer();
      await (
        await post(`/v1/agents/${agent.id}/archival-memory`, { text: `fact about ${name}` })
      ).arrayBuffer();
      await (await post(`/agents/${name}/messages`, { message: 'hello' })).arrayBuffer();
    }
    await (await post('/v1/blocks/', { label: 'notes', value: 'shared notes' })).arrayBuffer();

    const doc = (await (await fetch(`${server.baseUrl}/openapi.json`)).json()) as unknown;
    const ops = operations(doc).filter((o) => !o.public);
    const rng = seeded(SEED);
    const http = new Pool(server.baseUrl, { connections: 4 });
    let pool = await idPool(server);
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    const changedByRejected: string[] = [];
    let mutations = 0;
    const started = Date.now();
    for (let i = 0; i < REQUESTS; i++) {
      if (i % 250 === 0) pool = await idPool(server);
      const op = pick(rng, ops);
      const req = buildRequest(rng, op, pool);
      const writes = req.method !== 'GET';
      let before = '';
      if (writes) {
        await server.core.messages.drain(5000); // background runs of earlier requests settle first
        before = await fingerprint(server);
      }
      let status: number;
      try {
        const res = await http.request({
          path: req.url,
          method: req.method as 'GET',
          headers: req.headers,
          ...(req.body === undefined ? {} : { body: req.body }),
          headersTimeout: 15_000,
          bodyTimeout: 15_000,
        });
        await res.body.arrayBuffer();
        status = res.statusCode;
      } catch (err) {
        failures.push(`network error ${(err as Error).message}: ${describeRequest(req)}`);
        continue;
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status >= 500) {
        failures.push(`${status}: ${describeRequest(req)}`);
        console.error(`fuzz: ${status} for ${describeRequest(req)}`);
      }
      if (writes) {
        await server.core.messages.drain(5000);
        const after = await fingerprint(server);
        if (status >= 400 && status < 500 && after !== before) {
          changedByRejected.push(`${status}: ${describeRequest(req)}\n  ${before}\n  ${after}`);
        } else if (status < 300 && after !== before) mutations++;
      }
    }
    const ms = Date.now() - started;
    await http.close();
    const health = await fetch(`${server.baseUrl}/health`);
    console.info(
      `fuzz: ${REQUESTS} requests (seed ${SEED}) in ${ms} ms; ${mutations} successful mutations; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`,
    );
    expect(failures).toEqual([]);
    expect(changedByRejected).toEqual([]);
    expect(health.status).toBe(200);
    expect(mutations).toBeGreaterThan(0); // the fingerprint does see changes
    expect(ms).toBeLessThan(60_000);
    expect([...statuses.keys()].some((s) => s < 300)).toBe(true);
  }, 180_000);
});
