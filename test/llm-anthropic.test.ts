/**
 * The Anthropic provider against a small inline server that speaks the Messages API (JSON and
 * SSE) over real loopback HTTP: request translation, response and stream mapping, errors, abort.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { LettaError } from '../src/errors.js';
import { toAnthropicMessages } from '../src/runtime/llm/anthropic-format.js';
import { AnthropicProvider } from '../src/runtime/llm/anthropic-provider.js';
import type { ChatMessage, ChatStreamEvent } from '../src/runtime/llm/index.js';
import { isAbortError } from '../src/runtime/llm/llm-errors.js';

const KEY = 'sk-ant-api03-SUPERSECRET-abcdef';
type Body = Record<string, unknown>;
type Reply = { status?: number; json?: unknown; sse?: Array<[string, unknown]>; delayMs?: number };

/** A Messages API server answering each request with the next scripted reply. */
async function startAnthropicFake(replies: Reply[]) {
  const requests: Array<{ headers: IncomingHttpHeaders; body: Body }> = [];
  let disconnects = 0;
  const server = createServer(async (req, res) => {
    let raw = '';
    for await (const part of req) raw += String(part);
    requests.push({ headers: req.headers, body: JSON.parse(raw || '{}') as Body });
    let closed = false;
    res.on('close', () => {
      closed = true;
      if (!res.writableFinished) disconnects++;
    });
    const reply = replies.shift() ?? { json: message([{ type: 'text', text: 'OK' }]) };
    if (!reply.sse) {
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(reply.json));
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const [event, data] of reply.sse) {
      if (closed) return;
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    }
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    disconnects: () => disconnects,
    [Symbol.asyncDispose]: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

const usage = {
  input_tokens: 20,
  output_tokens: 7,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 5,
};
function message(content: unknown[], stop_reason = 'end_turn') {
  return {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-6',
    content,
    stop_reason,
    stop_sequence: null,
    usage,
  };
}
const client = (url: string) =>
  new AnthropicProvider({ apiKey: KEY, baseURL: url, transport: { maxRetries: 0 } });
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

const streamEvents: Array<[string, unknown]> = [
  [
    'message_start',
    {
      type: 'message_start',
      message: { ...message([]), stop_reason: null, usage: { ...usage, output_tokens: 1 } },
    },
  ],
  [
    'content_block_start',
    {
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'thinking', thinking: '', signature: '' },
    },
  ],
  [
    'content_block_delta',
    { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Save it.' } },
  ],
  ['content_block_stop', { type: 'content_block_stop', index: 0 }],
  [
    'content_block_start',
    { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
  ],
  ['ping', { type: 'ping' }],
  [
    'content_block_delta',
    { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Noted, ' } },
  ],
  [
    'content_block_delta',
    { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Alice.' } },
  ],
  ['content_block_stop', { type: 'content_block_stop', index: 1 }],
  [
    'content_block_start',
    {
      type: 'content_block_start',
      index: 2,
      content_block: { type: 'tool_use', id: 'toolu_1', name: 'memory_insert', input: {} },
    },
  ],
  [
    'content_block_delta',
    {
      type: 'content_block_delta',
      index: 2,
      delta: { type: 'input_json_delta', partial_json: '{"label":"hu' },
    },
  ],
  [
    'content_block_delta',
    { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: 'man"}' } },
  ],
  ['content_block_stop', { type: 'content_block_stop', index: 2 }],
  [
    'message_delta',
    {
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { output_tokens: 30 },
    },
  ],
  ['message_stop', { type: 'message_stop' }],
];

describe('AnthropicProvider chat', () => {
  it('extracts the system prompt and sends tool_use/tool_result blocks', async () => {
    await using fake = await startAnthropicFake([
      {
        json: message([
          { type: 'thinking', thinking: 'hmm', signature: 's' },
          { type: 'text', text: 'Done.' },
        ]),
      },
    ]);
    const messages: ChatMessage[] = [
      { role: 'system', content: 'You are Sam.' },
      { role: 'user', content: 'remember tea' },
      {
        role: 'assistant',
        content: 'Saving.',
        reasoning: 'r',
        toolCalls: [
          { id: 'toolu_1', name: 'memory_insert', arguments: '{"label":"human"}' },
          { id: 'toolu_2', name: 'conversation_search', arguments: '{}' },
        ],
      },
      { role: 'tool', toolCallId: 'toolu_1', name: 'memory_insert', content: 'OK' },
      { role: 'tool', toolCallId: 'toolu_2', name: 'conversation_search', content: 'none' },
      { role: 'system', content: 'Memory updated.' },
    ];
    const tools = [
      {
        name: 'memory_insert',
        description: 'Insert',
        parameters: { type: 'object', properties: { label: { type: 'string' } } },
      },
    ];
    const result = await client(fake.url).chat({
      model: 'claude-sonnet-4-6',
      messages,
      tools,
      toolChoice: { name: 'memory_insert' },
    });
    expect(result).toEqual({
      content: 'Done.',
      reasoning: 'hmm',
      toolCalls: [],
      finishReason: 'stop',
      usage: { promptTokens: 25, completionTokens: 7, totalTokens: 32 },
    });
    const { headers, body } = fake.requests[0] ?? { headers: {}, body: {} };
    expect(`${headers['x-api-key'] ?? ''} ${headers.authorization ?? ''}`).toContain(KEY);
    expect(body.system).toBe('You are Sam.');
    expect(body.max_tokens).toBe(4096);
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'memory_insert' });
    expect(body.tools).toEqual([
      { name: 'memory_insert', description: 'Insert', input_schema: tools[0]?.parameters },
    ]);
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'remember tea' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Saving.' },
          { type: 'tool_use', id: 'toolu_1', name: 'memory_insert', input: { label: 'human' } },
          { type: 'tool_use', id: 'toolu_2', name: 'conversation_search', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: 'OK' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: 'none' },
          { type: 'text', text: 'Memory updated.' },
        ],
      },
    ]);
  });

  it('maps tool_use blocks to tool calls', async () => {
    await using fake = await startAnthropicFake([
      {
        json: message(
          [
            {
              type: 'tool_use',
              id: 'toolu_9',
              name: 'memory_insert',
              input: { label: 'human', new_string: 'x' },
            },
          ],
          'tool_use',
        ),
      },
    ]);
    const result = await client(fake.url).chat({
      model: 'claude-haiku-4-5',
      messages: hi,
      toolChoice: 'required',
    });
    expect(result.finishReason).toBe('tool_calls');
    expect(result.toolCalls).toEqual([
      { id: 'toolu_9', name: 'memory_insert', arguments: '{"label":"human","new_string":"x"}' },
    ]);
  });
});

