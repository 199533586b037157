/**
 * Custom Python tools over V1 with the official client: create from source (schema from the
 * signature and docstring), refuse what cannot run, attach, call during a turn (the fake LLM
 * asks for the tool; the sandbox runs it), run from source without an agent. Both databases.
 */
import type Letta from '@letta-ai/letta-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import type { FakeLlm } from './support/fake-llm.js';
import type { TestServer } from './support/server.js';
import { startV1Server, type V1Server } from './support/v1-server.js';

const WEATHER = `
def get_weather(city: str, days: int = 1) -> str:
    """Get the weather forecast for a city.

    Args:
        city (str): The city name.
        days (int): How many days.
    """
    print(f"looking up {city}")
    return f"Sunny in {city} for {days} day(s)"
`;

describe.each(DIALECTS)('custom tools over V1 (%s)', (dialect) => {
  let llm: FakeLlm;
  let server: TestServer;
  let client: Letta;

  let v1: V1Server | undefined;
  beforeAll(async () => {
    v1 = await startV1Server(dialect);
    ({ llm, server, client } = v1);
  });
  afterAll(async () => {
    await v1?.close();
  });

  async function post(path: string, body: unknown, method = 'POST') {
    const res = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it('creates a tool from source, attaches it, and the agent calls it in a turn', async () => {
    const tool = await client.tools.create({ source_code: WEATHER, tags: ['weather'] });
    expect(tool.name).toBe('get_weather');
    expect(tool.tool_type).toBe('custom');
    expect(tool.json_schema).toEqual({
      name: 'get_weather',
      description: 'Get the weather forecast for a city.',
      parameters: {
        type: 'object',
        properties: {
          city: { type: 'string', description: 'The city name.' },
          days: { type: 'integer', description: 'How many days.', default: 1 },
        },
        required: ['city'],
      },
    });
    expect((await client.tools.retrieve(tool.id)).source_code).toBe(WEATHER);

    const agent = await client.agents.create({ name: `weather-${dialect}`, model: 'openai/gpt-4o-mini' });
    await client.agents.tools.attach(tool.id, { agent_id: agent.id });
    llm.script([
      { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris', days: 2 } }] },
      { toolCalls: [{ name: 'send_message', arguments: { message: 'It is sunny.' } }] },
    ]);
    const res = await client.agents.messages.create(agent.id, {
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    });
    const ret = res.messages.find(
      (m) => m.message_type === 'tool_return_message' && m.name === 'get_weather',
    ) as { id: string; tool_return: string; status: string; stdout: string[] | null } | undefined;
    expect(ret?.status).toBe('success');
    expect(ret?.tool_return).toBe('Sunny in Paris for 2 day(s)');
    expect(ret?.stdout).toEqual(['looking up Paris\n']);
    // Kept on the stored message: listing the agent's messages shows it too.
    const listed = (await client.agents.messages.list(agent.id)).items.find(
      (m) => m.message_type === 'tool_return_message' && m.id === ret?.id,
    ) as { stdout: string[] | null } | undefined;
    expect(listed?.stdout).toEqual(['looking up Paris\n']);
    // The model was offered the tool with its derived schema.
    const offered = llm.chatRequests.at(-2)?.body.tools as Array<{ function: { name: string } }>;
    expect(offered.map((t) => t.function.name)).toContain('get_weather');
  });

  it('a failing tool is a failed tool return and the turn goes on', async () => {
    const tool = await client.tools.create({
      source_code: 'def explode(n: int):\n    """Boom."""\n    print("about to divide")\n    return 1 / n',
    });
    const agent = await client.agents.create({
      name: `explode-${dialect}`,
      model: 'openai/gpt-4o-mini',
      tool_ids: [tool.id],
    });
    llm.script([
      { toolCalls: [{ name: 'explode', arguments: { n: 0 } }] },
      { toolCalls: [{ name: 'send_message', arguments: { message: 'That failed.' } }] },
    ]);
    const res = await client.agents.messages.create(agent.id, {
      messages: [{ role: 'user', content: 'go' }],
    });
    const ret = res.messages.find((m) => m.message_type === 'tool_return_message' && m.name === 'explode') as
      | { tool_return: string; status: string; stdout: string[] | null; stderr: string[] | null }
      | undefined;
    expect(ret?.status).toBe('error');
    expect(ret?.tool_return).toMatch(/ZeroDivisionError: division by zero/);
    expect(ret?.stdout).toEqual(['about to divide\n']);
    expect(ret?.stderr?.join('')).toMatch(/ZeroDivisionError/);
    expect(res.stop_reason?.stop_reason).toBe('end_turn');
  });

  it('upserts by name, patches, deletes; built-in tools are read-only', async () => {
    const v1 = await client.tools.upsert({
      source_code: 'def echo(text: str):\n    """Echo."""\n    return text',
    });
    const v2 = await client.tools.upsert({
      source_code: 'def echo(text: str):\n    """Echo twice."""\n    return text * 2',
    });
    expect(v2.id).toBe(v1.id);
    expect(v2.description).toBe('Echo twice.');
    const patched = await client.tools.update(v1.id, { description: 'Echo, patched', tags: ['x'] });
    expect(patched.description).toBe('Echo, patched');
    expect(patched.tags).toEqual(['x']);
    const builtin = (await client.tools.list({ name: 'send_message' })).items[0];
    expect(builtin).toBeDefined();
    const refused = await post(`/v1/tools/${builtin?.id}`, { description: 'mine now' }, 'PATCH');
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('BUILTIN_TOOL_READ_ONLY');
    const shadow = await post('/v1/tools/', {
      source_code: 'def send_message(message: str):\n    return message',
    });
    expect(shadow.body.code).toBe('BUILTIN_TOOL_READ_ONLY');
    await client.tools.delete(v1.id);
    expect((await post(`/v1/tools/${v1.id}`, {}, 'PATCH')).status).toBe(404);
  });

  it('refuses a source that does not parse (naming the line) and unavailable requirements', async () => {
    const bad = await post('/v1/tools/', { source_code: 'def ok():\n    pass\n\ndef broken(:\n    pass' });
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual({
      detail: 'Tool source is invalid: line 4: invalid syntax',
      code: 'INVALID_TOOL_SOURCE',
    });
    const req = await post('/v1/tools/', { source_code: WEATHER, pip_requirements: [{ name: 'requests' }] });
    expect(req.status).toBe(422);
    expect(req.body.code).toBe('TOOL_REQUIREMENT_UNAVAILABLE');
    expect(String(req.body.detail)).toContain("'requests'");
    const dup = await post('/v1/tools/', { source_code: WEATHER });
    expect(dup.status).toBe(409);
  });

  it('runs source without an agent, and an attached tool by name', async () => {
    const { body: r } = await post('/v1/tools/run', {
      source_code:
        'import os\ndef add(a: int, b: int):\n    """Add."""\n    print(os.environ.get("TOKEN"))\n    return a + b',
      args: { a: 2, b: 3 },
      env_vars: { TOKEN: 't-1' },
    });
    expect(r).toMatchObject({
      message_type: 'tool_return_message',
      status: 'success',
      tool_return: '5',
      stdout: ['t-1\n'],
    });
    const agents = await client.agents.list({ name: `weather-${dialect}` });
    const run = await client.agents.tools.run('get_weather', {
      agent_id: agents.items[0]?.id ?? '',
      args: { city: 'Oslo' },
    });
    expect(run).toMatchObject({
      status: 'success',
      func_return: 'Sunny in Oslo for 1 day(s)',
      stdout: ['looking up Oslo\n'],
    });
  });

  it('run_code and web_search are built-in tools an agent takes by name', async () => {
    const agent = await client.agents.create({
      name: `extras-${dialect}`,
      model: 'openai/gpt-4o-mini',
      tools: ['run_code', 'web_search'],
    });
    llm.script([
      { toolCalls: [{ name: 'run_code', arguments: { code: 'print(sum(range(10)))', language: 'python' } }] },
      { toolCalls: [{ name: 'run_code', arguments: { code: 'console.log(6 * 7)', language: 'js' } }] },
      { toolCalls: [{ name: 'web_search', arguments: { query: 'letta' } }] },
      { toolCalls: [{ name: 'send_message', arguments: { message: 'done' } }] },
    ]);
    const res = await client.agents.messages.create(agent.id, {
      messages: [{ role: 'user', content: 'go' }],
    });
    const returns = res.messages.filter((m) => m.message_type === 'tool_return_message') as unknown as Array<{
      name: string;
      status: string;
      tool_return: string;
    }>;
    const [py, js, search] = returns;
    expect(py?.status).toBe('success');
    expect(JSON.parse(py?.tool_return ?? '{}').logs.stdout).toEqual(['45\n']);
    expect(JSON.parse(js?.tool_return ?? '{}').logs.stdout).toEqual(['42\n']);
    expect(search?.status).toBe('error');
    expect(search?.tool_return).toMatch(/web_search is not configured on this server/);
  });
});
