/**
 * `POST /v1/chat/completions` over agents, driven by the official `openai` SDK against a real
 * server with auth on: `model` names an agent, only the last user message reaches it, plain and
 * streamed answers with usage, conversations by body field or header, OpenAI-shaped errors.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, lastUserText, startFakeLlm } from './support/fake-llm.js';
import { startTestServer, type TestServer } from './support/server.js';

const KEY = 'openai-chat-test-key';

describe('OpenAI chat completions over agents (openai SDK, auth on)', () => {
  let llm: FakeLlm;
  let server: TestServer;
  let openai: OpenAI;
  let agentId: string;

  const letta = async (path: string, body?: object) => {
    const res = await fetch(`${server.baseUrl}${path}`, {
      method: body ? 'POST' : 'GET',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return res.json() as Promise<Record<string, unknown> & Array<Record<string, unknown>>>;
  };

  beforeAll(async () => {
    llm = await startFakeLlm({
      defaultReply: (req) =>
        lastUserText(req) === 'FAIL'
          ? { error: { status: 400, message: 'the model refused' } }
          : { content: `Echo: ${lastUserText(req)}`, chunkDelayMs: 1 },
    });
    server = await startTestServer('sqlite', {
      flags: { auth: true },
      env: {
        LETTA_API_KEY: KEY,
        OPENAI_API_KEY: 'test',
        OPENAI_BASE_URL: llm.url,
        LETTA_LLM_MAX_RETRIES: '0',
      },
    });
    openai = new OpenAI({ baseURL: `${server.baseUrl}/v1`, apiKey: KEY, maxRetries: 0 });
    agentId = String(
      (await letta('/agents', { name: 'sam', persona: 'You are Sam.', model: 'gpt-4o-mini' })).id,
    );
  });
  afterAll(async () => {
    await server?.close();
    await llm?.close();
  });

  it('answers a chat.completion from the agent named by id, sending only the last user message', async () => {
    const completion = await openai.chat.completions.create({
      model: agentId,
      messages: [
        { role: 'system', content: 'ignored: the agent has its own system prompt' },
        { role: 'user', content: 'an old question' },
        { role: 'assistant', content: 'an old answer' },
        { role: 'user', content: 'Hello Sam' },
      ],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.model).toBe(agentId);
    expect(completion.choices).toEqual([
      {
        index: 0,
        message: { role: 'assistant', content: 'Echo: Hello Sam', refusal: null },
        finish_reason: 'stop',
        logprobs: null,
      },
    ]);
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
    expect(completion.usage?.total_tokens).toBe(
      (completion.usage?.prompt_tokens ?? 0) + (completion.usage?.completion_tokens ?? 0),
    );
    // The agent got the one new message; the rest of `messages` was not replayed into its history.
    const sent = llm.chatRequests.at(-1)?.body.messages ?? [];
    expect(sent.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['Hello Sam']);
    const history = await letta('/agents/sam/conversations/default/messages');
    expect(history.filter((m) => m.message_type === 'user_message').map((m) => m.content)).toEqual([
      'Hello Sam',
    ]);
    // It is the same agent, stateful: a second call sees the first exchange.
    await openai.chat.completions.create({
      model: 'agent:sam',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Again' }] }],
    });
    const second = llm.chatRequests.at(-1)?.body.messages ?? [];
    expect(second.filter((m) => m.role === 'user').map((m) => lastText(m.content))).toEqual([
      'Hello Sam',
      'Again',
    ]);
  });

  it('streams chat.completion.chunk events ending [DONE], with usage when asked', async () => {
    const stream = await openai.chat.completions.create({
      model: 'agent:sam',
      messages: [{ role: 'user', content: 'Tell me a long story about streams' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(new Set(chunks.map((c) => c.object))).toEqual(new Set(['chat.completion.chunk']));
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('Echo: Tell me a long story about streams');
    expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBeGreaterThan(3);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    const usage = chunks.at(-1);
    expect(usage?.choices).toEqual([]);
    expect(usage?.usage?.total_tokens).toBeGreaterThan(0);
    expect(llm.chatRequests.at(-1)?.body.stream).toBe(true);

    // Without include_usage there is no usage chunk; the raw stream ends with data: [DONE].
    const raw = await fetch(`${server.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: agentId, messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    expect(raw.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const body = await raw.text();
    expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(body).not.toContain('"usage"');
  });

  it('picks a conversation by the conversation_id field or the X-Letta-Conversation-Id header', async () => {
    const conv = await letta('/agents/sam/conversations', {});
    const convId = String(conv.id);
    await openai.chat.completions.create({
      model: 'agent:sam',
      messages: [{ role: 'user', content: 'into the conversation (body)' }],
      // @ts-expect-error: not an OpenAI field; the SDK sends extra body fields as given
      conversation_id: convId,
    });
    await openai.chat.completions.create(
      { model: 'agent:sam', messages: [{ role: 'user', content: 'into the conversation (header)' }] },
      { headers: { 'X-Letta-Conversation-Id': convId } },
    );
    const stream = await openai.chat.completions.create(
      { model: 'agent:sam', messages: [{ role: 'user', content: 'streamed there' }], stream: true },
      { headers: { 'X-Letta-Conversation-Id': convId } },
    );
    for await (const _ of stream) {
      // drain
    }
    const msgs = await letta(`/agents/sam/conversations/${convId}/messages`);
    expect(msgs.filter((m) => m.message_type === 'user_message').map((m) => m.content)).toEqual([
      'into the conversation (body)',
      'into the conversation (header)',
      'streamed there',
    ]);
  });

  it("answers errors in OpenAI's shape with the right status", async () => {
    const unknown = await openai.chat.completions
      .create({ model: 'agent:nobody', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect((unknown as InstanceType<typeof OpenAI.NotFoundError>).error).toEqual({
      message: "Agent 'nobody' not found",
      type: 'not_found_error',
      param: 'model',
      code: 'model_not_found',
    });
    const notAgent = await openai.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(notAgent).toBeInstanceOf(OpenAI.NotFoundError);
    expect((notAgent as InstanceType<typeof OpenAI.NotFoundError>).message).toMatch(/agent:<name>/);

    const badKey = new OpenAI({ baseURL: `${server.baseUrl}/v1`, apiKey: 'wrong', maxRetries: 0 });
    const unauthorized = await badKey.chat.completions
      .create({ model: agentId, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(unauthorized).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((unauthorized as InstanceType<typeof OpenAI.AuthenticationError>).error).toMatchObject({
      type: 'authentication_error',
      code: 'invalid_api_key',
    });

    const noUser = await openai.chat.completions
      .create({ model: agentId, messages: [{ role: 'system', content: 'only a system message' }] })
      .catch((e: unknown) => e);
    expect(noUser).toBeInstanceOf(OpenAI.BadRequestError);
    expect((noUser as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({
      type: 'invalid_request_error',
      code: 'bad_request',
    });
    const badBody = await openai.chat.completions
      // @ts-expect-error: messages must be an array
      .create({ model: agentId, messages: 'hi' })
      .catch((e: unknown) => e);
    expect(badBody).toBeInstanceOf(OpenAI.BadRequestError);
    expect((badBody as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({
      type: 'invalid_request_error',
      code: 'validation_error',
    });
    const badHeader = await openai.chat.completions
      .create(
        { model: agentId, messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'X-Letta-Conversation-Id': 'conv-nope' } },
      )
      .catch((e: unknown) => e);
    expect(badHeader).toBeInstanceOf(OpenAI.BadRequestError);

    // The model provider fails: 502 server_error, and in a stream an error event the SDK raises.
    const failed = await openai.chat.completions
      .create({ model: agentId, messages: [{ role: 'user', content: 'FAIL' }] })
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(OpenAI.InternalServerError);
    expect((failed as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((failed as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ type: 'server_error' });
    const failing = await openai.chat.completions.create({
      model: agentId,
      messages: [{ role: 'user', content: 'FAIL' }],
      stream: true,
    });
    const streamErr = await (async () => {
      for await (const _ of failing) {
        // drain
      }
    })().catch((e: unknown) => e);
    expect(streamErr).toBeInstanceOf(OpenAI.APIError);
    expect((streamErr as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ type: 'server_error' });

    // Other routes keep Letta's shape.
    const letta404 = await letta('/agents/nobody');
    expect(letta404).toMatchObject({ code: 'AGENT_NOT_FOUND' });
  });

  it("answers 429 in OpenAI's shape when rate limited", async () => {
    await using limited = await startTestServer('sqlite', {
      flags: { auth: true, rateLimit: '1/minute' },
      env: { LETTA_API_KEY: KEY },
    });
    const client = new OpenAI({ baseURL: `${limited.baseUrl}/v1`, apiKey: KEY, maxRetries: 0 });
    const call = () =>
      client.chat.completions
        .create({ model: 'agent:nobody', messages: [{ role: 'user', content: 'hi' }] })
        .catch((e: unknown) => e);
    expect(await call()).toBeInstanceOf(OpenAI.NotFoundError);
    const limitedErr = await call();
    expect(limitedErr).toBeInstanceOf(OpenAI.RateLimitError);
    expect((limitedErr as InstanceType<typeof OpenAI.RateLimitError>).error).toMatchObject({
      type: 'rate_limit_error',
      code: 'rate_limit_exceeded',
    });
    expect(
      (limitedErr as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after'),
    ).toBeTruthy();
  });

  it("GET /v1/models keeps Letta V1's list of provider models; agents are listed by /v1/agents/", async () => {
    const models = await letta('/v1/models/');
    expect(models.map((m) => m.handle)).toContain('openai/gpt-4o-mini');
    const agents = await letta('/v1/agents/');
    expect(agents.map((a) => a.id)).toEqual([agentId]);
  });
});

function lastText(content: unknown): string {
  if (typeof content === 'string') return content;
  return Array.isArray(content) ? content.map((p: { text?: string }) => p.text ?? '').join('') : '';
}
