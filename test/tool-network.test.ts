/**
 * Network from the tool sandbox (issue 14): with `LETTA_TOOL_ALLOWED_HOSTS` set, Python tools
 * have `urllib.request.urlopen` and JavaScript tools `fetch`, both carried to the server process,
 * which fetches only from the allowed hosts and only addresses the outbound policy allows (the
 * tests' loopback server is opened with `LETTA_OUTBOUND_ALLOW`, as an operator would), caps the
 * size and refuses everything else with an error inside the tool. Real HTTP on loopback.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Letta from '@letta-ai/letta-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboundPolicy, parseOutboundAllow } from '../src/net/index.js';
import { ToolFetcher } from '../src/runtime/tools/sandbox/tool-fetch.js';
import { type FakeLlm, startFakeLlm } from './support/fake-llm.js';
import { startTestServer, type TestServer } from './support/server.js';

describe('network from the tool sandbox', () => {
  let web: Server;
  let port: number;
  let llm: FakeLlm;
  let server: TestServer;
  let client: Letta;
  const seen: string[] = [];

  beforeAll(async () => {
    web = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.url === '/big') {
        res.end('x'.repeat(200_000));
        return;
      }
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.setHeader('x-served-by', 'test');
        res.statusCode = req.url === '/missing' ? 404 : 200;
        res.end(
          JSON.stringify({ method: req.method, path: req.url, body, token: req.headers['x-token'] ?? null }),
        );
      });
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    port = (web.address() as AddressInfo).port;
    llm = await startFakeLlm({ defaultReply: { content: 'OK' } });
    server = await startTestServer('sqlite', {
      env: {
        OPENAI_API_KEY: 'test',
        OPENAI_BASE_URL: llm.url,
        LETTA_LLM_MAX_RETRIES: '0',
        LETTA_TOOL_WORKERS: '1',
        LETTA_TOOL_PREWARM: '0',
        LETTA_TOOL_ALLOWED_HOSTS: '127.0.0.1,*.example.test',
        LETTA_OUTBOUND_ALLOW: '127.0.0.1',
        LETTA_TOOL_FETCH_MAX_BYTES: '100000',
      },
    });
    client = new Letta({ baseURL: server.baseUrl, apiKey: 'test', maxRetries: 0, timeout: 120_000 });
  });
  afterAll(async () => {
    await server?.close();
    await llm?.close();
    await new Promise((resolve) => web?.close(resolve));
  });

  async function runTool(body: Record<string, unknown>) {
    const res = await fetch(`${server.baseUrl}/v1/tools/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { status: string; tool_return: string; stderr: string[] };
  }

  it('a Python tool reaches an allowed host with urlopen; any other host is a URLError naming why', async () => {
    const source = `
import json, urllib.request, urllib.error
def call(url: str, post: bool = False) -> str:
    """Fetch a URL."""
    try:
        req = urllib.request.Request(url, data=b'ping' if post else None, headers={'X-Token': 't1'})
        with urllib.request.urlopen(req, timeout=5) as r:
            return json.dumps({'status': r.status, 'served': r.headers['x-served-by'], 'body': json.loads(r.read())})
    except urllib.error.HTTPError as e:
        return json.dumps({'http_error': e.code})
    except urllib.error.URLError as e:
        return json.dumps({'refused': str(e.reason)})
`;
    const call = async (url: string, post = false) =>
      JSON.parse((await runTool({ source_code: source, args: { url, post } })).tool_return) as Record<
        string,
        unknown
      >;
    expect(await call(`http://127.0.0.1:${port}/hello`, true)).toEqual({
      status: 200,
      served: 'test',
      body: { method: 'POST', path: '/hello', body: 'ping', token: 't1' },
    });
    expect(await call(`http://127.0.0.1:${port}/missing`)).toEqual({ http_error: 404 });
    expect((await call(`http://localhost:${port}/hello`)).refused).toMatch(
      /host 'localhost' is not allowed for tools \(the operator allows hosts with LETTA_TOOL_ALLOWED_HOSTS\)/,
    );
    expect((await call(`http://127.0.0.1:${port}/big`)).refused).toMatch(/larger than 100000 bytes/);
    expect((await call(`file:///etc/passwd`)).refused).toMatch(/only http and https/);
    expect(seen.filter((s) => s.includes('/hello'))).toEqual(['POST /hello']);
  }, 90_000); // the first Python call loads Pyodide

  it('a JavaScript tool fetches from an allowed host in a turn; a refused host rejects its fetch', async () => {
    const tool = await client.tools.create({
      source_type: 'typescript',
      source_code: `
/** Fetch a path. @param url what to fetch */
export async function get_url(url: string): Promise<unknown> {
  try {
    const res = await fetch(url, { headers: { 'x-token': 'js' } });
    return { status: res.status, ok: res.ok, type: res.headers.get('content-type'), body: await res.json() };
  } catch (err) {
    return { refused: String(err) };
  }
}`,
    });
    const agent = await client.agents.create({
      name: 'net',
      model: 'openai/gpt-4o-mini',
      tool_ids: [tool.id],
    });
    llm.script([
      { toolCalls: [{ name: 'get_url', arguments: { url: `http://127.0.0.1:${port}/js` } }] },
      { toolCalls: [{ name: 'get_url', arguments: { url: 'http://169.254.169.254/latest/meta-data/' } }] },
      { toolCalls: [{ name: 'send_message', arguments: { message: 'done' } }] },
    ]);
    const res = await client.agents.messages.create(agent.id, {
      messages: [{ role: 'user', content: 'go' }],
    });
    const [ok, metadata] = res.messages.filter(
      (m) => m.message_type === 'tool_return_message',
    ) as unknown as Array<{
      status: string;
      tool_return: string;
    }>;
    expect(JSON.parse(ok?.tool_return ?? '')).toEqual({
      status: 200,
      ok: true,
      type: 'application/json',
      body: { method: 'GET', path: '/js', body: '', token: 'js' },
    });
    expect(JSON.parse(metadata?.tool_return ?? '').refused).toMatch(
      /TypeError: fetch failed: host '169.254.169.254' is not allowed for tools/,
    );
  });

  it('an allowed host name is still checked against the address policy when it connects', async () => {
    // A name on the tool list that resolves to loopback: refused unless the operator opened it.
    const resolver = (
      _host: string,
      _o: unknown,
      cb: (e: null, a: Array<{ address: string; family: number }>) => void,
    ) => cb(null, [{ address: '127.0.0.1', family: 4 }]);
    const request = JSON.stringify({ url: `http://api.example.test:${port}/dns`, method: 'GET' });
    const closed = new ToolFetcher(
      { allowedHosts: ['*.example.test'], policy: new OutboundPolicy(), maxBytes: 1000 },
      resolver,
    );
    const refused = JSON.parse(await closed.fetch(request, Date.now() + 5000));
    expect(refused.error).toBe(
      'api.example.test (127.0.0.1) is not a public address (loopback); the operator can allow it with LETTA_OUTBOUND_ALLOW',
    );
    await closed.close();
    const open = new ToolFetcher(
      {
        allowedHosts: ['*.example.test'],
        policy: new OutboundPolicy(parseOutboundAllow('127.0.0.1')),
        maxBytes: 1000,
      },
      resolver,
    );
    const answer = JSON.parse(await open.fetch(request, Date.now() + 5000));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).path).toBe('/dns');
    await open.close();
    expect(seen).toContain('GET /dns');
    expect(seen.filter((s) => s === 'GET /dns')).toHaveLength(1);
  });
});
