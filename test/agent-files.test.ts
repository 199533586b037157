/**
 * Agent files through the official client on both databases: the real files of Letta's
 * agent-file repository (both forms: the JSON string they are stored as, and the object), a
 * multi-agent file with messages, tool calls, a shared block, a group, MCP and unknown tools,
 * export → import round trips, and malformed files answered 4xx with the JSON path.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Letta from '@letta-ai/letta-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { type FakeLlm, startFakeLlm } from './support/fake-llm.js';
import { multiAgentFile } from './support/multi-agent-file.js';
import { REPO_ROOT, startTestServer, type TestServer } from './support/server.js';

// Letta's public agent files, beside the project (or in the workplace's shared folder when the
// tree is a clone elsewhere, as CI's is).
const AGENTFILES =
  [join(REPO_ROOT, '..', 'shared', 'reference', 'agentfiles'), '/work/shared/reference/agentfiles'].find(
    (dir) => existsSync(dir),
  ) ?? join(REPO_ROOT, '..', 'shared', 'reference', 'agentfiles');
const REAL_FILES = ['memgpt_agent.af', 'customer_service.af'];

interface Imported {
  agent_ids: string[];
  warnings: string[];
  not_runnable_tools: { id: string; name: string; tool_type: string; reason: string }[];
}
type Msg = { message_type: string; [k: string]: unknown };

describe.each(DIALECTS)('agent files (%s)', (dialect) => {
  let llm: FakeLlm;
  let server: TestServer;
  let client: Letta;

  beforeAll(async () => {
    llm = await startFakeLlm({ defaultReply: { content: 'OK' } });
    server = await startTestServer(dialect, {
      env: {
        OPENAI_API_KEY: 'test',
        OPENAI_BASE_URL: llm.url,
        LETTA_LLM_MAX_RETRIES: '0',
        LETTA_AGENT_FILE_LIMIT: '200kb',
      },
    });
    client = new Letta({ baseURL: server.baseUrl, apiKey: 'test', maxRetries: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await llm?.close();
  });

  const upload = (text: string, fields: Record<string, string | boolean> = {}) =>
    client.agents.importFile({
      file: new File([text], 'agent.af', { type: 'application/json' }),
      ...fields,
    }) as unknown as Promise<Imported>;
  const full = (id: string) => client.agents.retrieve(id, { include: ['agent.blocks', 'agent.tools'] });
  /** The agent's messages without the system message (compiled anew on import). */
  const messages = async (id: string) => {
    const page = await client.agents.messages.list(id, { order: 'asc', limit: 100 });
    return (page.getPaginatedItems() as unknown as Msg[]).filter((m) => m.message_type !== 'system_message');
  };

  for (const name of REAL_FILES) {
    it(`imports ${name} as stored (a JSON string) and as the object`, async () => {
      const stored = readFileSync(join(AGENTFILES, name), 'utf8');
      const doc = JSON.parse(JSON.parse(stored) as string) as {
        agents: { name: string; system: string; tool_ids: string[]; block_ids: string[] }[];
        blocks: { id: string; label: string; value: string }[];
        tools: { id: string; name: string; tool_type: string; source_code: string | null }[];
      };
      const fileAgent = doc.agents[0]!;
      for (const [form, text] of [
        ['string', stored],
        ['object', JSON.stringify(doc)],
      ] as const) {
        const res = await upload(text, { name: `${fileAgent.name}-${form}` });
        expect(res.agent_ids).toHaveLength(1);
        const agent = await full(res.agent_ids[0]!);
        expect(agent.name).toBe(`${fileAgent.name}-${form}`);
        expect(agent.system).toBe(fileAgent.system);
        expect(agent.llm_config.handle).toBe('openai/gpt-4o-mini');
        expect(agent.llm_config.context_window).toBe(32000);
        const blocks = Object.fromEntries(agent.blocks.map((b) => [b.label, b.value]));
        for (const id of fileAgent.block_ids) {
          const b = doc.blocks.find((x) => x.id === id)!;
          expect(blocks[b.label]).toBe(b.value);
        }
        const fileTools = fileAgent.tool_ids.map((id) => doc.tools.find((t) => t.id === id)!);
        expect(agent.tools.map((t) => t.name).sort()).toEqual(fileTools.map((t) => t.name).sort());
        const custom = fileTools.filter((t) => t.tool_type === 'custom');
        // Custom Python tools with their source run in the sandbox: none is reported as not runnable.
        const pythonWithSource = (t: (typeof custom)[number]) =>
          !!t.source_code && ((t as { source_type?: string }).source_type ?? 'python') === 'python';
        expect(res.not_runnable_tools.map((t) => t.name).sort()).toEqual(
          custom
            .filter((t) => !pythonWithSource(t))
            .map((t) => t.name)
            .sort(),
        );
        for (const c of custom) {
          const row = agent.tools.find((t) => t.name === c.name)!;
          expect(row.tool_type).toBe('custom');
          expect((await client.tools.retrieve(row.id)).source_code).toBe(c.source_code);
        }
        // Only the system message is in the file; a fresh one is compiled from the same prompt.
        const listed = await messages(agent.id);
        expect(listed).toEqual([]);
        expect(agent.message_ids).toHaveLength(1);
        // The real files only carry fields this server knows.
        expect(res.warnings.filter((w) => w.includes('unknown'))).toEqual([]);
      }
    });
  }

  it('imports several agents with messages, tool calls, a shared block and a group, and reports what it drops', async () => {
    const res = await upload(JSON.stringify(multiAgentFile()));
    expect(res.agent_ids).toHaveLength(2);
    const [main, sleeper] = await Promise.all(res.agent_ids.map(full));
    expect(main!.name).toBe('helper');
    expect(sleeper!.name).toBe('helper-sleeptime');
    const shared = (a: typeof main) => a!.blocks.find((b) => b.label === 'human')!;
    expect(shared(main).id).toBe(shared(sleeper).id);
    expect(main!.tags).toEqual(['support', 'imported']);
    expect(main!.tool_rules).toEqual([{ tool_name: 'send_message', type: 'exit_loop' }]);
    // web_search is one of our built-in tools now (the tools sandbox): mapped, not dropped.
    expect(main!.tools.map((t) => t.name).sort()).toEqual([
      'conversation_search',
      'memory_replace',
      'weather',
      'web_search',
    ]);
    const weather = main!.tools.find((t) => t.name === 'weather')!;
    expect(weather.tool_type).toBe('external_mcp');
    expect(weather.metadata_).toEqual({ mcp: { server_name: 'weather-server' } });

    const listed = await messages(main!.id);
    expect(listed.map((m) => m.message_type)).toEqual([
      'user_message',
      'reasoning_message',
      'tool_call_message',
      'tool_return_message',
      'assistant_message',
    ]);
    expect(listed[0]!.content).toBe('My name is Ada.');
    expect(listed[2]!.tool_call).toMatchObject({ name: 'memory_replace', tool_call_id: 'call-1' });
    expect(listed[3]).toMatchObject({ tool_call_id: 'call-1', status: 'success', tool_return: 'ok' });
    // system + the 4 in-context messages (the first user message is out of context).
    expect(main!.message_ids).toHaveLength(4);

    expect(res.not_runnable_tools.map((t) => [t.name, t.tool_type])).toEqual([
      ['weather', 'external_mcp'],
      ['mystery', 'quantum_tool'],
    ]);
    const w = res.warnings.join('\n');
    expect(w).toContain("groups[0]: sleeptime group of 'helper', 'helper-sleeptime' not stored");
    expect(w).toContain("mcp_servers[0]: MCP server 'weather-server' not stored");
    expect(w).not.toContain("'web_search'");
    expect(w).toContain("tools[4].tool_type: unknown tool type 'quantum_tool'");
    expect(w).toContain('agents[0].favourite_colour: unknown field, ignored');
    expect(w).toContain(
      "agents[1].agent_type: 'sleeptime_agent' is not served by this server; imported as letta_v1_agent",
    );
    expect(w).toContain(
      "agents[0].messages[5].content[0]: content of type 'image' is not supported, dropped",
    );
    expect(w).toContain(
      "agents[0].messages[6].role: 'approval' messages are not supported by this server, dropped",
    );
    expect(w).toContain(
      "agents[0].llm_config: model 'anthropic/claude-sonnet-4' is not served by this server",
    );
    expect(main!.llm_config.handle).toBe('anthropic/claude-sonnet-4');

    // A model override, and strip_messages.
    const again = await upload(JSON.stringify(multiAgentFile()), {
      model: 'openai/gpt-4o-mini',
      strip_messages: true,
      name: 'helper-stripped',
    });
    const stripped = await full(again.agent_ids[0]!);
    expect(stripped.name).toBe('helper-stripped');
    expect(stripped.llm_config.handle).toBe('openai/gpt-4o-mini');
    expect(await messages(stripped.id)).toEqual([]);
    expect(again.warnings.join('\n')).not.toContain('is not served by this server; kept as is');
    // Names may repeat, as in Letta V1: the second agent keeps its name.
    expect((await full(again.agent_ids[1]!)).name).toBe('helper-sleeptime');
  });

  it('export → import gives the same agent', async () => {
    const agent = await client.agents.create({
      name: 'round-trip',
      model: 'openai/gpt-4o-mini',
      system: 'You are a round-trip test agent.',
      memory_blocks: [
        { label: 'persona', value: 'I am careful.', description: 'who I am', limit: 5000 },
        { label: 'human', value: 'The user is Sam.' },
      ],
      tags: ['a', 'b'],
      tool_rules: [{ tool_name: 'memory_replace', type: 'continue_loop' }],
    });
    llm.script([
      {
        toolCalls: [
          { name: 'memory_replace', arguments: { label: 'human', old_string: 'Sam', new_string: 'Sam Lee' } },
        ],
      },
      { content: 'Noted, Sam Lee.' },
    ]);
    await client.agents.messages.create(agent.id, {
      messages: [{ role: 'user', content: 'My surname is Lee.' }],
    });
    const before = await full(agent.id);
    const beforeMessages = await messages(agent.id);
    expect(beforeMessages.some((m) => m.message_type === 'tool_return_message')).toBe(true);

    const exported = await client.agents.exportFile(agent.id);
    expect(typeof exported).toBe('string');
    // On the wire, as Letta: application/json holding a JSON string of the indented document.
    const raw = await fetch(`${server.baseUrl}/v1/agents/${agent.id}/export`);
    expect(raw.headers.get('content-type')).toMatch(/^application\/json/);
    expect((await raw.text()).startsWith('"{\\n  \\"agents\\"')).toBe(true);
    const doc = JSON.parse(exported) as {
      agents: { messages: unknown[] }[];
      tools: unknown[];
      blocks: unknown[];
    };
    expect(doc.blocks).toHaveLength(2);

    const res = await upload(exported, { name: 'round-trip-copy' });
    expect(res.warnings).toEqual([]);
    expect(res.not_runnable_tools).toEqual([]);
    const after = await full(res.agent_ids[0]!);
    const blockView = (a: typeof before) =>
      a.blocks
        .map((b) => ({ label: b.label, value: b.value, limit: b.limit, description: b.description }))
        .sort((x, y) => String(x.label).localeCompare(String(y.label)));
    expect(blockView(after)).toEqual(blockView(before));
    expect(blockView(after).find((b) => b.label === 'human')!.value).toBe('The user is Sam Lee.');
    expect(after.system).toBe(before.system);
    expect(after.tags).toEqual(before.tags);
    expect(after.tool_rules).toEqual(before.tool_rules);
    expect(after.llm_config.handle).toBe(before.llm_config.handle);
    expect(after.embedding).toBe(before.embedding);
    expect(after.tools.map((t) => t.name).sort()).toEqual(before.tools.map((t) => t.name).sort());
    expect(after.message_ids).toHaveLength(before.message_ids!.length);
    const strip = (ms: Msg[]) =>
      ms.map(({ id, otid, date, run_id, step_id, seq_id, ...rest }) => rest as Record<string, unknown>);
    expect(strip(await messages(after.id))).toEqual(strip(beforeMessages));

    // Exporting the copy gives the same document (ids are local to the file).
    const second = JSON.parse(await client.agents.exportFile(after.id)) as Record<string, unknown>;
    const norm = (d: Record<string, unknown>) => {
      const copy = JSON.parse(JSON.stringify(d)) as {
        created_at?: unknown;
        agents: Record<string, unknown>[];
      };
      delete copy.created_at;
      for (const a of copy.agents) {
        delete a.name;
        for (const m of a.messages as Record<string, unknown>[]) {
          delete m.otid;
          if (m.role === 'system') {
            delete m.content;
            delete m.created_at;
          }
        }
      }
      return copy;
    };
    expect(norm(second)).toEqual(norm(JSON.parse(exported) as Record<string, unknown>));

    // scrub_messages, POST with skills, a conversation of the agent.
    const scrubbed = JSON.parse(
      await client.agents.exportFile(agent.id, { scrub_messages: true }),
    ) as typeof doc;
    expect(scrubbed.agents[0]!.messages).toEqual([]);
    const posted = await fetch(`${server.baseUrl}/v1/agents/${agent.id}/export`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ skills: [{ name: 'notes', files: { 'SKILL.md': '# Notes' } }] }),
    });
    expect(posted.status).toBe(200);
    const withSkills = JSON.parse((await posted.json()) as string) as { skills: unknown[] };
    expect(withSkills.skills).toEqual([{ name: 'notes', files: { 'SKILL.md': '# Notes' } }]);
  });

  it('custom tools: an existing tool keeps its definition unless override_existing_tools', async () => {
    const stored = JSON.parse(readFileSync(join(AGENTFILES, 'customer_service.af'), 'utf8')) as string;
    const doc = JSON.parse(stored) as { tools: { name: string; source_code: string | null }[] };
    const tool = doc.tools.find((t) => t.name === 'escalate')!;
    tool.source_code = 'def escalate(reason: str):\n    return "v2"\n';
    const kept = await upload(JSON.stringify(doc), { name: 'cs-kept', override_existing_tools: false });
    expect(kept.warnings.join('\n')).toContain("a tool named 'escalate' exists; it is used as it is");
    expect(kept.not_runnable_tools).toEqual([]);
    const [found] = (await client.tools.list({ name: 'escalate' })).getPaginatedItems();
    const id = found!.id;
    expect((await client.tools.retrieve(id)).source_code).not.toContain('v2');
    const replaced = await upload(JSON.stringify(doc), { name: 'cs-replaced' });
    expect(replaced.not_runnable_tools).toEqual([]);
    expect((await client.tools.list({ name: 'escalate' })).getPaginatedItems().map((t) => t.id)).toEqual([
      id,
    ]);
    expect((await client.tools.retrieve(id)).source_code).toContain('v2');
    // The imported tool runs, in the sandbox, as the replaced definition.
    const ran = await fetch(`${server.baseUrl}/v1/agents/${replaced.agent_ids[0]}/tools/escalate/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ args: { reason: 'rude' } }),
    });
    expect(ran.status).toBe(200);
    expect(await ran.json()).toMatchObject({ status: 'success', func_return: 'v2' });
  });

  it('refuses malformed files with 4xx naming the JSON path', async () => {
    const post = async (body: FormData | string, contentType?: string) => {
      const res = await fetch(`${server.baseUrl}/v1/agents/import`, {
        method: 'POST',
        body,
        ...(contentType ? { headers: { 'content-type': contentType } } : {}),
      });
      return {
        status: res.status,
        body: (await res.json()) as { detail: string; code: string; path?: string },
      };
    };
    const form = (text: string, extra: Record<string, string> = {}) => {
      const f = new FormData();
      f.append('file', new File([text], 'a.af'));
      for (const [k, v] of Object.entries(extra)) f.append(k, v);
      return f;
    };
    const good = multiAgentFile();
    const cases: [unknown, string][] = [
      ['{"agents": [', 'file: not valid JSON'],
      [JSON.stringify('[1]'), 'file: expected an object'],
      [JSON.stringify('not json'), 'file (a JSON string holding the agent file): not valid JSON'],
      [{ ...good, agents: 'x' }, 'agents: expected an array'],
      [{ ...good, agents: [] }, 'agents: the file holds no agent'],
      [
        { ...good, agents: [{ ...good.agents[0], block_ids: ['block-0', 'block-9'] }] },
        "agents[0].block_ids[1]: no block 'block-9' in the file",
      ],
      [
        { ...good, agents: [{ ...good.agents[0], messages: [{ id: 'm', role: 5, content: [] }] }] },
        'agents[0].messages[0].role: expected a string',
      ],
      [
        { ...good, agents: [{ ...good.agents[0], in_context_message_ids: ['message-99'] }] },
        "agents[0].in_context_message_ids[0]: no message 'message-99'",
      ],
      [
        { ...good, blocks: [{ ...good.blocks[0], label: 'bad label!' }, ...good.blocks.slice(1)] },
        'blocks[0]: block label',
      ],
      [{ ...good, tools: [{ id: 'tool-0', tool_type: 'custom' }] }, 'tools[0].name: a tool needs a name'],
      [{ ...good, metadata: { note: 'a\u0000b' } }, 'metadata.note: must not contain NUL'],
      [
        { ...good, blocks: [{ ...good.blocks[0], limit: 1e12 }, ...good.blocks.slice(1)] },
        'blocks[0].limit: expected an integer from 0',
      ],
    ];
    for (const [file, where] of cases) {
      const res = await post(form(typeof file === 'string' ? file : JSON.stringify(file)));
      expect(res.status, where).toBe(422);
      expect(res.body.code).toBe('AGENT_FILE_INVALID');
      expect(res.body.detail).toContain(where);
    }
    expect((await post(new FormData())).body.detail).toContain("a part named 'file'");
    expect((await post(form('{}', { strip_messages: 'maybe' }))).body.detail).toContain(
      'strip_messages must be true or false',
    );
    expect((await post(form(JSON.stringify(good), { secrets: '[1]' }))).status).toBe(422);
    expect((await post('{}', 'application/json')).status).toBe(422);
    expect((await post('hello', 'text/plain')).status).toBe(415);
    const big = await post(form(`"${'x'.repeat(300 * 1024)}"`));
    expect(big.status).toBe(413);
    // Nothing half-imported: a bad block of the second agent leaves no first agent behind.
    const before = (await client.agents.list({ limit: 1000 })).getPaginatedItems().length;
    const bad = { ...good, blocks: [...good.blocks.slice(0, 2), { ...good.blocks[2], label: 'bad label!' }] };
    const refused = await post(form(JSON.stringify(bad)));
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toContain('blocks[2]: block label');
    expect((await client.agents.list({ limit: 1000 })).getPaginatedItems().length).toBe(before);
  });
});
