/**
 * A typed client for the tutorial API (`/agents/…`, and `/v1/runs` for runs), on `fetch` only:
 * Node 20+, browsers, Deno, Bun. Agents are named by name or id.
 *
 * @example
 * import { createClient } from 'letta-ts/client';
 * const client = createClient({ baseUrl: 'http://localhost:8283' });
 * const { content } = await client.sendMessage('sam', 'Hello!');
 * for await (const line of await client.streamMessage('sam', 'Tell me a story')) {
 *   if ('content' in line) process.stdout.write(line.content);
 * }
 */
import { LettaApiError, LettaConnectionError, LettaStreamError } from './errors.js';
import { ndjsonLines } from './ndjson.js';
import type {
  Agent,
  BatchError,
  Conversation,
  CreateAgentInput,
  DeletedAgent,
  Message,
  Passage,
  Run,
  SearchResult,
  SendResponse,
  StreamDone,
  StreamLine,
  UpdateAgentInput,
} from './types.js';

export interface ClientOptions {
  /** Default `http://localhost:8283`; `''` for the page's own origin in a browser. */
  baseUrl?: string;
  /** API key, sent as `Authorization: Bearer <token>` (servers started with `--auth`). */
  token?: string;
  /** Retries of a 429 answer after its `Retry-After` (default 2; a wait over 60 s is not retried). */
  maxRetries?: number;
  /** A `fetch` of your own (default `globalThis.fetch`). */
  fetch?: typeof globalThis.fetch;
}

export interface SendOptions {
  /** A conversation id (`conv-…`) or `default`. */
  conversationId?: string;
  maxSteps?: number;
  signal?: AbortSignal;
}

/** A streamed reply: iterate it for lines as they arrive; `runId` is known at once. */
export interface MessageStream extends AsyncIterable<StreamLine> {
  readonly runId: string | undefined;
  /** The `done` line, once the iteration reached it. */
  readonly done: StreamDone | undefined;
}

type Query = Record<string, string | number | boolean | undefined>;
const seg = (s: string) => encodeURIComponent(s);
const MAX_RETRY_WAIT_S = 60;

/** Creates a client; see {@link ClientOptions}. */
export function createClient(options: ClientOptions = {}): LettaClient {
  return new LettaClient(options);
}

export class LettaClient {
  readonly baseUrl: string;
  private readonly token: string | undefined;
  private readonly maxRetries: number;
  private readonly fetchFn: typeof globalThis.fetch;

