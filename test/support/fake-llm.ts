/**
 * A scripted, OpenAI-compatible HTTP server for tests: the one fake in the suite.
 *
 * It speaks real HTTP on 127.0.0.1 (random port), so the production code under test talks to it
 * through its ordinary HTTP client (the `openai` SDK, undici, ...) exactly as it would to OpenAI.
 *
 * Endpoints:
 * - `POST /v1/chat/completions`: answers with the next scripted reply (FIFO), or the default reply
 *   when the queue is empty. Supports `stream: true` (OpenAI's SSE chunk format, ending in
 *   `data: [DONE]`, with a usage chunk when `stream_options.include_usage` is set).
 * - `POST /v1/embeddings`: deterministic hashed bag-of-words vectors (similar texts are close),
 *   as float arrays or base64 (the SDK's default `encoding_format`).
 * - `GET /v1/models`: lists the configured model ids.
 *
 * Every request is recorded in `llm.requests`. Usage:
 *
 * ```ts
 * await using llm = await startFakeLlm();
 * llm.script([{ toolCalls: [{ name: 'send_message', arguments: { message: 'hi' } }] }, { content: 'done' }]);
 * const client = new OpenAI({ baseURL: llm.url, apiKey: 'test', maxRetries: 0 });
 * ```
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A tool call the fake model makes. */
export interface FakeToolCall {
  name: string;
  /** An object is JSON.stringified; a string is sent raw (so tests can send malformed JSON). */
  arguments: object | string;
  /** Defaults to a generated `call_fake_<n>`. */
  id?: string;
}

/**
 * One scripted answer to a chat completion request. All fields are optional:
 * `{ content }` is plain text, `{ toolCalls }` makes tool calls (optionally with `content`),
 * `{ error }` answers with an HTTP error instead.
 */
export interface FakeReply {
  /** Assistant text. Defaults to '' (or null on the message when there are tool calls). */
  content?: string;
  toolCalls?: FakeToolCall[];
  /** Answer with this HTTP status and OpenAI's error JSON body instead of a completion. */
  error?: { status: number; message?: string; type?: string; code?: string | null };
  /** Sent as `reasoning_content` on the message / delta, as DeepSeek and vLLM do. */
  reasoning?: string;
  /** Wait this long before answering (before the status line is sent). */
  delayMs?: number;
  /** Streams only: wait this long before each chunk after the first. */
  chunkDelayMs?: number;
  /**
   * Streams only: awaited before chunk `index` is written (after `chunkDelayMs`); chunk 0 is the
   * role, then reasoning pieces, content pieces (one per word), tool calls, the finish.
   */
  beforeChunk?: (index: number) => Promise<void>;
  /** Overrides the finish reason (default: 'tool_calls' with tool calls, else 'stop'). */
  finishReason?: 'stop' | 'length' | 'tool_calls' | 'content_filter';
  /** Overrides the computed token counts. */
  usage?: { prompt_tokens?: number; completion_tokens?: number };
}

/** A dynamic reply, computed from the request (e.g. echo the last user message). */
export type FakeReplyFn = (request: RecordedRequest) => FakeReply | Promise<FakeReply>;

