/** Tests of the fake LLM server itself, driven through the real `openai` SDK. */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { fakeEmbedding, lastUserText, startFakeLlm } from './support/fake-llm.js';

const client = (url: string, apiKey = 'test') => new OpenAI({ baseURL: url, apiKey, maxRetries: 0 });
const user = (content: string) => [{ role: 'user' as const, content }];

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return dot / Math.sqrt(na * nb);
}

describe('fake LLM', () => {
  it('answers a plain scripted reply with usage', async () => {
    await using llm = await startFakeLlm();
    llm.script({ content: 'Hello there' });
    const res = await client(llm.url).chat.completions.create({ model: 'gpt-4o-mini', messages: user('hi') });
    expect(res.object).toBe('chat.completion');
    expect(res.choices[0]?.message.content).toBe('Hello there');
    expect(res.choices[0]?.finish_reason).toBe('stop');
    expect(res.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(res.usage?.completion_tokens).toBeGreaterThan(0);
    expect(res.usage?.total_tokens).toBe(
      (res.usage?.prompt_tokens ?? 0) + (res.usage?.completion_tokens ?? 0),
    );
  });

  it('answers tool calls, stringifying object arguments and passing strings raw', async () => {
    await using llm = await startFakeLlm();
    llm.script({
      toolCalls: [
        { name: 'send_message', arguments: { message: 'hi' }, id: 'call_1' },
        { name: 'broken', arguments: '{"oops":' },
      ],
    });
    const res = await client(llm.url).chat.completions.create({ model: 'gpt-4o-mini', messages: user('hi') });
    const message = res.choices[0]?.message;
    expect(res.choices[0]?.finish_reason).toBe('tool_calls');
    expect(message?.content).toBeNull();
    const calls = (message?.tool_calls ?? []).map((c) => (c.type === 'function' ? c : undefined));
    expect(calls[0]?.id).toBe('call_1');
    expect(calls[0]?.function.name).toBe('send_message');
    expect(JSON.parse(calls[0]?.function.arguments ?? '')).toEqual({ message: 'hi' });
    expect(calls[1]?.function.arguments).toBe('{"oops":');
    expect(calls[1]?.id).toMatch(/^call_/);
  });

  it('streams content in several deltas that join to the script, with a usage chunk', async () => {
    await using llm = await startFakeLlm();
    const text = 'The quick brown fox jumps over the lazy dog.';
    llm.script({ content: text, reasoning: 'thinking hard', chunkDelayMs: 1 });
    const stream = await client(llm.url).chat.completions.create({
      model: 'gpt-4o-mini',
      messages: user('hi'),
      stream: true,
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    let reasoning = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      const choice = chunk.choices[0];
      if (choice?.delta.content) deltas.push(choice.delta.content);
      const delta = choice?.delta as { reasoning_content?: string } | undefined;
      reasoning += delta?.reasoning_content ?? '';
      if (choice?.finish_reason) finish = choice.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join('')).toBe(text);
    expect(reasoning).toBe('thinking hard');
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('streams tool call arguments that reassemble (and honours finishReason/usage overrides)', async () => {
    await using llm = await startFakeLlm();
    const args = { query: 'the weather in Paris', limit: 3, nested: { a: [1, 2, 3] } };
    llm.script({ toolCalls: [{ name: 'search', arguments: args }] });
    const stream = await client(llm.url).chat.completions.create({
      model: 'gpt-4o-mini',
      messages: user('hi'),
      stream: true,
    });
    const calls: Array<{ id?: string; name?: string; arguments: string }> = [];
    let fragments = 0;
    let finish: string | null = null;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      for (const call of choice?.delta.tool_calls ?? []) {
        const entry = calls[call.index] ?? { arguments: '' };
        calls[call.index] = entry;
        if (call.id) entry.id = call.id;
        if (call.function?.name) entry.name = call.function.name;
        if (call.function?.arguments) {
          entry.arguments += call.function.arguments;
          fragments++;
        }
      }
      if (choice?.finish_reason) finish = choice.finish_reason;
    }
    expect(calls).toHaveLength(1);
    expect(calls[0]?.name).toBe('search');
    expect(calls[0]?.id).toMatch(/^call_/);
    expect(fragments).toBeGreaterThan(1);
    expect(JSON.parse(calls[0]?.arguments ?? '')).toEqual(args);
    expect(finish).toBe('tool_calls');

    llm.script({ content: 'cut', finishReason: 'length', usage: { prompt_tokens: 7, completion_tokens: 3 } });
    const res = await client(llm.url).chat.completions.create({ model: 'gpt-4o-mini', messages: user('x') });
    expect(res.choices[0]?.finish_reason).toBe('length');
    expect(res.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
  });

  it('surfaces scripted errors as the SDK APIError with that status', async () => {
    await using llm = await startFakeLlm();
    llm.script([{ error: { status: 429, message: 'slow down' } }, { error: { status: 500 } }]);
    const openai = client(llm.url);
    const call = () => openai.chat.completions.create({ model: 'gpt-4o-mini', messages: user('hi') });
    const first = await call().catch((e: unknown) => e);
    expect(first).toBeInstanceOf(OpenAI.APIError);
    expect((first as InstanceType<typeof OpenAI.APIError>).status).toBe(429);
    expect((first as InstanceType<typeof OpenAI.APIError>).message).toContain('slow down');
    await expect(call()).rejects.toMatchObject({ status: 500 });
  });

  it('rejects a wrong API key with 401 when apiKey is configured', async () => {
    await using llm = await startFakeLlm({ apiKey: 'sekret' });
    await expect(client(llm.url, 'wrong').models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const models = await client(llm.url, 'sekret').models.list();
    expect(models.data.map((m) => m.id)).toEqual(['gpt-4o-mini']);
  });

  it('embeds similar texts closer than unrelated ones (base64 and float formats)', async () => {
    await using llm = await startFakeLlm({ embeddingDimension: 64 });
    const openai = client(llm.url);
    const res = await openai.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['the cat sat on the mat', 'a cat sat on a mat', 'quarterly revenue grew strongly'],
    });
    const [a, b, c] = res.data.map((d) => d.embedding);
    expect(res.data.map((d) => d.index)).toEqual([0, 1, 2]);
    expect(a).toHaveLength(64);
    expect(cosine(a ?? [], b ?? [])).toBeGreaterThan(cosine(a ?? [], c ?? []));
    expect(cosine(a ?? [], a ?? [])).toBeCloseTo(1, 5);
    expect(res.usage.prompt_tokens).toBeGreaterThan(0);

    const single = await openai.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'the cat sat on the mat',
      encoding_format: 'float',
    });
    const vector = single.data[0]?.embedding ?? [];
    expect(vector).toEqual(fakeEmbedding('the cat sat on the mat', 64));
    expect(cosine(vector, a ?? [])).toBeCloseTo(1, 5);
  });

  it('records requests and can wait for them', async () => {
    await using llm = await startFakeLlm();
    const openai = client(llm.url);
    const waiting = llm.waitForRequests(2, 2000, '/v1/chat/completions');
    await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are a helpful agent. <memory>human: Sam</memory>' },
        { role: 'user', content: 'first' },
      ],
    });
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: user('second') });
    const recorded = await waiting;
    expect(recorded).toHaveLength(2);
    expect(llm.requests[0]?.path).toBe('/v1/chat/completions');
    expect(llm.requests[0]?.body.messages?.[0]?.content).toContain('<memory>');
    expect(llm.requests[0]?.headers.authorization).toBe('Bearer test');
    expect(lastUserText(llm.requests[1]!)).toBe('second');
    await expect(llm.waitForRequests(5, 50)).rejects.toThrow(/expected 5 requests/);
  });

  it('uses the default reply when the queue is empty, including function replies', async () => {
    await using llm = await startFakeLlm();
    const openai = client(llm.url);
    const send = async (text: string) =>
      (await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: user(text) })).choices[0]
        ?.message.content;
    expect(await send('anything')).toBe('OK');
    llm.script((request) => ({ content: `echo: ${lastUserText(request)}` }));
    expect(llm.pending).toBe(1);
    expect(await send('ping')).toBe('echo: ping');
    expect(await send('again')).toBe('OK');

    await using echo = await startFakeLlm({
      defaultReply: (r) => ({ content: lastUserText(r).toUpperCase() }),
    });
    const res = await client(echo.url).chat.completions.create({
      model: 'gpt-4o-mini',
      messages: user('loud'),
    });
    expect(res.choices[0]?.message.content).toBe('LOUD');
  });

  it('counts a client disconnect mid-stream as an abort', async () => {
    await using llm = await startFakeLlm();
    llm.script({ content: 'one two three four five six seven eight', chunkDelayMs: 30 });
    const stream = await client(llm.url).chat.completions.create({
      model: 'gpt-4o-mini',
      messages: user('hi'),
      stream: true,
    });
    let seen = 0;
    for await (const _chunk of stream) {
      if (++seen === 2) break; // breaking out of the SDK stream aborts the HTTP request
    }
    await expect.poll(() => llm.aborted).toBe(1);
    // The server keeps serving after an abort.
    const res = await client(llm.url).chat.completions.create({ model: 'gpt-4o-mini', messages: user('x') });
    expect(res.choices[0]?.message.content).toBe('OK');
  });
});
