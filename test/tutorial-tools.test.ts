/**
 * The tutorial API takes tools by name: `POST /agents` and `PATCH /agents/{agent}` (the whole new
 * set), built-in and custom alike; an unknown name is a 404 and changes nothing. Its send takes
 * the answers to a run that stopped for approval (`approvals`) or for client tools
 * (`client_tools`, answered with `tool_returns`), streamed and not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { type FakeLlm, startFakeLlm } from './support/fake-llm.js';
import { startTestServer, type TestServer } from './support/server.js';

describe.each(DIALECTS)('tutorial tools by name (%s)', (dialect) => {
  let server: TestServer;
  let llm: FakeLlm;

  beforeAll(async () => {
    llm = await startFakeLlm({ defaultReply: { content: 'OK' } });
    server = await startTestServer(dialect, {
      env: {
        OPENAI_API_KEY: 'test',
        OPENAI_BASE_URL: llm.url,
        LETTA_LLM_MAX_RETRIES: '0',
        LETTA_TOOL_WORKERS: '1',
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await llm?.close();
  });

  async function call(method: string, path: string, body?: unknown) {
    const res = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it('creates with tools by name and replaces the set on PATCH', async () => {
    const custom = await call('POST', '/v1/tools/', {
      source_code: 'def shout(text: str):\n    """Shout."""\n    return text.upper()',
    });
    expect(custom.status).toBe(200);
    const created = await call('POST', '/agents', {
      name: 'toolsmith',
      model: 'gpt-4o-mini',
      tools: ['run_code'],
    });
    expect(created.status).toBe(201);
    expect(created.body.tools).toEqual(expect.arrayContaining(['run_code', 'memory_replace']));

    const patched = await call('PATCH', '/agents/toolsmith', {
      tools: ['shout', 'web_search', 'memory_insert'],
    });
    expect(patched.status).toBe(200);
    expect([...(patched.body.tools as string[])].sort()).toEqual(['memory_insert', 'shout', 'web_search']);

    const unknown = await call('PATCH', '/agents/toolsmith', {
      tools: ['shout', 'no_such_tool'],
      description: 'x',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ detail: 'Unknown tool(s): no_such_tool', code: 'TOOL_NOT_FOUND' });
    const after = await call('GET', '/agents/toolsmith');
    expect([...(after.body.tools as string[])].sort()).toEqual(['memory_insert', 'shout', 'web_search']);
    expect(after.body.description).not.toBe('x');

    const refused = await call('POST', '/agents', {
      name: 'nope',
      model: 'gpt-4o-mini',
      tools: ['no_such_tool'],
    });
    expect(refused.status).toBe(404);
    expect(refused.body.code).toBe('TOOL_NOT_FOUND');
  });

  /** A streamed send's NDJSON lines. */
  async function stream(path: string, body: Record<string, unknown>) {
    const res = await fetch(`${server.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, stream: true }),
    });
    expect(res.status).toBe(200);
    return (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  it('answers a run that waits for approval, and one that waits for a client tool', async () => {
    const custom = await call('POST', '/v1/tools/', {
      source_code: 'def launch(target: str):\n    """Launch."""\n    return "launched " + target',
      default_requires_approval: true,
    });
    expect(custom.status).toBe(200);
    expect(
      (await call('POST', '/agents', { name: 'pilot', model: 'gpt-4o-mini', tools: ['launch'] })).status,
    ).toBe(201);

    llm.script([{ toolCalls: [{ name: 'launch', arguments: { target: 'moon' } }] }]);
    const held = await call('POST', '/agents/pilot/messages', { message: 'go' });
    expect(held.status).toBe(200);
    expect(held.body.stop_reason).toBe('requires_approval');
    const [pending] = held.body.pending_tool_calls as Array<{
      tool_call_id: string;
      name: string;
      arguments: string;
    }>;
    expect(pending).toMatchObject({ name: 'launch', arguments: '{"target":"moon"}' });
    // A message while waiting is refused; so is a send with both a message and answers.
    expect((await call('POST', '/agents/pilot/messages', { message: 'hello?' })).status).toBe(409);
    expect(
      (
        await call('POST', '/agents/pilot/messages', {
          message: 'x',
          approvals: [{ tool_call_id: pending?.tool_call_id, approve: true }],
        })
      ).status,
    ).toBe(422);

    llm.script([{ content: 'Launched.' }]);
    const approved = await call('POST', '/agents/pilot/messages', {
      approvals: [{ tool_call_id: pending?.tool_call_id, approve: true }],
    });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ content: 'Launched.', stop_reason: 'end_turn' });
    expect(approved.body.pending_tool_calls).toBeUndefined();
    expect(
      (approved.body.messages as Array<Record<string, unknown>>).find(
        (m) => m.message_type === 'tool_return_message',
      ),
    ).toMatchObject({ status: 'success', tool_return: 'launched moon' });

    // A client tool, streamed: the NDJSON stream shows the request and ends waiting for it.
    const lookup = { name: 'read_clipboard', description: 'What the user copied.' };
    llm.script([{ toolCalls: [{ name: 'read_clipboard', arguments: {} }] }]);
    const lines = await stream('/agents/pilot/messages', {
      message: 'what did I copy?',
      client_tools: [lookup],
    });
    const request = lines.find((l) => l.type === 'approval_request_message') as
      | { tool_call: { tool_call_id: string; name: string } }
      | undefined;
    expect(request?.tool_call.name).toBe('read_clipboard');
    expect(lines.at(-1)).toMatchObject({ done: true, stop_reason: 'requires_approval' });

    llm.script([{ content: 'You copied a poem.' }]);
    const answered = await stream('/agents/pilot/messages', {
      tool_returns: [
        { tool_call_id: request?.tool_call.tool_call_id, tool_return: 'a poem', status: 'success' },
      ],
      client_tools: [lookup],
    });
    expect(answered.find((l) => l.type === 'tool_return_message')).toMatchObject({ tool_return: 'a poem' });
    expect(
      answered
        .filter((l) => 'content' in l)
        .map((l) => l.content)
        .join(''),
    ).toBe('You copied a poem.');
    expect(answered.at(-1)).toMatchObject({ done: true, stop_reason: 'end_turn' });
  });
});
