/**
 * The HTTP transport for chat completions: undici's `request` over a keep-alive pool, instead of
 * the SDK's `fetch`. Measured against the scripted model on loopback (`bench/send-profile.ts` and
 * a side-by-side of the three), a chat call cost ~1.1–1.4 ms of CPU through the SDK, ~0.6 ms
 * through the SDK with this transport as its `fetch`, and ~0.2 ms here: a chat call is the one
 * request a send always makes, so it goes straight to HTTP. Embeddings and model listing stay on
 * the SDK.
 *
 * Behaviour kept from the SDK, so callers and the error mapping see no difference: retries with
 * exponential backoff and jitter on connection errors, 408, 409, 429 and 5xx (honouring
 * `x-should-retry`, `retry-after-ms` and `retry-after`); a per-attempt timeout until the response
 * headers arrive; failures thrown as the SDK's own error classes (`APIError.generate`,
 * `APIConnectionError`, `APIConnectionTimeoutError`, `APIUserAbortError`); an error object inside
 * a stream is thrown as an `APIError`.
 */
import { createParser } from 'eventsource-parser';
import * as OpenAI from 'openai/error';
import type { Agent, Dispatcher } from 'undici';

// undici is loaded with the first model call, not at start (start-up time).
let undiciModule: Promise<typeof import('undici')> | undefined;
const loadUndici = () => {
  undiciModule ??= import('undici');
  return undiciModule;
};

export interface OpenAIHttpOptions {
  baseURL: string;
  apiKey: string | null;
  organization?: string | null | undefined;
  project?: string | null | undefined;
  timeoutMs: number;
  maxRetries: number;
}

const INITIAL_RETRY_DELAY_MS = 500;
const MAX_RETRY_DELAY_MS = 8_000;

export class OpenAIHttp {
  private dispatcher: Agent | undefined;
  private undici: typeof import('undici') | undefined;
  private readonly headers: Record<string, string>;
  private readonly origin: string;
  private readonly basePath: string;

  constructor(private readonly options: OpenAIHttpOptions) {
    const url = new URL(options.baseURL);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.headers = {
      'content-type': 'application/json',
      accept: 'application/json',
      'user-agent': 'letta-ts',
      ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
      ...(options.organization ? { 'openai-organization': options.organization } : {}),
      ...(options.project ? { 'openai-project': options.project } : {}),
    };
  }

  /** POSTs `body` as JSON and returns the parsed JSON answer. */
  async postJson<T>(path: string, body: unknown, signal: AbortSignal): Promise<T> {
    const res = await this.post(path, JSON.stringify(body), signal, false);
    return (await res.body.json()) as T;
  }

  /** POSTs `body` as JSON and yields the parsed `data:` objects of the event stream. */
  async *postStream<T>(path: string, body: unknown, signal: AbortSignal): AsyncGenerator<T> {
    const res = await this.post(path, JSON.stringify(body), signal, true);
    const queue: T[] = [];
    let failure: unknown;
    let done = false;
    const parser = createParser({
      onEvent: (event) => {
        if (done || failure !== undefined) return;
        if (event.data === '[DONE]') {
          done = true;
          return;
        }
        let data: { error?: unknown };
        try {
          data = JSON.parse(event.data) as { error?: unknown };
        } catch {
          failure = new OpenAI.APIError(
            undefined,
            undefined,
            `Could not parse stream chunk: ${event.data}`,
            undefined,
          );
          return;
        }
        if (data && typeof data === 'object' && data.error) {
          failure = new OpenAI.APIError(undefined, data.error as object, undefined, undefined);
          return;
        }
        queue.push(data as T);
      },
    });
    // Decoded as a stream: a network chunk may end inside a multi-byte character.
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        parser.feed(decoder.decode(chunk, { stream: true }));
        while (queue.length > 0) yield queue.shift() as T;
        if (failure !== undefined) throw failure;
        if (done) break;
      }
    } catch (err) {
      throw failure ?? connectionError(err, signal, this.undici);
    } finally {
      if (!res.body.destroyed) res.body.destroy();
    }
  }

  async close(): Promise<void> {
    await this.dispatcher?.close();
  }

  private async post(
    path: string,
    body: string,
    signal: AbortSignal,
    stream: boolean,
  ): Promise<Dispatcher.ResponseData> {
    const headers = stream ? { ...this.headers, accept: 'text/event-stream' } : this.headers;
    this.undici ??= await loadUndici();
    this.dispatcher ??= new this.undici.Agent({ keepAliveTimeout: 30_000, connections: 256 });
    const dispatcher = this.dispatcher;
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) throw new OpenAI.APIUserAbortError();
      let res: Dispatcher.ResponseData;
      try {
        res = await dispatcher.request({
          origin: this.origin,
          path: `${this.basePath}${path}`,
          method: 'POST',
          headers,
          body,
          signal,
          headersTimeout: this.options.timeoutMs,
          // Streams are bounded by the caller's idle timer; whole answers by the request timeout.
          bodyTimeout: stream ? 0 : this.options.timeoutMs,
        });
      } catch (err) {
        const mapped = connectionError(err, signal, this.undici);
        if (mapped instanceof OpenAI.APIUserAbortError || attempt >= this.options.maxRetries) throw mapped;
        await sleep(retryDelay(attempt, undefined), signal);
        continue;
      }
      if (res.statusCode < 400) return res;
      const text = await res.body.text().catch(() => '');
      const headersObj = toHeaders(res.headers);
      if (attempt < this.options.maxRetries && shouldRetry(res.statusCode, headersObj)) {
        await sleep(retryDelay(attempt, headersObj), signal);
        continue;
      }
      const json = safeJson(text);
      throw OpenAI.APIError.generate(res.statusCode, json, json ? undefined : text, headersObj);
    }
  }
}

function connectionError(err: unknown, signal: AbortSignal, undici?: typeof import('undici')): Error {
  if (err instanceof OpenAI.APIError) return err;
  if (signal.aborted || (err as { name?: string })?.name === 'AbortError')
    return new OpenAI.APIUserAbortError();
  if (
    undici &&
    (err instanceof undici.errors.HeadersTimeoutError || err instanceof undici.errors.BodyTimeoutError)
  ) {
    return new OpenAI.APIConnectionTimeoutError();
  }
  return new OpenAI.APIConnectionError({ cause: err instanceof Error ? err : new Error(String(err)) });
}

function shouldRetry(status: number, headers: Headers): boolean {
  const explicit = headers.get('x-should-retry');
  if (explicit === 'true') return true;
  if (explicit === 'false') return false;
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** The SDK's backoff: the server's `retry-after(-ms)` when sane, else 0.5 s · 2^n (≤ 8 s) less up to 25 %. */
function retryDelay(attempt: number, headers: Headers | undefined): number {
  const ms = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0 && ms < 60_000) return ms;
  const after = headers?.get('retry-after');
  if (after) {
    const seconds = Number.parseFloat(after);
    const fromHeader = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(after) - Date.now();
    if (Number.isFinite(fromHeader) && fromHeader >= 0 && fromHeader < 60_000) return fromHeader;
  }
  const delay = Math.min(INITIAL_RETRY_DELAY_MS * 2 ** attempt, MAX_RETRY_DELAY_MS);
  return delay * (1 - Math.random() * 0.25);
}

function toHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(raw))
    if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
  return h;
}

function safeJson(text: string): object | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? v : undefined;
  } catch {
    return undefined;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new OpenAI.APIUserAbortError());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
