/**
 * MCP servers over V1 with the official client, against the tests' own MCP server (SDK server
 * classes) over streamable HTTP, SSE and stdio: create (tools stored as `external_mcp` rows),
 * read with secrets masked, change, delete; run a tool; attach its tools to an agent and call
 * them in a turn (the scripted model asks); failures and timeouts become failed tool returns;
 * the HTTP server is stopped and restarted and the next call reconnects. The older
 * `/v1/tools/mcp/servers` routes. Both databases.
 */
import type Letta from '@letta-ai/letta-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import type { FakeLlm } from './support/fake-llm.js';
import { type McpTestServer, startMcpTestServer } from './support/mcp-test-server.js';
import type { TestServer } from './support/server.js';
import { startV1Server, type V1Server } from './support/v1-server.js';

const STDIO_SERVER = new URL('./support/mcp-stdio-server.mjs', import.meta.url).pathname;
const TOKEN = 'sk-mcp-secret-token-1234';

interface ToolReturn {
  message_type: string;
  name?: string;
  tool_return?: string;
  status?: string;
}

describe.each(DIALECTS)('MCP servers over V1 (%s)', (dialect) => {
  let llm: FakeLlm;
  let server: TestServer;
  let client: Letta;
  let mcp: McpTestServer;
  let v1: V1Server | undefined;

  beforeAll(async () => {
    mcp = await startMcpTestServer();
    v1 = await startV1Server(dialect, {
      LETTA_OUTBOUND_ALLOW: '127.0.0.1',
      LETTA_MCP_STDIO: '1',
      LETTA_TOOL_TIMEOUT_SECONDS: '3',
      OPENAI_API_KEY: 'sk-server-own-secret',
    });
    ({ llm, server, client } = v1);
  });
  afterAll(async () => {
    await v1?.close();
    await mcp?.close();
  });

  async function call(method: string, path: string, body?: unknown) {
    const res = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  /** One turn in which the model calls `tool` with `args`, then sends a message. */
  async function turnCalling(agentId: string, tool: string, args: Record<string, unknown>) {
    llm.script([
      { toolCalls: [{ name: tool, arguments: args }] },
      { toolCalls: [{ name: 'send_message', arguments: { message: 'done' } }] },
    ]);
    const res = await client.agents.messages.create(agentId, {
      messages: [{ role: 'user', content: `use ${tool}` }],
    });
    const ret = (res.messages as unknown as ToolReturn[]).find(
      (m) => m.message_type === 'tool_return_message' && m.name === tool,
    );
    const sent = (res.messages as unknown as ToolReturn[]).some(
      (m) => m.message_type === 'assistant_message',
    );
    return { ret, sent };
  }

  it('creates a streamable HTTP server, stores its tools, masks secrets, runs a tool, updates and deletes', async () => {
    const created = await client.mcpServers.create({
      server_name: `http-${dialect}`,
      config: {
        mcp_server_type: 'streamable_http',
        server_url: mcp.url,
        auth_token: TOKEN,
        custom_headers: { 'X-Api-Key': 'header-secret-value-99' },
      },
    });
    expect(created).toMatchObject({
      server_name: `http-${dialect}`,
      mcp_server_type: 'streamable_http',
      server_url: mcp.url,
      auth_token: '****1234',
      custom_headers: { 'X-Api-Key': '****e-99' },
    });
    expect(created.id!).toMatch(/^mcp_server-/);
    const read = await client.mcpServers.retrieve(created.id!);
    expect(JSON.stringify(read)).not.toContain(TOKEN);
    expect((await client.mcpServers.list()).map((s) => s.id!)).toContain(created.id!);

    const tools = await client.mcpServers.tools.list(created.id!);
    expect(tools.map((t) => t.name).sort()).toEqual([
      'add',
      'auth_probe',
      'crash',
      'echo',
      'env_probe',
      'fail',
      'slow',
    ]);
    const echo = tools.find((t) => t.name === 'echo')!;
    expect(echo.tool_type).toBe('external_mcp');
    expect(echo.json_schema).toEqual({
      name: 'echo',
      description: 'Echo the text back.',
      parameters: {
        type: 'object',
        properties: { text: { type: 'string', description: 'What to echo.' } },
        required: ['text'],
      },
    });
    expect(echo.metadata_).toEqual({ mcp: { server_name: `http-${dialect}`, server_id: created.id! } });
    expect((await client.mcpServers.tools.retrieve(echo.id, { mcp_server_id: created.id! })).id).toBe(
      echo.id,
    );
    // Also visible as a tool.
    expect((await client.tools.retrieve(echo.id)).tool_type).toBe('external_mcp');

    const ran = await client.mcpServers.tools.run(echo.id, {
      mcp_server_id: created.id!,
      args: { text: 'hi' },
    });
    expect(ran).toMatchObject({ status: 'success', func_return: 'echo: hi' });
    const fail = tools.find((t) => t.name === 'fail')!;
    expect(
      await client.mcpServers.tools.run(fail.id, { mcp_server_id: created.id!, args: {} }),
    ).toMatchObject({
      status: 'error',
      func_return: 'the tool failed on purpose',
    });
    const probe = tools.find((t) => t.name === 'auth_probe')!;
    const seen = await client.mcpServers.tools.run(probe.id, { mcp_server_id: created.id!, args: {} });
    expect(seen.func_return).toBe(`authorization=Bearer ${TOKEN} x-api-key=header-secret-value-99`);

    // The masked values sent back keep the secrets; a new header value replaces the old.
    const updated = await client.mcpServers.update(created.id!, {
      server_name: `http-renamed-${dialect}`,
      config: {
        mcp_server_type: 'streamable_http',
        server_url: mcp.url,
        auth_token: read.mcp_server_type === 'streamable_http' ? (read.auth_token ?? null) : null,
        custom_headers: { 'X-Api-Key': 'another-header-value' },
      },
    });
    expect(updated.server_name).toBe(`http-renamed-${dialect}`);
    const seen2 = await client.mcpServers.tools.run(probe.id, { mcp_server_id: created.id!, args: {} });
    expect(seen2.func_return).toBe(`authorization=Bearer ${TOKEN} x-api-key=another-header-value`);
    expect((await client.tools.retrieve(echo.id)).metadata_).toEqual({
      mcp: { server_name: `http-renamed-${dialect}`, server_id: created.id! },
    });

    const refreshed = await call('PATCH', `/v1/mcp-servers/${created.id!}/refresh`);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({ added: [], deleted: [] });

    const taken = await call('POST', '/v1/mcp-servers/', {
      server_name: `http-renamed-${dialect}`,
      config: { mcp_server_type: 'sse', server_url: mcp.sseUrl },
    });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('MCP_SERVER_NAME_TAKEN');

    await client.mcpServers.delete(created.id!);
    expect((await call('GET', `/v1/mcp-servers/${created.id!}`)).body.code).toBe('MCP_SERVER_NOT_FOUND');
    expect((await call('GET', `/v1/tools/${echo.id}`)).status).toBe(404);
  });

  it("attaches a server's tools to an agent; the model calls them in a turn; errors and timeouts are failed returns", async () => {
    const s = await client.mcpServers.create({
      server_name: `turns-${dialect}`,
      config: { mcp_server_type: 'streamable_http', server_url: mcp.url },
    });
    const tools = await client.mcpServers.tools.list(s.id!);
    const agent = await client.agents.create({ name: `mcp-agent-${dialect}`, model: 'openai/gpt-4o-mini' });
    for (const name of ['echo', 'fail', 'slow']) {
      await client.agents.tools.attach(tools.find((t) => t.name === name)!.id, { agent_id: agent.id });
    }
    const direct = await call('POST', `/v1/agents/${agent.id}/tools/echo/run`, { args: { text: 'direct' } });
    expect(direct.body).toMatchObject({ status: 'success', func_return: 'echo: direct' });
    const ok = await turnCalling(agent.id, 'echo', { text: 'from the model' });
    expect(ok.ret).toMatchObject({ status: 'success', tool_return: 'echo: from the model' });
    expect(ok.sent).toBe(true);

    const failed = await turnCalling(agent.id, 'fail', {});
    expect(failed.ret?.status).toBe('error');
    expect(failed.ret?.tool_return).toContain('the tool failed on purpose');
    expect(failed.sent).toBe(true);

    const slow = await turnCalling(agent.id, 'slow', { ms: 10_000 });
    expect(slow.ret?.status).toBe('error');
    expect(slow.ret?.tool_return).toContain('within 3 s');
    expect(slow.sent).toBe(true);

    // The pool reconnected after the timeout closed the connection.
    expect((await turnCalling(agent.id, 'echo', { text: 'again' })).ret?.tool_return).toBe('echo: again');
  });

  it('reconnects when the HTTP MCP server is stopped and restarted', async () => {
    const s = await client.mcpServers.create({
      server_name: `restart-${dialect}`,
      config: { mcp_server_type: 'streamable_http', server_url: mcp.url },
    });
    const echo = (await client.mcpServers.tools.list(s.id!)).find((t) => t.name === 'echo')!;
    const agent = await client.agents.create({ name: `mcp-restart-${dialect}`, model: 'openai/gpt-4o-mini' });
    await client.agents.tools.attach(echo.id, { agent_id: agent.id });
    expect((await turnCalling(agent.id, 'echo', { text: 'one' })).ret?.tool_return).toBe('echo: one');

    await mcp.stop();
    const down = await turnCalling(agent.id, 'echo', { text: 'two' });
    expect(down.ret?.status).toBe('error');
    expect(down.ret?.tool_return).toContain(`MCP server 'restart-${dialect}'`);
    expect(down.sent).toBe(true);
    const direct = await call('POST', `/v1/mcp-servers/${s.id!}/tools/${echo.id}/run`, {
      args: { text: 'x' },
    });
    expect(direct.status).toBe(502);
    expect(direct.body.code).toBe('MCP_SERVER_ERROR');

    await mcp.start();
    expect((await turnCalling(agent.id, 'echo', { text: 'three' })).ret?.tool_return).toBe('echo: three');

    // Restarted while connected: the old session is unknown to the new server (404), reconnected.
    await mcp.stop();
    await mcp.start();
    expect((await turnCalling(agent.id, 'echo', { text: 'four' })).ret?.tool_return).toBe('echo: four');
  });

  it('connects over SSE', async () => {
    const s = await client.mcpServers.create({
      server_name: `sse-${dialect}`,
      config: {
        mcp_server_type: 'sse',
        server_url: mcp.sseUrl,
        auth_header: 'X-Api-Key',
        auth_token: 'sse-key',
      },
    });
    expect(s).toMatchObject({ mcp_server_type: 'sse', auth_header: 'X-Api-Key', auth_token: '****' });
    const tools = await client.mcpServers.tools.list(s.id!);
    const add = tools.find((t) => t.name === 'add')!;
    expect(
      await client.mcpServers.tools.run(add.id, { mcp_server_id: s.id!, args: { a: 2, b: 40 } }),
    ).toMatchObject({
      status: 'success',
      func_return: '42',
    });
    const probe = tools.find((t) => t.name === 'auth_probe')!;
    expect(
      (await client.mcpServers.tools.run(probe.id, { mcp_server_id: s.id!, args: {} })).func_return,
    ).toBe('authorization= x-api-key=sse-key');
    await client.mcpServers.delete(s.id!);
  });

  it('runs a stdio server (LETTA_MCP_STDIO=1) with only its configured environment', async () => {
    const s = await client.mcpServers.create({
      server_name: `stdio-${dialect}`,
      config: {
        mcp_server_type: 'stdio',
        command: process.execPath,
        args: [STDIO_SERVER],
        env: { GREETING: 'hello from env' },
      },
    });
    expect(s).toMatchObject({
      mcp_server_type: 'stdio',
      command: process.execPath,
      env: { GREETING: '**** env' },
    });
    const tools = await client.mcpServers.tools.list(s.id!);
    const probe = tools.find((t) => t.name === 'env_probe')!;
    const run = (name: string) =>
      client.mcpServers.tools.run(probe.id, { mcp_server_id: s.id!, args: { name } });
    expect((await run('GREETING')).func_return).toBe('hello from env');
    // The server's own environment does not reach the program.
    expect((await run('OPENAI_API_KEY')).func_return).toBe('<unset>');
    // The program exits: the next call starts it again.
    const crash = tools.find((t) => t.name === 'crash')!;
    expect(
      (await client.mcpServers.tools.run(crash.id, { mcp_server_id: s.id!, args: {} })).func_return,
    ).toBe('bye');
    await new Promise((r) => setTimeout(r, 300));
    expect((await run('GREETING')).func_return).toBe('hello from env');

    const agent = await client.agents.create({ name: `mcp-stdio-${dialect}`, model: 'openai/gpt-4o-mini' });
    await client.agents.tools.attach(tools.find((t) => t.name === 'echo')!.id, { agent_id: agent.id });
    expect((await turnCalling(agent.id, 'echo', { text: 'over stdio' })).ret?.tool_return).toBe(
      'echo: over stdio',
    );
    await client.mcpServers.delete(s.id!);
  });

  it('serves the older /v1/tools/mcp/servers routes by name', async () => {
    const name = `legacy-${dialect}`;
    const put = await call('PUT', '/v1/tools/mcp/servers', {
      server_name: name,
      type: 'streamable_http',
      server_url: mcp.url,
      auth_token: TOKEN,
    });
    expect(put.status).toBe(200);
    const map = await call('GET', '/v1/tools/mcp/servers');
    expect(map.body[name]).toMatchObject({
      server_name: name,
      type: 'streamable_http',
      auth_token: '****1234',
    });
    const live = await call('GET', `/v1/tools/mcp/servers/${name}/tools`);
    expect(
      (live.body as unknown as Array<{ name: string; inputSchema: unknown }>).map((t) => t.name),
    ).toContain('echo');
    const added = await call('POST', `/v1/tools/mcp/servers/${name}/echo`);
    expect(added.body).toMatchObject({ name: 'echo', tool_type: 'external_mcp' });
    const missing = await call('POST', `/v1/tools/mcp/servers/${name}/nope`);
    expect(missing.status).toBe(404);
    const exec = await call('POST', `/v1/tools/mcp/servers/${name}/tools/add/execute`, {
      args: { a: 1, b: 2 },
    });
    expect(exec.body).toMatchObject({ status: 'success', func_return: '3' });
    const del = await call('DELETE', `/v1/tools/mcp/servers/${name}`);
    expect(del.status).toBe(200);
    expect((del.body as unknown as Array<{ server_name: string }>).map((c) => c.server_name)).not.toContain(
      name,
    );
    expect((await call('GET', `/v1/tools/mcp/servers/${name}/tools`)).status).toBe(404);
  });

  it('answers 4xx for bad configurations', async () => {
    const noUrl = await call('POST', '/v1/mcp-servers/', {
      server_name: `bad-${dialect}`,
      config: { mcp_server_type: 'streamable_http' },
    });
    expect(noUrl.status).toBe(422);
    const ftp = await call('POST', '/v1/mcp-servers/', {
      server_name: `bad-${dialect}`,
      config: { mcp_server_type: 'sse', server_url: 'ftp://example.com/x' },
    });
    expect(ftp.body.code).toBe('OUTBOUND_URL_REFUSED');
    const metadata = await call('POST', '/v1/mcp-servers/', {
      server_name: `bad-${dialect}`,
      config: { mcp_server_type: 'sse', server_url: 'http://169.254.169.254/sse' },
    });
    expect(metadata.status).toBe(422);
    expect(String(metadata.body.detail)).toContain('cloud metadata');
    expect((await call('GET', '/v1/mcp-servers/not-an-id')).status).toBe(422);
  });
});

describe('MCP servers without the operator opening stdio or loopback', () => {
  let v1: V1Server | undefined;
  beforeAll(async () => {
    v1 = await startV1Server('sqlite');
  });
  afterAll(async () => {
    await v1?.close();
  });

  async function create(config: Record<string, unknown>) {
    const res = await fetch(`${v1!.server.baseUrl}/v1/mcp-servers/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ server_name: 'x', config }),
    });
    return { status: res.status, body: (await res.json()) as { code: string; detail: string } };
  }

  it('refuses stdio servers naming LETTA_MCP_STDIO', async () => {
    const r = await create({ mcp_server_type: 'stdio', command: process.execPath, args: [STDIO_SERVER] });
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('MCP_STDIO_DISABLED');
    expect(r.body.detail).toContain('LETTA_MCP_STDIO=1');
  });

  it('refuses loopback URLs naming LETTA_OUTBOUND_ALLOW', async () => {
    const r = await create({ mcp_server_type: 'streamable_http', server_url: 'http://127.0.0.1:9/mcp' });
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('OUTBOUND_URL_REFUSED');
    expect(r.body.detail).toContain('LETTA_OUTBOUND_ALLOW');
  });
});
