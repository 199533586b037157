/**
 * TypeScript and JavaScript custom tools over V1 with the official client (issue 14): the schema
 * from the signature and JSDoc, a source that does not parse refused naming the line, the tool
 * called in a turn (scripted model) and run in QuickJS; an agent's `secrets` as the tool's only
 * environment (`process.env`, `os.environ`), shown back on the agent and replaced on update; no
 * network when the operator allows no hosts. Both databases.
 */
import type Letta from '@letta-ai/letta-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import type { FakeLlm } from './support/fake-llm.js';
import type { TestServer } from './support/server.js';
import { startV1Server, type V1Server } from './support/v1-server.js';

const FORECAST = `
interface Options { unit: 'celsius' | 'fahrenheit' }

/**
 * Get the weather forecast for a city.
 * @param city The city name.
 * @param days How many days.
 * @param tags Labels to echo back.
 */
export async function forecast(
  city: string,
  days: number = 1,
  tags?: string[],
  options: { unit: 'celsius' | 'fahrenheit'; precise?: boolean } = { unit: 'celsius' },
): Promise<Record<string, unknown>> {
  console.log(\`looking up \${city}\`);
  const o: Options = options;
  return { city, days, tags: tags ?? [], unit: o.unit };
}

function helper(x: number): number {
  return x;
}
`;

