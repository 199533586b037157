/**
 * `letta dev-model`: a scripted, OpenAI-compatible model for trying the server without a provider
 * key. Point the server at it with `OPENAI_BASE_URL=http://127.0.0.1:<port>/v1`.
 *
 * What it answers (deterministic, no network):
 * - "my name is X" → it calls `memory_insert` to save `Name: X` in the `human` block, then confirms;
 * - anything else → it answers from the `human` block of its system prompt and echoes your text.
 *
 * Routes: `GET /v1/models` (lists {@link DEV_MODELS}; it answers to any model name),
 * `POST /v1/chat/completions` (streamed or not, with tool calls and usage), `POST /v1/embeddings`
 * (a hashed bag of words, so archival search finds passages sharing words).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The model ids `GET /v1/models` lists; `gpt-4o-mini` first, so the README's examples work. */
export const DEV_MODELS = ['gpt-4o-mini', 'dev-model'] as const;

interface ChatMessage {
  role?: string;
  content?: string | Array<{ text?: string }> | null;
}
interface ChatBody {
  model?: string;
  messages?: ChatMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  input?: string | string[];
  dimensions?: number;
}

/** What the dev model says next: text, or one tool call. */
export interface DevReply {
  content?: string;
  toolCall?: { name: string; arguments: Record<string, unknown> };
}

const text = (m: ChatMessage | undefined): string =>
  typeof m?.content === 'string' ? m.content : (m?.content ?? []).map((p) => p.text ?? '').join('');

/**
 * The scripted reply to a chat request.
 *
 * @example
 * devReply([{ role: 'user', content: 'My name is Ada' }]).toolCall?.name; // 'memory_insert'
 */
export function devReply(messages: ChatMessage[]): DevReply {
  const last = messages.at(-1);
  if (last?.role === 'tool') return { content: 'Got it, I saved that to my memory.' };
  const said = text([...messages].reverse().find((m) => m.role === 'user'));
  const name = /my name is (\w+)/i.exec(said)?.[1];
  if (name) {
    return {
      toolCall: { name: 'memory_insert', arguments: { label: 'human', new_string: `Name: ${name}` } },
    };
  }
  const known = /Name: (\w+)/.exec(text(messages[0]))?.[1];
  return {
    content: known ? `You are ${known}. You said: ${said}` : `I don't know your name yet. You said: ${said}`,
  };
}

/** A deterministic embedding: words hashed into `dimension` buckets, normalised. */
export function devEmbedding(input: string, dimension = 32): number[] {
  const v = new Array<number>(dimension).fill(0);
  for (const word of input.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    let h = 0x811c9dc5;
    for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193);
    v[(h >>> 0) % dimension] = (v[(h >>> 0) % dimension] ?? 0) + 1;
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

const tokens = (s: string): number => Math.max(1, Math.ceil(s.length / 4));

function send(res: ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(payload));
}

function chat(res: ServerResponse, body: ChatBody, n: number): void {
  const reply = devReply(body.messages ?? []);
  const base = {
    id: `chatcmpl-dev-${n}`,
    created: Math.floor(Date.now() / 1000),
    model: body.model ?? DEV_MODELS[0],
  };
  const call = reply.toolCall && {
    id: `call_dev_${n}`,
    type: 'function',
    function: { name: reply.toolCall.name, arguments: JSON.stringify(reply.toolCall.arguments) },
  };
  const content = reply.content ?? '';
  const prompt = tokens((body.messages ?? []).map(text).join('\n'));
  const completion = tokens(content + (call?.function.arguments ?? ''));
  const usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  const finish = call ? 'tool_calls' : 'stop';
  if (!body.stream) {
    const message = {
      role: 'assistant',
      content: call ? null : content,
      ...(call ? { tool_calls: [call] } : {}),
    };
    send(res, 200, {
      ...base,
      object: 'chat.completion',
      choices: [{ index: 0, message, finish_reason: finish }],
      usage,
    });
    return;
  }
  const chunk = (delta: object, finish_reason: string | null = null) => ({
    ...base,
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, finish_reason }],
  });
  const chunks: object[] = [chunk({ role: 'assistant', content: '' })];
  for (const word of content.match(/\S+\s*/g) ?? []) chunks.push(chunk({ content: word }));
  if (call) chunks.push(chunk({ tool_calls: [{ index: 0, ...call }] }));
  chunks.push(chunk({}, finish));
  if (body.stream_options?.include_usage)
    chunks.push({ ...base, object: 'chat.completion.chunk', choices: [], usage });
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const c of chunks) res.write(`data: ${JSON.stringify(c)}\n\n`);
  res.end('data: [DONE]\n\n');
}

function embeddings(res: ServerResponse, body: ChatBody): void {
  const inputs = typeof body.input === 'string' ? [body.input] : (body.input ?? []);
  const data = inputs.map((s, index) => ({
    object: 'embedding',
    index,
    embedding: devEmbedding(String(s), body.dimensions),
  }));
  const used = inputs.reduce((sum, s) => sum + tokens(String(s)), 0);
  send(res, 200, {
    object: 'list',
    data,
    model: body.model,
    usage: { prompt_tokens: used, total_tokens: used },
  });
}

/**
 * Starts the dev model on `host:port` (port 0: any free port); resolves once it listens.
 *
 * @example
 * const dev = await startDevModel({ port: 0 });
 * console.log(dev.url); // http://127.0.0.1:<port>/v1
 * await dev.close();
 */
export async function startDevModel(options: { host?: string; port: number }): Promise<{
  url: string;
  server: Server;
  close(): Promise<void>;
}> {
  let n = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const parts: Buffer[] = [];
    req.on('data', (p: Buffer) => parts.push(p));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0];
      let body: ChatBody = {};
      try {
        if (parts.length > 0) body = JSON.parse(Buffer.concat(parts).toString('utf8')) as ChatBody;
      } catch {
        return send(res, 400, {
          error: { message: 'The body is not valid JSON', type: 'invalid_request_error' },
        });
      }
      if (req.method === 'GET' && path === '/v1/models') {
        return send(res, 200, {
          object: 'list',
          data: DEV_MODELS.map((id) => ({ id, object: 'model', owned_by: 'letta-dev' })),
        });
      }
      if (req.method === 'POST' && path === '/v1/chat/completions') return chat(res, body, ++n);
      if (req.method === 'POST' && path === '/v1/embeddings') return embeddings(res, body);
      send(res, 404, {
        error: { message: `Unknown route ${req.method} ${path}`, type: 'invalid_request_error' },
      });
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/v1`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