  constructor(options: ClientOptions = {}) {
    this.baseUrl = (options.baseUrl ?? 'http://localhost:8283').replace(/\/+$/, '');
    this.token = options.token;
    this.maxRetries = options.maxRetries ?? 2;
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  // ---- agents ------------------------------------------------------------------------------
  listAgents(query: { limit?: number; after?: string } = {}): Promise<Agent[]> {
    return this.json('GET', '/agents', { query });
  }
  getAgent(agent: string): Promise<Agent> {
    return this.json('GET', `/agents/${seg(agent)}`);
  }
  createAgent(input: CreateAgentInput): Promise<Agent> {
    return this.json('POST', '/agents', { body: input });
  }
  updateAgent(agent: string, patch: UpdateAgentInput): Promise<Agent> {
    return this.json('PATCH', `/agents/${seg(agent)}`, { body: patch });
  }
  deleteAgent(agent: string): Promise<DeletedAgent> {
    return this.json('DELETE', `/agents/${seg(agent)}`);
  }

  // ---- messages ----------------------------------------------------------------------------
  /** Sends one user message and waits for the reply (`content`). */
  sendMessage(agent: string, message: string, options: SendOptions = {}): Promise<SendResponse> {
    return this.json('POST', `/agents/${seg(agent)}/messages`, {
      body: sendBody(message, options),
      signal: options.signal,
    });
  }

  /**
   * Sends one user message and streams the reply: `{content}` deltas, typed lines, then the
   * `done` line. Throws {@link LettaStreamError} after the last line when the run failed.
   */
  async streamMessage(agent: string, message: string, options: SendOptions = {}): Promise<MessageStream> {
    const url = `${this.baseUrl}/agents/${seg(agent)}/messages`;
    const res = await this.request('POST', `/agents/${seg(agent)}/messages`, {
      body: { ...sendBody(message, options), stream: true },
      signal: options.signal,
    });
    const runId = res.headers.get('x-run-id') ?? undefined;
    const state: { done: StreamDone | undefined } = { done: undefined };
    async function* lines(): AsyncGenerator<StreamLine> {
      if (!res.body) return;
      let error: BatchError['error'] | undefined;
      try {
        for await (const raw of ndjsonLines(res.body)) {
          const line = raw as Record<string, unknown>;
          if (line.error && typeof line.error === 'object') error = line.error as BatchError['error'];
          if (line.done === true) state.done = line as unknown as StreamDone;
          yield line as StreamLine;
          if (line.done === true) break;
        }
      } catch (err) {
        if (err instanceof SyntaxError) throw err;
        throw new LettaConnectionError(url, { cause: err });
      }
      if (error) throw new LettaStreamError(error.code, error.detail, runId);
    }
    return {
      runId,
      get done() {
        return state.done;
      },
      [Symbol.asyncIterator]: lines,
    };
  }

  /** Starts a message in the background: 202 with its run (poll {@link getRun}). */
  sendMessageAsync(
    agent: string,
    message: string,
    options: SendOptions & { callbackUrl?: string } = {},
  ): Promise<Run> {
    const body = { message, conversation_id: options.conversationId, callback_url: options.callbackUrl };
    return this.json('POST', `/agents/${seg(agent)}/messages/async`, { body });
  }
  /** Cancels the agent's active runs (or only `runIds`): `{run_id: status}`. */
  cancel(agent: string, runIds?: string[]): Promise<Record<string, string>> {
    return this.json('POST', `/agents/${seg(agent)}/messages/cancel`, {
      body: runIds ? { run_ids: runIds } : {},
    });
  }
  /** Sends messages in order: one result per message; a failed one is `{error}`. */
  batch(
    agent: string,
    messages: string[],
    options: Omit<SendOptions, 'signal'> = {},
  ): Promise<Array<SendResponse | BatchError>> {
    const body = { messages, conversation_id: options.conversationId, max_steps: options.maxSteps };
    return this.json('POST', `/agents/${seg(agent)}/batch`, { body });
  }

  // ---- conversations -----------------------------------------------------------------------
  listConversations(agent: string, query: { limit?: number; after?: string } = {}): Promise<Conversation[]> {
    return this.json('GET', `/agents/${seg(agent)}/conversations`, { query });
  }
  createConversation(agent: string, input: { summary?: string | null } = {}): Promise<Conversation> {
    return this.json('POST', `/agents/${seg(agent)}/conversations`, { body: input });
  }
  getConversation(agent: string, conversation = 'default'): Promise<Conversation> {
    return this.json('GET', `/agents/${seg(agent)}/conversations/${seg(conversation)}`);
  }
  listMessages(
    agent: string,
    conversation = 'default',
    query: { limit?: number; after?: string; include_system?: boolean } = {},
  ): Promise<Message[]> {
    return this.json('GET', `/agents/${seg(agent)}/conversations/${seg(conversation)}/messages`, { query });
  }

  // ---- archival memory ---------------------------------------------------------------------
  insertArchival(agent: string, text: string, tags?: string[]): Promise<Passage> {
    return this.json('POST', `/agents/${seg(agent)}/archival`, { body: { text, tags } });
  }
  listArchival(agent: string, query: { limit?: number; after?: string } = {}): Promise<Passage[]> {
    return this.json('GET', `/agents/${seg(agent)}/archival`, { query });
  }
  searchArchival(agent: string, query: string, topK?: number): Promise<SearchResult> {
    return this.json('GET', `/agents/${seg(agent)}/archival/search`, { query: { query, top_k: topK } });
  }

  // ---- runs --------------------------------------------------------------------------------
  getRun(runId: string): Promise<Run> {
    return this.json('GET', `/v1/runs/${seg(runId)}`);
  }
  /** Runs, newest first; `agentId` is an agent id (`agent-…`). */
  listRuns(query: { agentId?: string; limit?: number; active?: boolean } = {}): Promise<Run[]> {
    const { agentId, ...rest } = query;
    return this.json('GET', '/v1/runs/', { query: { agent_id: agentId, ...rest } });
  }

  // ---- transport ---------------------------------------------------------------------------
  private async json<T>(
    method: string,
    path: string,
    init: { query?: Query; body?: unknown; signal?: AbortSignal | undefined } = {},
  ): Promise<T> {
    const res = await this.request(method, path, init);
    return (await res.json()) as T;
  }

  /** Sends the request (retrying 429s) and returns a 2xx response; throws otherwise. */
  private async request(
    method: string,
    path: string,
    init: { query?: Query; body?: unknown; signal?: AbortSignal | undefined },
  ): Promise<Response> {
    const url = this.baseUrl + path + queryString(init.query);
    const headers: Record<string, string> = { accept: 'application/json, application/x-ndjson' };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await this.fetchFn(url, {
          method,
          headers,
          ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
          ...(init.signal ? { signal: init.signal } : {}),
        });
      } catch (err) {
        if ((err as Error).name === 'AbortError') throw err;
        throw new LettaConnectionError(url, { cause: (err as Error).cause ?? err });
      }
      if (res.ok) return res;
      const wait = retryAfterSeconds(res.headers.get('retry-after'));
      if (res.status === 429 && attempt < this.maxRetries && wait <= MAX_RETRY_WAIT_S) {
        await res.body?.cancel();
        await new Promise((r) => setTimeout(r, wait * 1000));
        continue;
      }
      throw await apiError(res, `${method} ${url}`, res.status === 429 ? wait : undefined);
    }
  }
}

function sendBody(message: string, options: SendOptions) {
  return { message, conversation_id: options.conversationId, max_steps: options.maxSteps };
}

function queryString(query: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

function retryAfterSeconds(value: string | null): number {
  if (!value) return 1;
  const n = Number(value);
  if (Number.isFinite(n)) return Math.max(0, n);
  const at = Date.parse(value);
  return Number.isNaN(at) ? 1 : Math.max(0, (at - Date.now()) / 1000);
}

async function apiError(res: Response, request: string, retryAfter?: number): Promise<LettaApiError> {
  let body: { detail?: unknown; code?: unknown } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    // not JSON
  }
  const detail = typeof body.detail === 'string' ? body.detail : `${request} answered ${res.status}`;
  const code = typeof body.code === 'string' ? body.code : `HTTP_${res.status}`;
  return new LettaApiError(res.status, code, detail, request, retryAfter);
}
