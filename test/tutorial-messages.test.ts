/**
 * The tutorial's send API over real HTTP, on both dialects: JSON send, NDJSON streaming (deltas,
 * typed lines, keepalives, disconnects, provider errors, cancel, resume), batch and async runs.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { type FakeLlm, startFakeLlm } from './support/fake-llm.js';
import { startTestServer, type TestServer } from './support/server.js';
import { until } from './support/until.js';
import { expectWellFormed } from './support/well-formed.js';

type Line = Record<string, unknown>;
type TimedLine = { line: Line; at: number };

/** Reads an NDJSON body line by line, recording when each line arrived; `stopWhen` aborts early. */
async function readNdjson(
  res: Response,
  stopWhen?: (line: Line) => boolean,
  abort?: AbortController,
  onLine?: (line: Line) => void,
): Promise<TimedLine[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const out: TimedLine[] = [];
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const text = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        nl = buffer.indexOf('\n');
        if (text.trim() === '') continue;
        const line = JSON.parse(text) as Line;
        out.push({ line, at: Date.now() });
        onLine?.(line);
        if (stopWhen?.(line)) {
          abort?.abort();
          await reader.cancel().catch(() => {});
          return out;
        }
      }
    }
  } catch (err) {
    if (!abort?.signal.aborted) throw err;
  }
  expect(buffer).toBe(''); // every line ends with a newline
  return out;
}

