/**
 * Bounds on what one request may make the server do (README, "Limits"; issue 12): every number a
 * client sends has a range the databases can store, JSON bodies have a bounded depth, and block,
 * passage, search and answer sizes are bounded, each refusal a 422 LIMIT_EXCEEDED (or the
 * validation error) instead of a 500 or a stalled server. Store-backed bounds run on both databases.
 */
import { describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { operations, type Schema } from './support/openapi-walk.js';
import { startTestServer, type TestServer } from './support/server.js';

type Json = Record<string, unknown>;
const INT32_MAX = 2_147_483_647;

async function call(server: TestServer, method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : undefined) as Json };
}

describe('numbers and depth', () => {
  it('every number in a request body or query of /openapi.json has a range PostgreSQL can store', async () => {
    await using server = await startTestServer('sqlite');
    const doc = (await (await fetch(`${server.baseUrl}/openapi.json`)).json()) as unknown;
    const problems: string[] = [];
    const walk = (node: unknown, where: string) => {
      if (typeof node !== 'object' || node === null) return;
      const s = node as Schema;
      const types = [s.type ?? []].flat();
      if (types.includes('integer') || types.includes('number')) {
        const min = s.minimum as number | undefined;
        const max = s.maximum as number | undefined;
        if (min === undefined || max === undefined || min < -INT32_MAX - 1 || max > INT32_MAX)
          problems.push(`${where}: ${types.join('|')} in [${min}, ${max}]`);
      }
      for (const [k, v] of Object.entries(s)) {
        if (k === 'examples' || k === 'default') continue;
        if (Array.isArray(v)) for (const [i, x] of v.entries()) walk(x, `${where}.${k}[${i}]`);
        else walk(v, `${where}.${k}`);
      }
    };
    for (const op of operations(doc)) {
      walk(op.body, `${op.method} ${op.path} body`);
      for (const q of op.query) walk(q.schema, `${op.method} ${op.path} query.${q.name}`);
    }
    expect(problems).toEqual([]);
  });

  it('refuses a JSON body nested deeper than the limit before parsing it (422), and takes a deep-enough one', async () => {
    await using server = await startTestServer('sqlite');
    const deep = `{"name":"d","metadata":{"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}}`;
    const refused = await call(server, 'POST', '/v1/agents/', deep);
    expect(refused.status).toBe(422);
    expect(refused.json).toEqual({
      detail: expect.stringContaining('LETTA_MAX_JSON_DEPTH'),
      code: 'LIMIT_EXCEEDED',
    });
    // Brackets inside strings do not count.
    const ok = await call(server, 'POST', '/v1/agents/', {
      name: 'ok',
      metadata: {
        a: [[[[{ b: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[' }]]]],
      },
    });
    expect(ok.status).toBe(200);
    expect((await call(server, 'GET', '/agents')).json).toHaveLength(1);
  });
});

describe.each(DIALECTS)('limits (%s)', (dialect) => {
  it('numbers out of range are 422, not a database error', async () => {
    await using server = await startTestServer(dialect);
    for (const [path, body] of [
      ['/v1/blocks/', { label: 'n', value: 'v', limit: 3_000_000_000 }],
      ['/v1/agents/', { name: 'n1', context_window_limit: 3_000_000_000 }],
      ['/agents', { name: 'n2', context_window_limit: 3_000_000_000 }],
    ] as const) {
      const r = await call(server, 'POST', path, body);
      expect(r.status, `${path} ${JSON.stringify(body)}`).toBe(422);
      expect(r.json.code).toBe('VALIDATION_ERROR');
    }
    const huge = await call(server, 'POST', '/v1/agents/', '{"name":"n3","context_window_limit":1e300}');
    expect(huge.status).toBe(422);
    expect((await call(server, 'GET', '/agents')).json).toHaveLength(0);
  });

  it('bounds block values, an agent’s blocks together and passage texts', async () => {
    await using server = await startTestServer(dialect, {
      env: {
        LETTA_MAX_BLOCK_CHARS: '1000',
        LETTA_MAX_AGENT_BLOCK_CHARS: '2500',
        LETTA_MAX_PASSAGE_CHARS: '500',
      },
    });
    const big = await call(server, 'POST', '/v1/blocks/', { label: 'b', value: 'x'.repeat(1001) });
    expect(big.status).toBe(422);
    expect(big.json).toEqual({
      detail: expect.stringContaining('LETTA_MAX_BLOCK_CHARS'),
      code: 'LIMIT_EXCEEDED',
    });
    expect((await call(server, 'POST', '/v1/blocks/', { label: 'b', value: 'x', limit: 1001 })).status).toBe(
      422,
    );
    const block = async (label: string, n: number) =>
      (await call(server, 'POST', '/v1/blocks/', { label, value: 'x'.repeat(n) })).json.id as string;
    const ids = [await block('b0', 1000), await block('b1', 1000), await block('b2', 1000)];
    // Creating an agent over the total (3,000 > 2,500) is refused whole: no agent left behind.
    const tooMany = await call(server, 'POST', '/v1/agents/', { name: 'a', block_ids: ids });
    expect(tooMany.status).toBe(422);
    expect(tooMany.json.detail).toContain('LETTA_MAX_AGENT_BLOCK_CHARS');
    expect((await call(server, 'GET', '/agents')).json).toHaveLength(0);
    // A block attached to no agent can change freely.
    expect((await call(server, 'PATCH', `/v1/blocks/${ids[2]}`, { value: 'x'.repeat(100) })).status).toBe(
      200,
    );
    const agent = (await call(server, 'POST', '/v1/agents/', { name: 'a', block_ids: ids })).json;
    expect(agent.id).toBeDefined();
    // Attaching a fourth block, or growing one past the total, is refused; growing within it is not.
    const attach = await call(
      server,
      'PATCH',
      `/v1/agents/${agent.id}/core-memory/blocks/attach/${await block('b3', 1000)}`,
    );
    expect(attach.status).toBe(422);
    expect(attach.json.code).toBe('LIMIT_EXCEEDED');
    expect((await call(server, 'PATCH', `/v1/blocks/${ids[2]}`, { value: 'x'.repeat(400) })).status).toBe(
      200,
    );
    const over = await call(server, 'PATCH', `/v1/blocks/${ids[2]}`, { value: 'x'.repeat(600) });
    expect(over.status).toBe(422);
    expect(over.json.detail).toContain('LETTA_MAX_AGENT_BLOCK_CHARS');
    const label = await call(server, 'PATCH', `/v1/agents/${agent.id}/core-memory/blocks/b2`, {
      value: 'x'.repeat(600),
    });
    expect(label.status).toBe(422);
    // Passages.
    const passage = await call(server, 'POST', `/v1/agents/${agent.id}/archival-memory`, {
      text: 'p'.repeat(501),
    });
    expect(passage.status).toBe(422);
    expect(passage.json.detail).toContain('LETTA_MAX_PASSAGE_CHARS');
    expect(
      (await call(server, 'POST', `/v1/agents/${agent.id}/archival-memory`, { text: 'p'.repeat(500) }))
        .status,
    ).toBe(200);
  });

  it('bounds search queries: length, words and word length; a substring filter’s length', async () => {
    await using server = await startTestServer(dialect);
    const agent = (await call(server, 'POST', '/v1/agents/', { name: 's' })).json;
    await call(server, 'POST', `/v1/agents/${agent.id}/archival-memory`, { text: 'the quick brown fox' });
    const base = `/v1/agents/${agent.id}/archival-memory`;
    const refused = [
      `${base}/search?query=${'a'.repeat(999)}b`,
      `${base}/search?query=${encodeURIComponent(Array.from({ length: 33 }, (_, i) => `w${i}`).join(' '))}`,
      `${base}?search=${'a'.repeat(100)}b`,
      `/agents/s/archival/search?query=${'a'.repeat(101)}`,
    ];
    for (const path of refused) {
      const r = await call(server, 'GET', path);
      expect(r.status, path).toBe(422);
      expect(r.json.code, path).toBe('LIMIT_EXCEEDED');
    }
    const found = await call(server, 'GET', `${base}?search=QUICK%20brown`);
    expect((found.json as unknown as unknown[]).length).toBe(1);
    const none = await call(server, 'GET', `${base}?search=quick%20fox`);
    expect((none.json as unknown as unknown[]).length).toBe(0);
    const searched = await call(server, 'GET', `${base}/search?query=quick%20fox`);
    expect(searched.status).toBe(200);
  });

  it('refuses an answer over the response budget with 422 instead of building it', async () => {
    await using server = await startTestServer(dialect, { env: { LETTA_MAX_RESPONSE_MB: '1' } });
    const block = (await call(server, 'POST', '/v1/blocks/', { label: 'shared', value: 'z'.repeat(90_000) }))
      .json;
    for (let i = 0; i < 14; i++)
      await call(server, 'POST', '/v1/agents/', { name: `a${i}`, block_ids: [block.id] });
    const heavy = await call(server, 'GET', '/v1/agents/?limit=1000&include=agent.blocks');
    expect(heavy.status).toBe(422);
    expect(heavy.json).toEqual({
      detail: expect.stringContaining('LETTA_MAX_RESPONSE_MB'),
      code: 'LIMIT_EXCEEDED',
    });
    const light = await call(server, 'GET', '/v1/agents/?limit=2&include=agent.blocks');
    expect(light.status).toBe(200);
    expect(await call(server, 'GET', '/v1/blocks/?limit=1000').then((r) => r.status)).toBe(200);
    // Without include, Letta's default answers every relationship: the same bound applies.
    expect((await call(server, 'GET', '/v1/agents/?limit=1000')).status).toBe(422);
    expect((await call(server, 'GET', '/agents?limit=1000')).status).toBe(422);
    expect((await call(server, 'GET', '/agents?limit=2')).status).toBe(200);
  });
});