/** A chat message as received (loosely typed: the fake does not validate requests). */
export interface FakeMessage {
  role: string;
  content?: string | Array<{ type: string; text?: string }> | null;
  tool_calls?: Array<{ id: string; type: string; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
  [key: string]: unknown;
}

/** A parsed request body (loosely typed: chat completion and embedding fields). */
export interface FakeRequestBody {
  model?: string;
  messages?: FakeMessage[];
  tools?: Array<{ type: string; function: { name: string; [key: string]: unknown } }>;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  input?: string | string[];
  encoding_format?: 'float' | 'base64';
  dimensions?: number;
  [key: string]: unknown;
}

/** A request the fake received. `body` is `{}` for GET requests. */
export interface RecordedRequest {
  method: string;
  /** The URL path without query string, e.g. `/v1/chat/completions`. */
  path: string;
  headers: IncomingHttpHeaders;
  body: FakeRequestBody;
}

export interface FakeLlmOptions {
  /** Answers chat completions when the script queue is empty. Default `{ content: 'OK' }`. */
  defaultReply?: FakeReply | FakeReplyFn;
  /** Model ids listed by `GET /v1/models`. Default `['gpt-4o-mini']`. */
  models?: string[];
  /** Embedding vector length (a request's `dimensions` overrides it). Default 32. */
  embeddingDimension?: number;
  /** When set, requests without `Authorization: Bearer <apiKey>` get a 401. */
  apiKey?: string;
  /** Keep every request in `requests` (default true; benchmarks turn it off to hold memory flat). */
  record?: boolean;
  /** Listen on this port (default: a random free port). */
  port?: number;
}

/** A running fake. Close it with `close()` or `await using`. */
export interface FakeLlm extends AsyncDisposable {
  /** Base URL ending in `/v1`, for the OpenAI SDK's `baseURL`. */
  readonly url: string;
  /** Every received request, in arrival order (all paths, including rejected ones). */
  readonly requests: RecordedRequest[];
  /** Only the `POST /v1/chat/completions` requests. */
  readonly chatRequests: RecordedRequest[];
  /** How many responses were cut short by the client disconnecting. */
  readonly aborted: number;
  /** How many scripted replies are still queued. */
  readonly pending: number;
  /** Queues one reply or several (FIFO) for upcoming chat completion requests. */
  script(reply: FakeReply | FakeReplyFn | Array<FakeReply | FakeReplyFn>): void;
  /**
   * Resolves once at least `n` requests (optionally only those on `path`) have been received;
   * rejects after `timeoutMs` (default 5000).
   */
  waitForRequests(n: number, timeoutMs?: number, path?: string): Promise<RecordedRequest[]>;
  /** Stops the server, dropping open connections. Idempotent. */
  close(): Promise<void>;
}

/** The text of the last `user` message of a request ('' if none): handy for echo replies. */
export function lastUserText(request: RecordedRequest): string {
  const user = (request.body.messages ?? []).filter((m) => m.role === 'user').at(-1);
  return user ? messageText(user) : '';
}

/** Deterministic embedding: hashed bag of words, L2-normalised. Exported for tests that compare. */
export function fakeEmbedding(text: string, dimension = 32): number[] {
  const vector = new Array<number>(dimension).fill(0);
  for (const token of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    for (let seed = 0; seed < 3; seed++) {
      const hash = fnv1a(`${seed}:${token}`);
      const index = hash % dimension;
      vector[index] = (vector[index] ?? 0) + (hash & 0x80000000 ? -1 : 1);
    }
  }
  const norm = Math.hypot(...vector);
  if (norm === 0) {
    vector[0] = 1; // empty text: a unit vector rather than a zero vector (cosine stays defined)
    return vector;
  }
  return vector.map((x) => x / norm);
}

/** Rough deterministic token count: one token per 4 characters, at least 1 for non-empty text. */
export function fakeTokenCount(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Starts a fake on 127.0.0.1 with a random port. */
export async function startFakeLlm(options: FakeLlmOptions = {}): Promise<FakeLlm> {
  const models = options.models ?? ['gpt-4o-mini'];
  const defaultReply = options.defaultReply ?? { content: 'OK' };
  const queue: Array<FakeReply | FakeReplyFn> = [];
  const requests: RecordedRequest[] = [];
  const waiters = new Set<() => void>();
  let aborted = 0;
  let counter = 0;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const raw = await readBody(req);
    let body: FakeRequestBody = {};
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw) as FakeRequestBody;
      } catch {
        return sendError(res, 400, 'We could not parse the JSON body of your request.');
      }
    }
    const request: RecordedRequest = { method: req.method ?? 'GET', path, headers: req.headers, body };
    if (options.record !== false) requests.push(request);
    for (const wake of waiters) wake();

    if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      return sendError(res, 401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
    }
    if (req.method === 'GET' && path === '/v1/models') {
      const data = models.map((id) => ({ id, object: 'model', created: 1700000000, owned_by: 'fake-llm' }));
      return sendJson(res, 200, { object: 'list', data });
    }
    if (req.method === 'POST' && path === '/v1/embeddings') return embeddings(res, body);
    if (req.method === 'POST' && path === '/v1/chat/completions') {
      const next = queue.shift() ?? defaultReply;
      const reply = typeof next === 'function' ? await next(request) : next;
      return chatCompletion(res, request, reply);
    }
    return sendError(res, 404, `Unknown request URL: ${req.method} ${path}.`);
  }

  function embeddings(res: ServerResponse, body: FakeRequestBody): void {
    const inputs = typeof body.input === 'string' ? [body.input] : (body.input ?? []);
    const dimension = body.dimensions ?? options.embeddingDimension ?? 32;
    const data = inputs.map((text, index) => {
      const vector = fakeEmbedding(String(text), dimension);
      const embedding =
        body.encoding_format === 'base64'
          ? Buffer.from(new Float32Array(vector).buffer).toString('base64')
          : vector;
      return { object: 'embedding', index, embedding };
    });
    const tokens = inputs.reduce((sum, text) => sum + fakeTokenCount(String(text)), 0);
    sendJson(res, 200, {
      object: 'list',
      data,
      model: body.model ?? 'text-embedding-3-small',
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  }

  async function chatCompletion(
    res: ServerResponse,
    request: RecordedRequest,
    reply: FakeReply,
  ): Promise<void> {
    // A disconnect before the response has fully gone out counts as an abort.
    let closed = false;
    res.on('close', () => {
      closed = true;
      if (!res.writableFinished) aborted++;
    });
    if (reply.delayMs) await sleep(reply.delayMs);
    if (closed) return;
    if (reply.error) {
      const { status, message, type, code } = reply.error;
      return sendError(res, status, message ?? `Scripted error ${status}`, type, code);
    }

    const body = request.body;
    const id = `chatcmpl-fake-${++counter}`;
    const created = Math.floor(Date.now() / 1000);
    const model = body.model ?? models[0] ?? 'gpt-4o-mini';
    const toolCalls = (reply.toolCalls ?? []).map((call) => ({
      id: call.id ?? `call_fake_${++counter}`,
      type: 'function' as const,
      function: {
        name: call.name,
        arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
      },
    }));
    const content = reply.content ?? '';
    const finishReason = reply.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop');
    const promptTokens =
      reply.usage?.prompt_tokens ??
      Math.max(1, fakeTokenCount((body.messages ?? []).map(messageText).join('\n')));
    const completionTokens =
      reply.usage?.completion_tokens ??
      Math.max(
        1,
        fakeTokenCount(
          content +
            (reply.reasoning ?? '') +
            toolCalls.map((c) => c.function.name + c.function.arguments).join(''),
        ),
      );
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    };
    const base = { id, created, model, system_fingerprint: 'fp_fake' };

    if (!body.stream) {
      const message = {
        role: 'assistant',
        content: toolCalls.length > 0 && content === '' ? null : content,
        refusal: null,
        ...(reply.reasoning !== undefined ? { reasoning_content: reply.reasoning } : {}),
        ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
      };
      const choice = { index: 0, message, logprobs: null, finish_reason: finishReason };
      return sendJson(res, 200, { ...base, object: 'chat.completion', choices: [choice], usage });
    }

    // Streaming: build every delta first, then write them with optional pacing.
    const includeUsage = body.stream_options?.include_usage === true;
    const chunk = (delta: object, finish: string | null = null) => ({
      ...base,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(includeUsage ? { usage: null } : {}),
    });
    const chunks: object[] = [chunk({ role: 'assistant', content: '', refusal: null })];
    for (const piece of splitWords(reply.reasoning ?? '')) chunks.push(chunk({ reasoning_content: piece }));
    for (const piece of splitWords(content)) chunks.push(chunk({ content: piece }));
    toolCalls.forEach((call, index) => {
      const head = {
        index,
        id: call.id,
        type: 'function',
        function: { name: call.function.name, arguments: '' },
      };
      chunks.push(chunk({ tool_calls: [head] }));
      for (const fragment of splitFixed(call.function.arguments, 8)) {
        chunks.push(chunk({ tool_calls: [{ index, function: { arguments: fragment } }] }));
      }
    });
    chunks.push(chunk({}, finishReason));
    if (includeUsage) chunks.push({ ...base, object: 'chat.completion.chunk', choices: [], usage });

    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    for (const [i, data] of chunks.entries()) {
      if (i > 0 && reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
      if (reply.beforeChunk) await reply.beforeChunk(i);
      if (closed) return; // the client went away: stop writing
      res.write(`data: ${JSON.stringify(data)}\n\n`);
    }
    res.end('data: [DONE]\n\n');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, `Fake LLM failure: ${String(error)}`, 'server_error');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    get chatRequests() {
      return requests.filter((r) => r.method === 'POST' && r.path === '/v1/chat/completions');
    },
    get aborted() {
      return aborted;
    },
    get pending() {
      return queue.length;
    },
    script(reply) {
      queue.push(...(Array.isArray(reply) ? reply : [reply]));
    },
    waitForRequests(n, timeoutMs = 5000, path) {
      const matching = () => (path === undefined ? requests : requests.filter((r) => r.path === path));
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = matching();
          if (found.length < n) return;
          cleanup();
          resolve(found);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(`fake LLM: expected ${n} requests within ${timeoutMs}ms, got ${matching().length}`),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

function messageText(message: FakeMessage): string {
  const content =
    typeof message.content === 'string'
      ? message.content
      : (message.content ?? []).map((part) => part.text ?? '').join('');
  const calls = (message.tool_calls ?? []).map((c) => c.function.name + c.function.arguments).join('');
  return content + calls;
}

/** Splits text into word-sized pieces (each word with its trailing whitespace); joined, they equal the text. */
function splitWords(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

function splitFixed(text: string, size: number): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(payload));
}

/** OpenAI's error body: `{ error: { message, type, param, code } }`. */
function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  type?: string,
  code?: string | null,
): void {
  const errorType = type ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
  sendJson(res, status, { error: { message, type: errorType, param: null, code: code ?? null } });
}
