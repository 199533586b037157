import { describe, expect, it } from 'vitest';
import { startFakeLlm } from './support/fake-llm.js';
import { startTestServer } from './support/server.js';

describe('GET /metrics', () => {
  it('serves Prometheus text with process metrics and ended runs', async () => {
    await using llm = await startFakeLlm();
    await using server = await startTestServer('sqlite', {
      env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: llm.url },
    });
    const post = (path: string, body: unknown) =>
      fetch(`${server.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post('/agents', { name: 'm', model: 'gpt-4o-mini' })).status).toBe(201);
    const first = await fetch(`${server.baseUrl}/metrics`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await first.text()).toMatch(/^letta_process_resident_memory_bytes \d+/m);
    expect((await post('/agents/m/messages', { message: 'hi' })).status).toBe(200);
    const text = await (await fetch(`${server.baseUrl}/metrics`)).text();
    expect(text).toMatch(/^letta_runs_total\{status="completed",stop_reason="end_turn"\} 1$/m);
    expect(text).toMatch(/^letta_run_duration_seconds_count\{status="completed"\} 1$/m);
  });

  it('is behind auth when auth is on', async () => {
    await using server = await startTestServer('sqlite', {
      flags: { auth: true },
      env: { LETTA_API_KEY: 'k-metrics' },
    });
    expect((await fetch(`${server.baseUrl}/metrics`)).status).toBe(401);
    const ok = await fetch(`${server.baseUrl}/metrics`, { headers: { authorization: 'Bearer k-metrics' } });
    expect(ok.status).toBe(200);
  });
});
