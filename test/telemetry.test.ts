/**
 * Traces: a real `letta server` with OTEL_EXPORTER_OTLP_ENDPOINT pointing at a local OTLP/HTTP
 * receiver (JSON encoding) sends its spans there: the request, the run (with `letta.run_id`), its
 * steps, model calls, tool call and transactions, linked parent to child. Without the variable,
 * no `@opentelemetry` module is loaded in the server process.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from './support/databases.js';
import { startFakeLlm } from './support/fake-llm.js';
import { startCli } from './support/server.js';

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  boolValue?: boolean;
  doubleValue?: number;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: Array<{ key: string; value: OtlpValue }>;
  status?: { code?: number };
}
interface OtlpExport {
  resourceSpans: Array<{
    resource?: { attributes?: Array<{ key: string; value: OtlpValue }> };
    scopeSpans: Array<{ spans: OtlpSpan[] }>;
  }>;
}

/** A local OTLP/HTTP receiver: every span POSTed to /v1/traces (JSON), and the content types seen. */
async function startOtlpReceiver() {
  const spans: OtlpSpan[] = [];
  const services: string[] = [];
  const contentTypes: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        contentTypes.push(String(req.headers['content-type']));
        const body = JSON.parse(Buffer.concat(chunks).toString()) as OtlpExport;
        for (const rs of body.resourceSpans) {
          const name = rs.resource?.attributes?.find((a) => a.key === 'service.name');
          if (name?.value.stringValue) services.push(name.value.stringValue);
          for (const ss of rs.scopeSpans) spans.push(...ss.spans);
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    spans,
    services,
    contentTypes,
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function attr(span: OtlpSpan, key: string): string | number | boolean | undefined {
  const v = span.attributes?.find((a) => a.key === key)?.value;
  if (!v) return undefined;
  if (v.intValue !== undefined) return Number(v.intValue);
  return v.stringValue ?? v.boolValue ?? v.doubleValue;
}

describe('traces', () => {
  it('sends the spans of a request, its run, steps, model calls, tool call and transactions by OTLP', async () => {
    await using otlp = await startOtlpReceiver();
    await using llm = await startFakeLlm();
    llm.script([
      { toolCalls: [{ name: 'conversation_search', arguments: { query: 'hello' } }] },
      { content: 'the answer' },
    ]);
    await using db = await createTestDatabase('sqlite');
    const server = await startCli({
      ...db.env,
      OPENAI_API_KEY: 'test',
      OPENAI_BASE_URL: llm.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_SERVICE_NAME: 'letta-under-test',
    });
    let runId: string | undefined;
    try {
      const post = (path: string, body: unknown) =>
        fetch(`${server.baseUrl}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      expect((await post('/agents', { name: 'traced', model: 'gpt-4o-mini' })).status).toBe(201);
      const res = await post('/agents/traced/messages', { message: 'hello' });
      expect(res.status).toBe(200);
      runId = ((await res.json()) as { run_id: string }).run_id;
    } finally {
      // SIGTERM flushes the batched spans before the process exits.
      expect((await server.stop()).code).toBe(0);
    }
    const { spans } = otlp;
    expect(otlp.contentTypes.every((t) => t.startsWith('application/json'))).toBe(true);
    expect(otlp.services).toContain('letta-under-test');
    const named = (name: string) => spans.filter((s) => s.name === name);

    const [run, ...moreRuns] = named('letta.run');
    expect(run).toBeDefined();
    expect(moreRuns).toHaveLength(0);
    const run_id = attr(run as OtlpSpan, 'letta.run_id');
    expect(String(run_id)).toMatch(/^run-/);
    expect(run_id).toBe(runId);

    // The request that started the run is its parent, in the same trace.
    const request = spans.find((s) => s.spanId === run?.parentSpanId);
    expect(request).toBeDefined();
    expect(attr(request as OtlpSpan, 'http.request.method')).toBe('POST');
    expect(attr(request as OtlpSpan, 'http.route')).toMatch(/messages/);
    expect(attr(request as OtlpSpan, 'http.response.status_code')).toBe(200);
    expect(request?.parentSpanId ?? '').toBe('');
    const agentRequest = spans.find((s) => attr(s, 'http.route') === '/agents');
    expect(agentRequest && attr(agentRequest, 'http.response.status_code')).toBe(201);

    const steps = named('letta.step').sort(
      (a, b) => Number(attr(a, 'letta.step')) - Number(attr(b, 'letta.step')),
    );
    expect(steps.map((s) => attr(s, 'letta.step'))).toEqual([0, 1]);
    for (const s of steps) {
      expect(s.parentSpanId).toBe(run?.spanId);
      expect(s.traceId).toBe(run?.traceId);
      expect(attr(s, 'letta.run_id')).toBe(run_id);
    }
    const [first, second] = steps as [OtlpSpan, OtlpSpan];

    const models = named('letta.model_call');
    expect(models.map((m) => m.parentSpanId).sort()).toEqual([first.spanId, second.spanId].sort());
    for (const m of models) expect(attr(m, 'letta.run_id')).toBe(run_id);

    const tools = named('letta.tool_call');
    expect(tools).toHaveLength(1);
    expect(tools[0]?.parentSpanId).toBe(first.spanId);
    expect(attr(tools[0] as OtlpSpan, 'letta.tool.name')).toBe('conversation_search');
    expect(attr(tools[0] as OtlpSpan, 'letta.tool.status')).toBe('success');

    // Each step is stored in a transaction under it; more transactions start and end the run.
    const transactions = named('letta.db.transaction');
    for (const s of steps) expect(transactions.some((t) => t.parentSpanId === s.spanId)).toBe(true);
    expect(transactions.every((t) => attr(t, 'db.system.name') === 'sqlite')).toBe(true);
  });

  it('loads no @opentelemetry module when OTEL_EXPORTER_OTLP_ENDPOINT is unset', async () => {
    // A module-resolution hook in the server process records every @opentelemetry import.
    const dir = mkdtempSync(join(tmpdir(), 'letta-otel-'));
    const seen = join(dir, 'seen.txt');
    writeFileSync(seen, '');
    const hooks = join(dir, 'hooks.mjs');
    writeFileSync(
      hooks,
      `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const out = await next(specifier, context);
  if (out.url.includes('@opentelemetry')) appendFileSync(${JSON.stringify(seen)}, out.url + '\\n');
  return out;
}
`,
    );
    const register = join(dir, 'register.mjs');
    writeFileSync(
      register,
      `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
    );
    try {
      await using llm = await startFakeLlm();
      llm.script([{ content: 'untraced' }]);
      await using db = await createTestDatabase('sqlite');
      const env = {
        ...db.env,
        OPENAI_API_KEY: 'test',
        OPENAI_BASE_URL: llm.url,
        NODE_OPTIONS: `--import ${pathToFileURL(register).href}`,
      };
      // The check itself works: with the variable set, the modules show up.
      for (const endpoint of [undefined, 'http://127.0.0.1:9']) {
        writeFileSync(seen, '');
        const server = await startCli({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
        try {
          await fetch(`${server.baseUrl}/agents`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ name: `quiet-${endpoint ? 'on' : 'off'}`, model: 'gpt-4o-mini' }),
          });
          await fetch(`${server.baseUrl}/agents/quiet-${endpoint ? 'on' : 'off'}/messages`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ message: 'hi' }),
          });
        } finally {
          await server.stop();
        }
        const loaded = readFileSync(seen, 'utf8');
        if (endpoint) expect(loaded).toMatch(/@opentelemetry\/sdk-trace-base/);
        else expect(loaded).toBe('');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
