/** SSE framing of the V1 API (pings, blank-line termination, [DONE], error events) and resume. */
import Letta from '@letta-ai/letta-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { type FakeLlm, startFakeLlm } from './support/fake-llm.js';
import { startTestServer, type TestServer } from './support/server.js';

type Event = { event?: string; data: string };

/** Splits an SSE body into events, checking that every event ends with a blank line. */
function parseSse(text: string): Event[] {
  expect(text.endsWith('\n\n')).toBe(true);
  return text
    .slice(0, -2)
    .split('\n\n')
    .map((block) => {
      const out: Event = { data: '' };
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) out.event = line.slice(7);
        else if (line.startsWith('data: ')) out.data = line.slice(6);
        else if (!line.startsWith(':')) throw new Error(`unexpected SSE line: ${line}`);
      }
      return out;
    });
}

const json = (e: Event) =>
  JSON.parse(e.data) as { message_type: string; seq_id?: number; [k: string]: unknown };

describe.each(DIALECTS)('V1 SSE (%s)', (dialect) => {
  let llm: FakeLlm;
  let server: TestServer;
  let agentId: string;
  const env = () => ({ OPENAI_API_KEY: 'test', OPENAI_BASE_URL: llm.url, LETTA_LLM_MAX_RETRIES: '0' });
  const post = (path: string, body: unknown, base = server.baseUrl) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    llm = await startFakeLlm();
    server = await startTestServer(dialect, { env: env(), config: { keepaliveMs: 100 } });
    const res = await post('/v1/agents/', { name: 'sse', model: 'openai/gpt-4o-mini' });
    agentId = ((await res.json()) as { id: string }).id;
  });
  afterAll(async () => {
    await server?.close();
    await llm?.close();
  });

  it('frames a stream: ping first, data events with seq_id, stop_reason, usage, [DONE]', async () => {
    llm.script({ content: 'Hi there' });
    const res = await post(`/v1/agents/${agentId}/messages`, { input: 'hello', streaming: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = parseSse(await res.text());
    expect(events.at(-1)?.data).toBe('[DONE]');
    const payloads = events.slice(0, -1).map(json);
    expect(payloads[0]?.message_type).toBe('ping');
    expect(payloads[0]?.run_id).toMatch(/^run-/);
    const assistant = payloads.find((p) => p.message_type === 'assistant_message');
    expect(assistant?.content).toBe('Hi there');
    expect(typeof assistant?.seq_id).toBe('number');
    expect(payloads.map((p) => p.message_type).slice(-2)).toEqual(['stop_reason', 'usage_statistics']);
    expect(payloads.some((p) => p.message_type === 'user_message')).toBe(false);
  });

  it('sends keepalive pings while the model is slow', async () => {
    llm.script({ content: 'slow', delayMs: 500 });
    const res = await post(`/v1/agents/${agentId}/messages/stream`, { input: 'slow one' });
    const payloads = parseSse(await res.text())
      .slice(0, -1)
      .map(json);
    expect(payloads.filter((p) => p.message_type === 'ping').length).toBeGreaterThan(2);
  });

  it('reports a model failure as stop_reason, event: error, [DONE] with HTTP 200', async () => {
    llm.script({ error: { status: 500, message: 'upstream exploded' } });
    const res = await post(`/v1/agents/${agentId}/messages`, {
      input: 'fail',
      streaming: true,
      include_pings: false,
    });
    expect(res.status).toBe(200);
    const events = parseSse(await res.text());
    expect(events.map((e) => e.event ?? 'data')).toEqual(['data', 'error', 'data']);
    expect(json(events[0] as Event)).toEqual({ message_type: 'stop_reason', stop_reason: 'llm_api_error' });
    const error = json(events[1] as Event);
    expect(error).toMatchObject({ message_type: 'error_message', error_type: 'llm_error' });
    expect(error.run_id).toMatch(/^run-/);
    expect(events[2]?.data).toBe('[DONE]');

    // the official client throws on the error event
    const client = new Letta({ baseURL: server.baseUrl, apiKey: 'x', maxRetries: 0 });
    llm.script({ error: { status: 500, message: 'upstream exploded' } });
    const stream = await client.agents.messages.create(agentId, { input: 'fail again', streaming: true });
    await expect(
      (async () => {
        for await (const _ of stream) {
          // drain
        }
      })(),
    ).rejects.toThrow();
  });

  it('resumes a run after starting_after, live and from the database in another process', async () => {
    llm.script({ toolCalls: [{ name: 'conversation_search', arguments: { query: 'x' } }] });
    llm.script({ content: 'done searching' });
    const res = await post(`/v1/agents/${agentId}/messages`, {
      input: 'search',
      streaming: true,
      include_pings: false,
    });
    const first = parseSse(await res.text())
      .slice(0, -1)
      .map(json);
    const runId = String(first[0]?.run_id);
    const seqs = first.map((p) => p.seq_id).filter((s): s is number => typeof s === 'number');
    expect(seqs.length).toBeGreaterThan(2);
    const cut = seqs[1] as number;
    const expected = first
      .filter((p) => (p.seq_id ?? Number.POSITIVE_INFINITY) > cut)
      .map((p) => p.message_type);

    const live = await post(`/v1/runs/${runId}/stream`, { starting_after: cut, include_pings: false });
    const liveEvents = parseSse(await live.text());
    expect(liveEvents.at(-1)?.data).toBe('[DONE]');
    expect(liveEvents.slice(0, -1).map((e) => json(e).message_type)).toEqual(expected);

    // a second server on the same database has no channel: it replays the stored events
    await using other = await startTestServer(dialect, { env: env(), db: server.db });
    const stored = await post(
      `/v1/runs/${runId}/stream`,
      { starting_after: cut, include_pings: false },
      other.baseUrl,
    );
    const storedEvents = parseSse(await stored.text());
    expect(storedEvents.slice(0, -1).map((e) => json(e).message_type)).toEqual(expected);
    expect(storedEvents.slice(0, -1).every((e) => (json(e).seq_id ?? cut + 1) > cut)).toBe(true);

    // the conversation resume endpoint finds the latest run
    const conv = await post(`/v1/conversations/default/stream?agent_id=${agentId}`, {
      starting_after: cut,
      include_pings: false,
    });
    expect(
      parseSse(await conv.text())
        .slice(0, -1)
        .map((e) => json(e).message_type),
    ).toEqual(expected);
  });

  it('answers conversation messages as JSON with streaming: false', async () => {
    llm.script({ content: 'json reply' });
    const res = await post(`/v1/conversations/default/messages`, {
      agent_id: agentId,
      input: 'hi',
      streaming: false,
    });
    expect(res.headers.get('content-type')).toMatch(/json/);
    const body = (await res.json()) as {
      messages: { message_type: string; content?: string }[];
      stop_reason: { stop_reason: string };
    };
    expect(body.messages.find((m) => m.message_type === 'assistant_message')?.content).toBe('json reply');
    expect(body.stop_reason.stop_reason).toBe('end_turn');
  });
});