describe.each(DIALECTS)('TypeScript tools and agent secrets over V1 (%s)', (dialect) => {
  let llm: FakeLlm;
  let server: TestServer;
  let client: Letta;

  let v1: V1Server | undefined;
  beforeAll(async () => {
    v1 = await startV1Server(dialect, { LETTA_TOOL_PREWARM: '0' });
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

  async function turn(agentId: string, calls: Array<{ name: string; arguments: Record<string, unknown> }>) {
    llm.script([
      ...calls.map((c) => ({ toolCalls: [c] })),
      { toolCalls: [{ name: 'send_message', arguments: { message: 'done' } }] },
    ]);
    const res = await client.agents.messages.create(agentId, { messages: [{ role: 'user', content: 'go' }] });
    return res.messages.filter((m) => m.message_type === 'tool_return_message') as unknown as Array<{
      name: string;
      status: string;
      tool_return: string;
    }>;
  }

  it('creates a TypeScript tool (schema from signature and JSDoc) and the agent calls it in a turn', async () => {
    const tool = await client.tools.create({ source_code: FORECAST, source_type: 'typescript' });
    expect(tool.name).toBe('forecast');
    expect(tool.source_type).toBe('typescript');
    expect(tool.json_schema).toEqual({
      name: 'forecast',
      description: 'Get the weather forecast for a city.',
      parameters: {
        type: 'object',
        properties: {
          city: { type: 'string', description: 'The city name.' },
          days: { type: 'number', description: 'How many days.', default: 1 },
          tags: { type: 'array', items: { type: 'string' }, description: 'Labels to echo back.' },
          options: {
            type: 'object',
            properties: {
              unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
              precise: { type: 'boolean' },
            },
            required: ['unit'],
            default: { unit: 'celsius' },
          },
        },
        required: ['city'],
      },
    });

    const agent = await client.agents.create({
      name: `ts-${dialect}`,
      model: 'openai/gpt-4o-mini',
      tool_ids: [tool.id],
    });
    const [ret] = await turn(agent.id, [
      { name: 'forecast', arguments: { city: 'Paris', days: 2, options: { unit: 'fahrenheit' } } },
    ]);
    expect(ret?.name).toBe('forecast');
    expect(ret?.status).toBe('success');
    expect(JSON.parse(ret?.tool_return ?? '')).toEqual({
      city: 'Paris',
      days: 2,
      tags: [],
      unit: 'fahrenheit',
    });
    const offered = llm.chatRequests.at(-2)?.body.tools as Array<{ function: { name: string } }>;
    expect(offered.map((t) => t.function.name)).toContain('forecast');

    const run = await client.agents.tools.run('forecast', { agent_id: agent.id, args: { city: 'Oslo' } });
    expect(run).toMatchObject({ status: 'success', stdout: ['looking up Oslo\n'] });
    expect(JSON.parse(String(run.func_return))).toEqual({ city: 'Oslo', days: 1, tags: [], unit: 'celsius' });
  });

  it('JavaScript tools take types from JSDoc; a throw or an unserialisable return is a failed tool return', async () => {
    const js = await client.tools.create({
      source_type: 'javascript',
      source_code:
        '/**\n * Repeat a word.\n * @param {string} word - the word\n * @param {number} [times] how often\n */\nfunction repeat(word, times = 2) {\n  if (word === "boom") throw new RangeError("no booms");\n  if (word === "loop") { const a = {}; a.self = a; return a; }\n  return word.repeat(times);\n}\n',
    });
    expect(js.json_schema?.parameters).toEqual({
      type: 'object',
      properties: {
        word: { type: 'string', description: 'the word' },
        times: { type: 'number', description: 'how often', default: 2 },
      },
      required: ['word'],
    });
    const agent = await client.agents.create({
      name: `js-${dialect}`,
      model: 'openai/gpt-4o-mini',
      tool_ids: [js.id],
    });
    const [ok, boom, loop] = await turn(agent.id, [
      { name: 'repeat', arguments: { word: 'ab', times: 3 } },
      { name: 'repeat', arguments: { word: 'boom' } },
      { name: 'repeat', arguments: { word: 'loop' } },
    ]);
    expect(ok).toMatchObject({ status: 'success', tool_return: 'ababab' });
    expect(boom?.status).toBe('error');
    expect(boom?.tool_return).toMatch(/RangeError: no booms/);
    expect(loop?.status).toBe('error');
    expect(loop?.tool_return).toMatch(/TypeError: .*circular|cyclic|TypeError/i);
  });

  it('refuses a TypeScript source that does not parse, naming the line; json_schema wins when given', async () => {
    const bad = await post('/v1/tools/', {
      source_type: 'typescript',
      source_code: 'export function ok(a: string) {\n  return a;\n}\nexport function broken(a: string {\n}\n',
    });
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe('INVALID_TOOL_SOURCE');
    expect(String(bad.body.detail)).toMatch(/^Tool source is invalid: line 4, column \d+: Expected "\)"/);
    const imports = await post('/v1/tools/', {
      source_type: 'typescript',
      source_code:
        "import fs from 'node:fs';\nexport function read(p: string) { return fs.readFileSync(p, 'utf8'); }",
    });
    expect(imports.status).toBe(422);
    expect(String(imports.body.detail)).toMatch(/imports are not available/);
    const unknownType = await post('/v1/tools/', { source_type: 'ruby', source_code: 'def x; end' });
    expect(unknownType.status).toBe(422);

    const schema = {
      name: 'pick',
      description: 'Pick a field.',
      parameters: {
        type: 'object',
        properties: { obj: { type: 'object' }, key: { type: 'string' } },
        required: ['obj', 'key'],
      },
    };
    const given = await client.tools.create({
      source_type: 'typescript',
      source_code:
        'export function pick({ a, b }: { a: number; b: number }, key: "a" | "b") { return key === "a" ? a : b; }',
      json_schema: schema,
    });
    expect(given.json_schema).toEqual(schema);
    const { body: r } = await post('/v1/tools/run', {
      source_type: 'typescript',
      source_code: 'export const add = async (a: number, b: number): Promise<number> => a + b;',
      args: { b: 5, a: 2 },
    });
    expect(r).toMatchObject({ status: 'success', tool_return: '7', name: 'add' });
  });

  it("gives a tool the agent's secrets as its only environment, shown on the agent and replaced on update", async () => {
    const ts = await client.tools.create({
      source_type: 'typescript',
      source_code:
        '/** Read the environment. */\nexport function ts_env(): string {\n  return JSON.stringify({ token: process.env.API_TOKEN ?? null, openai: process.env.OPENAI_API_KEY ?? null, keys: Object.keys(process.env) });\n}\n',
    });
    const py = await client.tools.create({
      source_code:
        'import os, json\ndef py_env() -> str:\n    """Read the environment."""\n    return json.dumps({"token": os.environ.get("API_TOKEN"), "openai": os.environ.get("OPENAI_API_KEY"), "keys": sorted(os.environ)})',
    });
    const agent = await client.agents.create({
      name: `secrets-${dialect}`,
      model: 'openai/gpt-4o-mini',
      tool_ids: [ts.id, py.id],
      secrets: { API_TOKEN: 'tok-1', REGION: 'eu' },
    });
    expect(agent.secrets?.map((s) => [s.key, s.value, s.agent_id])).toEqual([
      ['API_TOKEN', 'tok-1', agent.id],
      ['REGION', 'eu', agent.id],
    ]);
    const [a, b] = await turn(agent.id, [
      { name: 'ts_env', arguments: {} },
      { name: 'py_env', arguments: {} },
    ]);
    expect(JSON.parse(a?.tool_return ?? '')).toEqual({
      token: 'tok-1',
      openai: null,
      keys: ['API_TOKEN', 'REGION'],
    });
    expect(JSON.parse(b?.tool_return ?? '')).toEqual({
      token: 'tok-1',
      openai: null,
      keys: ['API_TOKEN', 'REGION'],
    });

    await client.agents.update(agent.id, { secrets: { API_TOKEN: 'tok-2' } });
    const again = await client.agents.retrieve(agent.id, { include: ['agent.secrets'] });
    expect(again.secrets?.map((s) => [s.key, s.value])).toEqual([['API_TOKEN', 'tok-2']]);
    const run = await client.agents.tools.run('py_env', { agent_id: agent.id });
    expect(JSON.parse(String(run.func_return))).toEqual({
      token: 'tok-2',
      openai: null,
      keys: ['API_TOKEN'],
    });

    const badName = await post('/v1/agents/', {
      name: 'x',
      model: 'openai/gpt-4o-mini',
      secrets: { 'A=B': '1' },
    });
    expect(badName.status).toBe(400);
    expect((await client.agents.list({ name: 'x' })).items).toHaveLength(0);
  }, 90_000); // the first Python call loads Pyodide

  it('has no network when the operator allows no hosts', async () => {
    const { body: py } = await post('/v1/tools/run', {
      source_code:
        'import urllib.request\ndef get() -> str:\n    """Fetch."""\n    return urllib.request.urlopen("http://example.com/").read().decode()',
    });
    expect(py.status).toBe('error');
    expect(py.tool_return).toMatch(/URLError: .*network access is disabled in the tool sandbox/);
    const { body: js } = await post('/v1/tools/run', {
      source_type: 'javascript',
      source_code: 'async function get() { return (await fetch("http://example.com/")).text(); }',
    });
    expect(js.status).toBe('error');
    expect(js.tool_return).toMatch(/TypeError: fetch failed: network access is disabled in the tool sandbox/);
  });
});
