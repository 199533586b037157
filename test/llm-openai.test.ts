/**
 * The OpenAI-compatible provider against a real loopback HTTP server (the scripted fake LLM, and
 * small inline servers for malformed streams): translation both ways, streaming, tool calls,
 * reasoning, error mapping, retries, timeouts, abort and embedding batching.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { LettaError } from '../src/errors.js';
import type { ChatMessage, ChatStreamEvent, LlmTransportOptions } from '../src/runtime/llm/index.js';
import { isAbortError, isContextOverflowError } from '../src/runtime/llm/llm-errors.js';
import { OpenAIProvider } from '../src/runtime/llm/openai-provider.js';
import { fakeEmbedding, startFakeLlm } from './support/fake-llm.js';

const KEY = 'sk-test-SUPERSECRET-0123456789';
const provider = (url: string, transport: Partial<LlmTransportOptions> = {}) =>
  new OpenAIProvider({
    providerName: 'openai',
    apiKey: KEY,
    baseURL: url,
    transport: { maxRetries: 0, ...transport },
  });
const hi: ChatMessage[] = [{ role: 'user', content: 'hi' }];

async function collect(events: AsyncIterable<ChatStreamEvent>): Promise<ChatStreamEvent[]> {
  const out: ChatStreamEvent[] = [];
  for await (const ev of events) out.push(ev);
  return out;
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('OpenAIProvider chat', () => {
  it('sends our messages in OpenAI format and maps the completion back', async () => {
    await using llm = await startFakeLlm();
    llm.script({ content: 'Hello there' });
    const messages: ChatMessage[] = [
      { role: 'system', content: 'You are Sam.' },
      { role: 'user', content: 'remember me', name: 'alice' },
      {
        role: 'assistant',
        content: null,
        toolCalls: [{ id: 'call_1', name: 'memory_insert', arguments: '{"x":1}' }],
      },
      { role: 'tool', toolCallId: 'call_1', name: 'memory_insert', content: 'OK' },
    ];
    const tools = [
      { name: 'memory_insert', description: 'Insert', parameters: { type: 'object', properties: {} } },
    ];
    const result = await provider(llm.url).chat({
      model: 'gpt-4o-mini',
      messages,
      tools,
      toolChoice: 'required',
      temperature: 0.2,
      maxTokens: 50,
    });
    expect(result).toMatchObject({
      content: 'Hello there',
      reasoning: null,
      toolCalls: [],
      finishReason: 'stop',
    });
    expect(result.usage.totalTokens).toBe(result.usage.promptTokens + result.usage.completionTokens);
    const body = llm.chatRequests[0]?.body;
    expect(body?.model).toBe('gpt-4o-mini');
    expect(body?.messages).toEqual([
      { role: 'system', content: 'You are Sam.' },
      { role: 'user', content: 'remember me', name: 'alice' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'memory_insert', arguments: '{"x":1}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'OK' },
    ]);
    expect(body?.tools?.[0]).toEqual({ type: 'function', function: tools[0] && { ...tools[0] } });
    expect(body).toMatchObject({ tool_choice: 'required', temperature: 0.2, max_tokens: 50 });
    expect(llm.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('returns tool calls and reasoning_content', async () => {
    await using llm = await startFakeLlm();
    llm.script({
      reasoning: 'The user wants it saved.',
      toolCalls: [
        { id: 'call_9', name: 'memory_insert', arguments: { label: 'human', new_string: 'Likes tea' } },
      ],
    });
    const result = await provider(llm.url).chat({ model: 'deepseek-reasoner', messages: hi });
    expect(result.reasoning).toBe('The user wants it saved.');
    expect(result.finishReason).toBe('tool_calls');
    expect(result.toolCalls).toHaveLength(1);
    expect(result.toolCalls[0]?.id).toBe('call_9');
    expect(JSON.parse(result.toolCalls[0]?.arguments ?? '')).toEqual({
      label: 'human',
      new_string: 'Likes tea',
    });
  });

  it('uses max_completion_tokens and drops temperature for reasoning models on api.openai.com', async () => {
    await using llm = await startFakeLlm();
    const client = new OpenAIProvider({
      providerName: 'openai',
      apiKey: KEY,
      baseURL: llm.url,
      transport: { maxRetries: 0 },
      dialect: { maxCompletionTokens: true },
    });
    await client.chat({ model: 'o3-mini', messages: hi, temperature: 0.5, maxTokens: 10 });
    expect(llm.chatRequests[0]?.body).toMatchObject({ max_completion_tokens: 10 });
    expect(llm.chatRequests[0]?.body).not.toHaveProperty('temperature');
  });
});

describe('OpenAIProvider stream', () => {
  it('streams content deltas and ends with one done carrying the assembled result', async () => {
    await using llm = await startFakeLlm();
    llm.script({ content: 'Hello streaming world', reasoning: 'think first' });
    const events = await collect(provider(llm.url).stream({ model: 'gpt-4o-mini', messages: hi }));
    const content = events.filter((e) => e.type === 'content').map((e) => e.delta);
    expect(content.length).toBeGreaterThan(1);
    expect(content.join('')).toBe('Hello streaming world');
    expect(
      events
        .filter((e) => e.type === 'reasoning')
        .map((e) => e.delta)
        .join(''),
    ).toBe('think first');
    const last = events.at(-1);
    expect(events.filter((e) => e.type === 'done')).toHaveLength(1);
    expect(last?.type === 'done' && last.result).toMatchObject({
      content: 'Hello streaming world',
      reasoning: 'think first',
      finishReason: 'stop',
    });
    expect(last?.type === 'done' && last.result.usage.promptTokens).toBeGreaterThan(0);
    expect(llm.chatRequests[0]?.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('yields events as chunks arrive, not after the stream ends', async () => {
    await using llm = await startFakeLlm();
    llm.script({ content: 'one two three four', chunkDelayMs: 150 });
    const started = Date.now();
    for await (const ev of provider(llm.url).stream({ model: 'gpt-4o-mini', messages: hi })) {
      if (ev.type === 'content') {
        expect(Date.now() - started).toBeLessThan(400);
        break;
      }
    }
  });

  it('streams tool call deltas and assembles them', async () => {
    await using llm = await startFakeLlm();
    llm.script({
      toolCalls: [
        {
          id: 'call_a',
          name: 'memory_replace',
          arguments: { label: 'human', old_string: 'a', new_string: 'b' },
        },
        { id: 'call_b', name: 'conversation_search', arguments: { query: 'tea' } },
      ],
    });
    const events = await collect(provider(llm.url).stream({ model: 'gpt-4o-mini', messages: hi }));
    const deltas = events.filter((e) => e.type === 'tool_call_delta');
    expect(deltas[0]).toMatchObject({ index: 0, id: 'call_a', name: 'memory_replace' });
    expect(
      deltas
        .filter((d) => d.index === 0)
        .map((d) => d.argumentsDelta ?? '')
        .join(''),
    ).toBe('{"label":"human","old_string":"a","new_string":"b"}');
    const done = events.at(-1);
    if (done?.type !== 'done') throw new Error('no done event');
    expect(done.result.finishReason).toBe('tool_calls');
    expect(done.result.toolCalls.map((c) => [c.id, c.name, JSON.parse(c.arguments)])).toEqual([
      ['call_a', 'memory_replace', { label: 'human', old_string: 'a', new_string: 'b' }],
      ['call_b', 'conversation_search', { query: 'tea' }],
    ]);
  });

  it('treats a stream that stops without a finish reason as an error', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = {
        id: 'x',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'm',
        choices: [{ index: 0, delta: { content: 'partial' }, finish_reason: null }],
      };
      res.end(`data: ${JSON.stringify(chunk)}\n\n`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
      const err = await caught(collect(provider(url).stream({ model: 'm', messages: hi })));
      expect(err).toBeInstanceOf(LettaError);
      expect((err as LettaError).code).toBe('LLM_ERROR');
    } finally {
      server.close();
    }
  });
});

describe('OpenAIProvider stream bytes', () => {
  it('keeps a multi-byte character whole when a network chunk splits it', async () => {
    const chunk = (delta: object, finish: string | null) =>
      `data: ${JSON.stringify({
        id: 'x',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'm',
        choices: [{ index: 0, delta, finish_reason: finish }],
      })}\n\n`;
    const bytes = Buffer.from(
      chunk({ content: 'héllo 🙂 wörld' }, null) + chunk({}, 'stop') + 'data: [DONE]\n\n',
    );
    // Split inside the emoji's four bytes.
    const cut = bytes.indexOf(Buffer.from('🙂')) + 2;
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(bytes.subarray(0, cut));
      setTimeout(() => res.end(bytes.subarray(cut)), 30);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
      const events = await collect(provider(url).stream({ model: 'm', messages: hi }));
      const done = events.find((e) => e.type === 'done');
      expect(done && done.type === 'done' && done.result.content).toBe('héllo 🙂 wörld');
    } finally {
      server.close();
    }
  });
});

describe('OpenAIProvider errors', () => {
  it.each([
    [401, 'LLM_AUTH_ERROR'],
    [403, 'LLM_AUTH_ERROR'],
    [429, 'LLM_RATE_LIMITED'],
    [400, 'LLM_BAD_REQUEST'],
    [404, 'LLM_BAD_REQUEST'],
    [500, 'LLM_ERROR'],
    [503, 'LLM_ERROR'],
  ])('maps HTTP %i to %s, naming the provider without leaking the key', async (status, code) => {
    await using llm = await startFakeLlm();
    const message = `Incorrect API key provided: ${KEY} (${KEY.slice(0, 7)}****6789) status ${status}`;
    llm.script([{ error: { status, message } }, { error: { status, message } }]);
    for (const run of [
      (c: OpenAIProvider) => c.chat({ model: 'gpt-4o-mini', messages: hi }),
      (c: OpenAIProvider) => collect(c.stream({ model: 'gpt-4o-mini', messages: hi })),
    ]) {
      const err = await caught(run(provider(llm.url)));
      expect(err).toBeInstanceOf(LettaError);
      expect((err as LettaError).code).toBe(code);
      expect((err as LettaError).message).toContain("'openai'");
      expect((err as LettaError).message).toContain(`status ${status}`);
      expect((err as LettaError).message).not.toContain(KEY);
      expect((err as LettaError).message).not.toContain('SUPERSECRET');
      expect(isAbortError(err)).toBe(false);
    }
    expect(llm.chatRequests).toHaveLength(2); // retries disabled: one request each
  });

  it('recognises a context-window overflow (the cue to compact)', async () => {
    await using llm = await startFakeLlm();
    const message =
      "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.";
    llm.script([
      { error: { status: 400, message, code: 'context_length_exceeded' } },
      { error: { status: 400, message: 'Invalid tool schema' } },
    ]);
    const overflow = await caught(provider(llm.url).chat({ model: 'gpt-4o-mini', messages: hi }));
    expect(isContextOverflowError(overflow)).toBe(true);
    const other = await caught(provider(llm.url).chat({ model: 'gpt-4o-mini', messages: hi }));
    expect((other as LettaError).code).toBe('LLM_BAD_REQUEST');
    expect(isContextOverflowError(other)).toBe(false);
  });

  it('retries 429/5xx with backoff, then succeeds', async () => {
    await using llm = await startFakeLlm();
    llm.script([{ error: { status: 500 } }, { error: { status: 429 } }, { content: 'finally' }]);
    const result = await provider(llm.url, { maxRetries: 2 }).chat({ model: 'gpt-4o-mini', messages: hi });
    expect(result.content).toBe('finally');
    expect(llm.chatRequests).toHaveLength(3);
  });

  it('maps a refused connection to LLM_ERROR', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    await new Promise((r) => server.close(r));
    const err = await caught(
      provider(`http://127.0.0.1:${port}/v1`).chat({ model: 'gpt-4o-mini', messages: hi }),
    );
    expect((err as LettaError).code).toBe('LLM_ERROR');
    expect((err as LettaError).message).toMatch(/openai.*Connection error/);
  });

  it('maps a request timeout to LLM_TIMEOUT', async () => {
    await using llm = await startFakeLlm();
    llm.script({ content: 'late', delayMs: 1000 });
    const err = await caught(
      provider(llm.url, { timeoutMs: 100 }).chat({ model: 'gpt-4o-mini', messages: hi }),
    );
    expect((err as LettaError).code).toBe('LLM_TIMEOUT');
  });

  it('the request timeout is one deadline for every attempt, retries included', async () => {
    await using llm = await startFakeLlm();
    llm.script([
      { content: 'late', delayMs: 2000 },
      { content: 'late', delayMs: 2000 },
      { content: 'late', delayMs: 2000 },
    ]);
    for (const call of [
      (p: ReturnType<typeof provider>) => p.chat({ model: 'gpt-4o-mini', messages: hi }),
      (p: ReturnType<typeof provider>) => collect(p.stream({ model: 'gpt-4o-mini', messages: hi })),
    ]) {
      const before = llm.chatRequests.length;
      const err = await caught(call(provider(llm.url, { timeoutMs: 300, maxRetries: 2 })));
      expect((err as LettaError).code).toBe('LLM_TIMEOUT');
      expect((err as LettaError).message).toMatch(/within 0.3s, retries included/);
      // Per-attempt timeouts would have made three attempts; the deadline ends the first.
      expect(llm.chatRequests.length - before).toBe(1);
    }
  });

  it('abandons a stream that goes silent (LLM_TIMEOUT)', async () => {
    await using llm = await startFakeLlm();
    llm.script({ content: 'a b c d', chunkDelayMs: 1000 });
    const err = await caught(
      collect(provider(llm.url, { streamIdleTimeoutMs: 100 }).stream({ model: 'gpt-4o-mini', messages: hi })),
    );
    expect((err as LettaError).code).toBe('LLM_TIMEOUT');
  });
});

describe('OpenAIProvider abort', () => {
  it('an abort cancels an in-flight stream and surfaces as an abort error', async () => {
    await using llm = await startFakeLlm();
    llm.script({ content: 'word '.repeat(50), chunkDelayMs: 50 });
    const controller = new AbortController();
    const seen: ChatStreamEvent[] = [];
    const err = await caught(
      (async () => {
        for await (const ev of provider(llm.url).stream({
          model: 'gpt-4o-mini',
          messages: hi,
          signal: controller.signal,
        })) {
          seen.push(ev);
          if (seen.length === 2) controller.abort();
        }
      })(),
    );
    expect(isAbortError(err)).toBe(true);
    expect(err).not.toBeInstanceOf(LettaError);
    expect(seen.some((e) => e.type === 'done')).toBe(false);
    await expect.poll(() => llm.aborted, { timeout: 2000 }).toBe(1); // the server saw the disconnect
  });

  it('an abort before the response arrives rejects a chat with an abort error', async () => {
    await using llm = await startFakeLlm();
    llm.script({ content: 'late', delayMs: 2000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    const err = await caught(
      provider(llm.url).chat({ model: 'gpt-4o-mini', messages: hi, signal: controller.signal }),
    );
    expect(isAbortError(err)).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('an already-aborted signal sends nothing', async () => {
    await using llm = await startFakeLlm();
    const err = await caught(
      provider(llm.url).chat({ model: 'gpt-4o-mini', messages: hi, signal: AbortSignal.abort() }),
    );
    expect(isAbortError(err)).toBe(true);
    expect(llm.chatRequests).toHaveLength(0);
  });
});

describe('OpenAIProvider embed', () => {
  it('batches 250 inputs into 3 requests and keeps input order', async () => {
    await using llm = await startFakeLlm({ embeddingDimension: 48 });
    const inputs = Array.from({ length: 250 }, (_, i) => `passage number ${i}`);
    const result = await provider(llm.url).embed({ model: 'text-embedding-3-small', inputs });
    const batches = llm.requests.filter((r) => r.path === '/v1/embeddings');
    expect(batches.map((r) => (r.body.input as string[]).length)).toEqual([100, 100, 50]);
    expect(batches.every((r) => r.body.encoding_format === 'float')).toBe(true);
    expect(result.dimension).toBe(48);
    expect(result.vectors).toHaveLength(250);
    for (const i of [0, 99, 100, 249]) {
      const expected = fakeEmbedding(`passage number ${i}`, 48);
      for (const [j, x] of (result.vectors[i] ?? []).entries())
        expect(x).toBeCloseTo(expected[j] ?? Number.NaN, 5);
    }
  });

  it('embeds nothing without a request', async () => {
    await using llm = await startFakeLlm();
    expect(await provider(llm.url).embed({ model: 'text-embedding-3-small', inputs: [] })).toEqual({
      vectors: [],
      dimension: 0,
    });
    expect(llm.requests).toHaveLength(0);
  });
});