describe.each(DIALECTS)('tutorial messages (%s)', (dialect) => {
  let llm: FakeLlm;
  let server: TestServer;
  let n = 0;
  const post = (path: string, body: unknown, signal?: AbortSignal) =>
    fetch(`${server.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${server.baseUrl}${path}`);
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  };
  /** A fresh agent per test, so tests do not share a conversation. */
  const newAgent = async (): Promise<{ id: string; name: string }> => {
    const res = await post('/agents', { name: `tut-${++n}`, persona: 'You help.', model: 'gpt-4o-mini' });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; name: string };
  };
  const run = (id: string) =>
    get<{ id: string; status: string; stop_reason: string | null; agent_id: string }>(`/v1/runs/${id}`);

  beforeAll(async () => {
    llm = await startFakeLlm();
    server = await startTestServer(dialect, {
      env: {
        OPENAI_API_KEY: 'test',
        OPENAI_BASE_URL: llm.url,
        LETTA_LLM_MAX_RETRIES: '0',
        LETTA_KEEPALIVE_INTERVAL: '0.2',
        LETTA_MAX_BATCH_SIZE: '5',
        // The callback test's receiver listens on loopback, refused unless allowed (test/outbound).
        LETTA_OUTBOUND_ALLOW: '127.0.0.1',
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await llm?.close();
  });

  it('sends a message and answers {content, messages, stop_reason, usage, conversation_id, run_id}', async () => {
    const agent = await newAgent();
    llm.script({ content: 'I am fine, thanks!' });
    const res = await post(`/agents/${agent.name}/messages`, { message: 'Hello, how are you?' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Line & { messages: Line[]; usage: Line };
    expect(Object.keys(body).sort()).toEqual([
      'content',
      'conversation_id',
      'messages',
      'run_id',
      'stop_reason',
      'usage',
    ]);
    expect(body.content).toBe('I am fine, thanks!');
    expect(body.stop_reason).toBe('end_turn');
    expect(body.run_id).toMatch(/^run-/);
    expect(body.conversation_id).toMatch(/^conv-/);
    expect(body.usage).toMatchObject({ step_count: 1 });
    expect(body.usage.total_tokens).toBeGreaterThan(0);
    expect(body.messages.map((m) => m.message_type)).toEqual(['user_message', 'assistant_message']);
    expect(await run(String(body.run_id))).toMatchObject({
      status: 'completed',
      stop_reason: 'end_turn',
      agent_id: agent.id,
    });

    // with a conversation_id: the message lands in that conversation only
    const conv = (await (await post(`/agents/${agent.name}/conversations`, {})).json()) as { id: string };
    llm.script({ content: 'in the new one' });
    const res2 = await post(`/agents/${agent.name}/messages`, {
      message: 'hi there',
      conversation_id: conv.id,
    });
    const body2 = (await res2.json()) as Line;
    expect(body2).toMatchObject({ content: 'in the new one', conversation_id: conv.id });
    const msgs = await get<Line[]>(`/agents/${agent.name}/conversations/${conv.id}/messages`);
    expect(msgs.map((m) => m.content)).toEqual(['hi there', 'in the new one']);
    expect(body.conversation_id).not.toBe(conv.id);
  });

  it('answers 404 for an unknown agent and 422 for an empty message', async () => {
    const missing = await post('/agents/nobody-here/messages', { message: 'hi' });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as Line).code).toBe('AGENT_NOT_FOUND');
    const agent = await newAgent();
    const empty = await post(`/agents/${agent.name}/messages`, { message: '' });
    expect(empty.status).toBe(422);
    const none = await post(`/agents/${agent.name}/messages`, {});
    expect(none.status).toBe(422);
  });

  it('streams NDJSON: content deltas as the model writes, typed tool lines, a done line', async () => {
    const agent = await newAgent();
    const story = 'Once upon a time there was a small agent that answered every question.';
    llm.script([
      { toolCalls: [{ name: 'conversation_search', arguments: { query: 'story' } }] },
      { content: story, chunkDelayMs: 100 },
    ]);
    const started = Date.now();
    const res = await post(`/agents/${agent.name}/messages`, { message: 'Tell me a story', stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = await readNdjson(res);
    const contents = lines.filter((l) => 'content' in l.line);
    expect(contents.length).toBeGreaterThan(5);
    expect(contents.map((l) => l.line.content).join('')).toBe(story);
    // Only `content` keys: a client printing every content prints exactly the reply.
    for (const l of contents) expect(Object.keys(l.line)).toEqual(['content']);
    const typed = lines.filter((l) => !('content' in l.line) && !('done' in l.line));
    const types = new Set(typed.map((l) => l.line.type));
    expect(types.has('tool_call_message')).toBe(true);
    expect(types.has('tool_return_message')).toBe(true);
    // The tool call comes once, whole (not also as argument fragments).
    const calls = typed.filter((l) => l.line.type === 'tool_call_message');
    expect(calls).toHaveLength(1);
    expect(JSON.parse(String((calls[0]!.line.tool_call as { arguments: string }).arguments))).toEqual({
      query: 'story',
    });
    const last = lines.at(-1)!.line;
    expect(last).toMatchObject({ done: true, stop_reason: 'end_turn' });
    expect(String(last.run_id)).toMatch(/^run-/);
    expect(last.usage).toMatchObject({ step_count: 2 });
    // Incremental: the first delta arrived long before the model finished writing (~1.4 s of pacing).
    const first = contents[0]!.at;
    const end = lines.at(-1)!.at;
    expect(end - first).toBeGreaterThan(800);
    expect(first - started).toBeLessThan(end - started - 800);
  });

  it('sends keepalive lines while a step is slow', async () => {
    const agent = await newAgent();
    llm.script([
      { toolCalls: [{ name: 'conversation_search', arguments: { query: 'slow' } }] },
      { content: 'finally', delayMs: 1000 },
    ]);
    const lines = await readNdjson(
      await post(`/agents/${agent.name}/messages`, { message: 'slow', stream: true }),
    );
    const keepalives = lines.filter((l) => l.line.type === 'keepalive');
    expect(keepalives.length).toBeGreaterThanOrEqual(3);
    for (const k of keepalives) expect('content' in k.line).toBe(false);
    expect(
      lines
        .filter((l) => 'content' in l.line)
        .map((l) => l.line.content)
        .join(''),
    ).toBe('finally');
    expect(lines.at(-1)?.line.done).toBe(true);
  });

  it('keeps running and stores the turn when the client disconnects mid-stream', async () => {
    const agent = await newAgent();
    const reply = 'alpha beta gamma delta epsilon zeta eta theta';
    llm.script({ content: reply, chunkDelayMs: 100 });
    const abort = new AbortController();
    const res = await post(
      `/agents/${agent.name}/messages`,
      { message: 'go on without me', stream: true },
      abort.signal,
    );
    const runId = res.headers.get('x-run-id');
    expect(runId).toMatch(/^run-/);
    const lines = await readNdjson(res, (l) => 'content' in l, abort);
    expect(lines.at(-1)?.line.content).toBeDefined();
    expect(lines.some((l) => l.line.done)).toBe(false);
    const done = await until(
      async () => {
        const r = await run(runId!);
        return r.status !== 'running' && r.status !== 'created' ? r : undefined;
      },
      10_000,
      'the run to end',
    );
    expect(done).toMatchObject({ status: 'completed', stop_reason: 'end_turn' });
    const msgs = await get<Line[]>(`/agents/${agent.name}/conversations/default/messages`);
    expect(msgs.map((m) => m.content)).toEqual(['go on without me', reply]);
  });

  it('reports a provider error mid-stream as an error line, then done with llm_api_error', async () => {
    const agent = await newAgent();
    llm.script([
      { toolCalls: [{ name: 'conversation_search', arguments: { query: 'x' } }] },
      { error: { status: 500, message: 'upstream exploded' } },
    ]);
    const lines = (
      await readNdjson(await post(`/agents/${agent.name}/messages`, { message: 'fail later', stream: true }))
    ).map((l) => l.line);
    expect(lines.some((l) => l.type === 'tool_return_message')).toBe(true);
    const error = lines.at(-2) as { error?: { detail: string; code: string } };
    expect(error.error?.code).toBeTruthy();
    expect(error.error?.detail).toContain('upstream exploded');
    expect(lines.at(-1)).toMatchObject({ done: true, stop_reason: 'llm_api_error' });
    expect(await run(String(lines.at(-1)?.run_id))).toMatchObject({
      status: 'failed',
      stop_reason: 'llm_api_error',
    });
  });

  it('runs a batch in order, one result per message, a failing message in its own slot', async () => {
    const agent = await newAgent();
    llm.script([{ content: 'one' }, { content: 'two' }, { content: 'three' }]);
    const res = await post(`/agents/${agent.name}/batch`, {
      messages: ['Hello', 'How are you?', "What's your name?"],
      batch_size: 3,
    });
    expect(res.status).toBe(200);
    const results = (await res.json()) as Line[];
    expect(results.map((r) => r.content)).toEqual(['one', 'two', 'three']);
    expect(new Set(results.map((r) => r.conversation_id)).size).toBe(1);
    const msgs = await get<Line[]>(`/agents/${agent.name}/conversations/default/messages`);
    expect(msgs.map((m) => m.content)).toEqual([
      'Hello',
      'one',
      'How are you?',
      'two',
      "What's your name?",
      'three',
    ]);

    llm.script([
      { content: 'first' },
      { error: { status: 500, message: 'model down' } },
      { content: 'third' },
    ]);
    const mixed = (await (
      await post(`/agents/${agent.name}/batch`, { messages: ['a', 'b', 'c'] })
    ).json()) as Line[];
    expect(mixed).toHaveLength(3);
    expect(mixed[0]?.content).toBe('first');
    expect(mixed[1]).toEqual({
      error: { detail: expect.stringContaining('model down'), code: expect.any(String) },
    });
    expect(mixed[2]?.content).toBe('third');

    const tooMany = await post(`/agents/${agent.name}/batch`, { messages: ['1', '2', '3', '4', '5', '6'] });
    expect(tooMany.status).toBe(422);
    expect(((await tooMany.json()) as Line).code).toBe('BATCH_TOO_LARGE');
    const tooBig = await post(`/agents/${agent.name}/batch`, { messages: ['1'], batch_size: 6 });
    expect(tooBig.status).toBe(422);
  });

  it('runs async: 202 with the run, GET /v1/runs/{id} completes, callback_url receives the run', async () => {
    const agent = await newAgent();
    const received: Line[] = [];
    const hook: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => {
        body += d.toString();
      });
      req.on('end', () => {
        received.push(JSON.parse(body) as Line);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    try {
      const port = (hook.address() as AddressInfo).port;
      llm.script({ content: 'done in the background', delayMs: 200 });
      const res = await post(`/agents/${agent.name}/messages/async`, {
        message: 'work later',
        callback_url: `http://127.0.0.1:${port}/hook`,
      });
      expect(res.status).toBe(202);
      const accepted = (await res.json()) as { id: string; status: string };
      expect(accepted.id).toMatch(/^run-/);
      expect(['created', 'running']).toContain(accepted.status);
      const finished = await until(async () => {
        const r = await run(accepted.id);
        return r.status === 'completed' ? r : undefined;
      });
      expect(finished.stop_reason).toBe('end_turn');
      const listed = await get<{ id: string }[]>(`/v1/runs/?agent_id=${agent.id}`);
      expect(listed.map((r) => r.id)).toContain(accepted.id);
      const callback = await until(async () => received[0], 5000, 'the callback');
      expect(callback).toMatchObject({ run_id: accepted.id, status: 'completed', stop_reason: 'end_turn' });
      const msgs = await get<Line[]>(`/agents/${agent.name}/conversations/default/messages`);
      expect(msgs.map((m) => m.content)).toEqual(['work later', 'done in the background']);
    } finally {
      await new Promise<void>((r) => hook.close(() => r()));
    }
  });

  it('cancels mid-stream promptly and leaves a well-formed history', async () => {
    const agent = await newAgent();
    llm.script([
      { toolCalls: [{ name: 'conversation_search', arguments: { query: 'before cancel' } }] },
      { content: 'this reply is written very slowly and will never be finished', chunkDelayMs: 400 },
    ]);
    const res = await post(`/agents/${agent.name}/messages`, { message: 'long answer please', stream: true });
    const runId = res.headers.get('x-run-id')!;
    let streaming!: () => void;
    const firstDelta = new Promise<void>((r) => {
      streaming = r;
    });
    const linesP = readNdjson(res, undefined, undefined, (l) => 'content' in l && streaming());
    await firstDelta; // the slow reply has started streaming
    const cancelledAt = Date.now();
    const cancel = await post(`/agents/${agent.name}/messages/cancel`, { run_ids: [runId] });
    expect(cancel.status).toBe(200);
    expect(await cancel.json()).toEqual({ [runId]: 'cancelled' });
    const lines = await linesP;
    expect(Date.now() - cancelledAt).toBeLessThan(1500);
    expect(lines.at(-1)?.line).toMatchObject({ done: true, stop_reason: 'cancelled', run_id: runId });
    const partial = lines.filter((l) => 'content' in l.line).map((l) => l.line.content);
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.join('')).not.toContain('finished');
    await until(async () => llm.aborted > 0, 2000, 'the provider request to be aborted');
    expect(await run(runId)).toMatchObject({ status: 'cancelled', stop_reason: 'cancelled' });

    // The next send works, and the model sees no tool call without its return.
    const before = llm.chatRequests.length;
    llm.script({ content: 'back again' });
    const next = (await (
      await post(`/agents/${agent.name}/messages`, { message: 'still there?' })
    ).json()) as Line;
    expect(next.content).toBe('back again');
    const sent = llm.chatRequests[before]!.body.messages ?? [];
    expectWellFormed(sent);
    expect(sent.some((m) => (m.tool_calls ?? []).length > 0)).toBe(true);
    expect(JSON.stringify(sent)).not.toContain('never be finished');
  });

  it('resumes a dropped stream with POST /v1/runs/{id}/stream and starting_after', async () => {
    const agent = await newAgent();
    llm.script([
      { toolCalls: [{ name: 'conversation_search', arguments: { query: 'resume' } }] },
      { content: 'the rest of the story', delayMs: 600 },
    ]);
    const abort = new AbortController();
    const res = await post(
      `/agents/${agent.name}/messages`,
      { message: 'resume me', stream: true },
      abort.signal,
    );
    const runId = res.headers.get('x-run-id')!;
    // Drop the connection after the tool return (a line with a seq_id).
    const seen = await readNdjson(res, (l) => l.type === 'tool_return_message', abort);
    const cut = Number(seen.at(-1)?.line.seq_id);
    expect(cut).toBeGreaterThan(0);
    const resumed = await post(`/v1/runs/${runId}/stream`, { starting_after: cut, include_pings: false });
    expect(resumed.status).toBe(200);
    const events = (await resumed.text())
      .split('\n\n')
      .map((block) =>
        block
          .split('\n')
          .find((l) => l.startsWith('data: '))
          ?.slice(6),
      )
      .filter((d): d is string => d !== undefined && d !== '[DONE]')
      .map((d) => JSON.parse(d) as Line);
    expect(events.every((e) => typeof e.seq_id !== 'number' || e.seq_id > cut)).toBe(true);
    expect(events.some((e) => e.message_type === 'tool_return_message')).toBe(false);
    expect(events.find((e) => e.message_type === 'assistant_message')?.content).toBe('the rest of the story');
    expect(events.find((e) => e.message_type === 'stop_reason')?.stop_reason).toBe('end_turn');
    expect(await run(runId)).toMatchObject({ status: 'completed' });
  });
});
