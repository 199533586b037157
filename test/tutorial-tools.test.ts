/**
 * The tutorial API takes tools by name: `POST /agents` and `PATCH /agents/{agent}` (the whole new
 * set), built-in and custom alike; an unknown name is a 404 and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { startTestServer, type TestServer } from './support/server.js';

describe.each(DIALECTS)('tutorial tools by name (%s)', (dialect) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(dialect, { env: { OPENAI_API_KEY: 'test', LETTA_TOOL_WORKERS: '1' } });
  });
  afterAll(() => server?.close());

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
});