describe('toAnthropicMessages', () => {
  it('puts a user turn first when the history opens with the assistant', () => {
    const { system, messages } = toAnthropicMessages([
      { role: 'system', content: 'S' },
      { role: 'assistant', content: 'Booting.' },
      { role: 'user', content: '' },
      { role: 'user', content: 'hello' },
    ]);
    expect(system).toBe('S');
    expect(messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: '(conversation start)' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Booting.' }] },
      { role: 'user', content: [{ type: 'text', text: 'hello' }] },
    ]);
  });
});

describe('AnthropicProvider stream', () => {
  it('maps thinking, text and tool_use events and assembles the result', async () => {
    await using fake = await startAnthropicFake([{ sse: streamEvents }]);
    const events = await collect(client(fake.url).stream({ model: 'claude-sonnet-4-6', messages: hi }));
    expect(fake.requests[0]?.body.stream).toBe(true);
    expect(events.slice(0, -1)).toEqual([
      { type: 'reasoning', delta: 'Save it.' },
      { type: 'content', delta: 'Noted, ' },
      { type: 'content', delta: 'Alice.' },
      { type: 'tool_call_delta', index: 0, id: 'toolu_1', name: 'memory_insert' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{"label":"hu' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: 'man"}' },
    ]);
    expect(events.at(-1)).toEqual({
      type: 'done',
      result: {
        content: 'Noted, Alice.',
        reasoning: 'Save it.',
        toolCalls: [{ id: 'toolu_1', name: 'memory_insert', arguments: '{"label":"human"}' }],
        finishReason: 'tool_calls',
        usage: { promptTokens: 25, completionTokens: 30, totalTokens: 55 },
      },
    });
  });

  it('an abort cancels an in-flight stream and surfaces as an abort error', async () => {
    await using fake = await startAnthropicFake([{ sse: streamEvents, delayMs: 100 }]);
    const controller = new AbortController();
    const err = await caught(
      (async () => {
        for await (const ev of client(fake.url).stream({
          model: 'claude-sonnet-4-6',
          messages: hi,
          signal: controller.signal,
        })) {
          if (ev.type === 'reasoning') controller.abort();
        }
      })(),
    );
    expect(isAbortError(err)).toBe(true);
    await expect.poll(() => fake.disconnects(), { timeout: 2000 }).toBe(1);
  });

  it('reports an error event inside the stream', async () => {
    const overloaded = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
    await using fake = await startAnthropicFake([
      { sse: [streamEvents[0] as [string, unknown], ['error', overloaded]] },
    ]);
    const err = await caught(collect(client(fake.url).stream({ model: 'claude-sonnet-4-6', messages: hi })));
    expect((err as LettaError).code).toBe('LLM_ERROR');
    expect((err as LettaError).message).toContain('Overloaded');
  });
});

describe('AnthropicProvider errors', () => {
  it.each([
    [401, 'authentication_error', 'LLM_AUTH_ERROR'],
    [429, 'rate_limit_error', 'LLM_RATE_LIMITED'],
    [400, 'invalid_request_error', 'LLM_BAD_REQUEST'],
    [500, 'api_error', 'LLM_ERROR'],
    [529, 'overloaded_error', 'LLM_ERROR'],
  ])('maps HTTP %i (%s) to %s without leaking the key', async (status, type, code) => {
    const json = { type: 'error', error: { type, message: `bad things for ${KEY}` } };
    await using fake = await startAnthropicFake([{ status, json }]);
    const err = await caught(client(fake.url).chat({ model: 'claude-sonnet-4-6', messages: hi }));
    expect(err).toBeInstanceOf(LettaError);
    expect((err as LettaError).code).toBe(code);
    expect((err as LettaError).message).toContain("'anthropic'");
    expect((err as LettaError).message).toContain('bad things for');
    expect((err as LettaError).message).not.toContain('SUPERSECRET');
  });

  it('has no embeddings', async () => {
    const err = await caught(client('http://127.0.0.1:9').embed({ model: 'x', inputs: ['a'] }));
    expect((err as LettaError).code).toBe('NO_EMBEDDING_MODEL');
  });
});
