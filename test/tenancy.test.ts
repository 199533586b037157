/**
 * Tenancy proof over the generated OpenAPI document: with `--auth`, every operation (tutorial and
 * /v1) answers 401 without a key unless declared public, and a key of organization B, aimed at
 * organization A's ids (agent name/id, conversation, block id/label, run, passage, tool), never
 * gets a 2xx carrying A's data, never a 5xx, and leaves A's data unchanged.
 */
import { describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { startFakeLlm } from './support/fake-llm.js';
import { fillPath, minimalValue, operations } from './support/openapi-walk.js';
import { startTestServer } from './support/server.js';

type Json = Record<string, unknown>;
const SECRET = 'secret-of-org-A';

describe.each(DIALECTS)('tenancy across every route (%s)', (dialect) => {
  it('no route answers without a key unless public; org B never sees or changes org A data', async () => {
    await using llm = await startFakeLlm({ defaultReply: { content: 'OK' } });
    await using server = await startTestServer(dialect, {
      flags: { auth: true },
      env: {
        OPENAI_API_KEY: 'test',
        OPENAI_BASE_URL: llm.url,
        LETTA_LLM_MAX_RETRIES: '0',
        LETTA_OUTBOUND_ALLOW: '127.0.0.1',
      },
    });
    const keyA = (await server.core.apiKeys.create('org-a')).key;
    const keyB = (await server.core.apiKeys.create('org-b')).key;
    const call = async (key: string | undefined, method: string, path: string, body?: unknown) => {
      const headers: Record<string, string> = {};
      if (key) headers.authorization = `Bearer ${key}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${server.baseUrl}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, text: await res.text() };
    };
    const asA = async (method: string, path: string, body?: unknown) => {
      const res = await call(keyA, method, path, body);
      expect(res.status, `${method} ${path}: ${res.text}`).toBeLessThan(300);
      return JSON.parse(res.text) as Json & Json[];
    };

    // Org A's data: an agent, a standalone block, a conversation, a run (a send), a passage.
    const agent = await asA('POST', '/v1/agents/', {
      name: 'sam',
      model: 'openai/gpt-4o-mini',
      embedding: 'openai/text-embedding-3-small',
      memory_blocks: [
        { label: 'persona', value: `I am Sam, ${SECRET}` },
        { label: 'human', value: `Ann, ${SECRET}` },
      ],
    });
    const agentId = String(agent.id);
    const block = await asA('POST', '/v1/blocks/', { label: 'notes', value: `notes ${SECRET}` });
    const conv = await asA('POST', `/v1/conversations/?agent_id=${agentId}`, {});
    await asA('POST', `/v1/agents/${agentId}/messages`, { input: `hello ${SECRET}` });
    const runs = await asA('GET', `/v1/runs/?agent_id=${agentId}`);
    const passages = await asA('POST', `/v1/agents/${agentId}/archival-memory`, {
      text: `passage ${SECRET}`,
    });
    const tools = await asA('GET', `/v1/tools/`);
    const ids = {
      agent: agentId,
      block: String(block.id),
      conv: String(conv.id),
      run: String(runs[0]?.id),
      passage: String(passages[0]?.id),
      tool: String(tools[0]?.id),
    };
    for (const [k, v] of Object.entries(ids)) expect(v, k).toMatch(/^[a-z]+-[0-9a-f-]{36}$/);
    // An MCP server of A's (nothing listens there: stored without tools).
    const mcpServer = await asA('POST', '/v1/mcp-servers/', {
      server_name: 'a-tools',
      config: {
        mcp_server_type: 'streamable_http',
        server_url: 'http://127.0.0.1:9/mcp',
        auth_token: SECRET,
      },
    });
    const mcpId = String(mcpServer.id);
    expect(mcpId).toMatch(/^mcp_server-[0-9a-f-]{36}$/);

    const snapshot = async () =>
      JSON.stringify(
        await Promise.all(
          [
            '/agents',
            `/v1/agents/${agentId}?include=agent.blocks&include=agent.tools`,
            '/v1/blocks/',
            `/v1/conversations/?agent_id=${agentId}`,
            `/v1/agents/${agentId}/messages?limit=1000`,
            `/v1/runs/?agent_id=${agentId}`,
            `/v1/agents/${agentId}/archival-memory`,
            '/v1/tools/',
            '/v1/mcp-servers/',
          ].map((p) => asA('GET', p)),
        ),
      );
    const before = await snapshot();

    // Org B's own agent, to aim at A's nested ids through a parent B may see.
    const bob = await call(keyB, 'POST', '/v1/agents/', { name: 'bob', model: 'openai/gpt-4o-mini' });
    expect(bob.status).toBe(200);
    const bobId = String((JSON.parse(bob.text) as Json).id);
    const params: Record<string, string[]> = {
      agent: ['sam', ids.agent, 'bob'],
      agent_id: [ids.agent, bobId],
      conversation: [ids.conv],
      conversation_id: [ids.conv],
      block_id: [ids.block],
      block_label: ['persona'],
      run_id: [ids.run],
      memory_id: [ids.passage],
      tool_id: [ids.tool],
      mcp_server_id: [mcpId],
      mcp_server_name: ['a-tools'],
    };
    const queryIds: Record<string, string> = { agent_id: ids.agent, conversation_id: ids.conv };
    const doc = JSON.parse((await call(undefined, 'GET', '/openapi.json')).text) as unknown;
    // Deletes last, so B's own agent lives through the walk.
    const ops = operations(doc).sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
    const ofA = new Set(['sam', 'a-tools', mcpId, ...Object.values(ids)]);
    expect(ops.length).toBeGreaterThan(60);
    let checked = 0;
    const problems: string[] = [];
    for (const op of ops) {
      // (a) without a key (and with a wrong one)
      const bare = fillPath(
        op.path,
        Object.fromEntries(op.pathParams.map((p) => [p, params[p]?.[0] ?? 'x'])),
      );
      const anon = await call(undefined, op.method, bare);
      if (op.public) {
        if (anon.status === 401) problems.push(`${op.method} ${op.path}: public route answered 401`);
      } else {
        if (anon.status !== 401) problems.push(`${op.method} ${op.path}: ${anon.status} without a key`);
        const wrong = await call('lt-not-a-real-key', op.method, bare);
        if (wrong.status !== 401) problems.push(`${op.method} ${op.path}: ${wrong.status} with a wrong key`);
      }
      // (b) org B's key on org A's ids, with a schema-valid body and query
      const variants = op.pathParams.reduce<Record<string, string>[]>(
        (acc, name) => acc.flatMap((v) => (params[name] ?? ['x']).map((val) => ({ ...v, [name]: val }))),
        [{}],
      );
      for (const values of variants) {
        const qs = new URLSearchParams();
        for (const q of op.query) {
          const v = queryIds[q.name] ?? (q.required ? String(minimalValue(q.schema)) : undefined);
          if (v !== undefined) qs.set(q.name, v);
        }
        const url = `${fillPath(op.path, values)}${qs.size > 0 ? `?${qs}` : ''}`;
        const body = op.body ? minimalValue(op.body) : undefined;
        const res = await call(keyB, op.method, url, body);
        checked++;
        const where = `${op.method} ${url} → ${res.status} ${res.text.slice(0, 200)}`;
        if (res.status >= 500) problems.push(`5xx: ${where}`);
        if (res.text.includes(SECRET)) problems.push(`leaks A's content: ${where}`);
        if (res.status < 300) {
          for (const [k, v] of Object.entries({ ...ids, mcp: mcpId })) {
            if (res.text.includes(v)) problems.push(`2xx with A's ${k} id: ${where}`);
          }
          if (Object.values(values).some((v) => ofA.has(v))) {
            problems.push(`2xx on A's id: ${where}`);
          }
        } else if (![400, 404, 409, 422].includes(res.status)) {
          problems.push(`unexpected status: ${where}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(ops.length);
    // (c) org A's data is as it was.
    expect(await snapshot()).toBe(before);
  }, 120_000);
});

describe.each(DIALECTS)('list cursors are scoped to the organization (%s)', (dialect) => {
  it("another organization's id as `after`/`before` behaves like an unknown id", async () => {
    await using llm = await startFakeLlm({ defaultReply: { content: 'OK' } });
    await using server = await startTestServer(dialect, {
      flags: { auth: true },
      env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: llm.url, LETTA_LLM_MAX_RETRIES: '0' },
    });
    const keyA = (await server.core.apiKeys.create('org-a')).key;
    const keyB = (await server.core.apiKeys.create('org-b')).key;
    const call = async (key: string, method: string, path: string, body?: unknown) => {
      const res = await fetch(`${server.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      expect(res.status, `${method} ${path}`).toBeLessThan(300);
      return (await res.json()) as Json & Json[];
    };
    // A's rows first, then B's: with an unscoped cursor, B's pages after A's ids would hold B's rows.
    const agentA = await call(keyA, 'POST', '/v1/agents/', { name: 'a', model: 'openai/gpt-4o-mini' });
    await call(keyA, 'POST', `/v1/agents/${agentA.id}/messages`, { input: 'from a' });
    const blockA = await call(keyA, 'POST', '/v1/blocks/', { label: 'a', value: 'a' });
    const messagesA = await call(keyA, 'GET', `/v1/agents/${agentA.id}/messages`);
    const runsA = await call(keyA, 'GET', `/v1/runs/?agent_id=${agentA.id}`);
    const stepsA = await call(keyA, 'GET', `/v1/steps/?agent_id=${agentA.id}`);
    const toolsA = await call(keyA, 'GET', '/v1/tools/');
    const conversationsA = await call(keyA, 'GET', `/v1/conversations/?agent_id=${agentA.id}`);
    const archiveA = await call(keyA, 'POST', '/v1/archives/', { name: 'a' });
    const agentB = await call(keyB, 'POST', '/v1/agents/', { name: 'b', model: 'openai/gpt-4o-mini' });
    await call(keyB, 'POST', `/v1/agents/${agentB.id}/messages`, { input: 'from b' });
    await call(keyB, 'POST', '/v1/blocks/', { label: 'b', value: 'b' });
    await call(keyB, 'POST', '/v1/archives/', { name: 'b' });
    const unknown = (prefix: string) => `${prefix}-00000000-0000-4000-8000-000000000000`;
    const cases: [string, string, string][] = [
      ['/v1/agents/', String(agentA.id), unknown('agent')],
      ['/v1/blocks/', String(blockA.id), unknown('block')],
      [`/v1/agents/${agentB.id}/messages`, String(messagesA[0]?.id), unknown('message')],
      ['/v1/runs/', String(runsA[0]?.id), unknown('run')],
      ['/v1/steps/', String(stepsA[0]?.id), unknown('step')],
      ['/v1/tools/', String(toolsA[0]?.id), unknown('tool')],
      [`/v1/conversations/?agent_id=${agentB.id}`, String(conversationsA[0]?.id), unknown('conv')],
      ['/v1/archives/', String(archiveA.id), unknown('archive')],
    ];
    for (const [path, foreign, missing] of cases) {
      for (const dir of ['after', 'before']) {
        for (const order of ['asc', 'desc']) {
          const q = (id: string) =>
            `${path}${path.includes('?') ? '&' : '?'}${dir}=${id}&order=${order}&limit=50`;
          expect(await call(keyB, 'GET', q(foreign)), `${q(foreign)}`).toEqual(
            await call(keyB, 'GET', q(missing)),
          );
        }
      }
    }
  }, 60_000);
});
