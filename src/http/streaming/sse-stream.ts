/**
 * Letta's SSE framing (V1 API): `text/event-stream`, one `data: <json>\n\n` per event. A stream
 * is: an optional initial ping, the run's messages (whole, with `seq_id`; or with `stream_tokens`
 * token deltas sharing their message id), `stop_reason`, `usage_statistics`, `data: [DONE]`.
 * A failed run sends `stop_reason`, then `event: error` with an `error_message`, then `[DONE]`;
 * the HTTP status stays 200. Keepalive pings (data events when pings are on, SSE comments when
 * not) go out every `keepaliveMs`. The run itself never depends on the stream: a client that goes
 * away only ends its subscription.
 */
import { PassThrough } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { newId } from '../../ids.js';
import type { ChannelItem, RunChannel, StreamEvent } from '../../runtime/run-channel.js';
import type { RequestContext } from '../../services/context.js';
import type { RunService } from '../../services/run-service.js';
import type { RunRecord } from '../../store/records.js';
import { setStreamHeaders } from './stream-headers.js';

export const SSE_DONE = 'data: [DONE]\n\n';

export function sseData(obj: unknown): string {
  return `data: ${JSON.stringify(obj)}\n\n`;
}

export interface SseErrorInfo {
  error_type: string;
  message: string;
  detail: string;
}

export function sseError(runId: string, info: SseErrorInfo): string {
  return `event: error\ndata: ${JSON.stringify({ message_type: 'error_message', run_id: runId, ...info })}\n\n`;
}

/** The `error_type` Letta uses for one of our error codes. */
export function errorTypeFor(code: string | undefined): string {
  if (!code) return 'internal_error';
  if (code.startsWith('LLM_')) return code === 'LLM_TIMEOUT' ? 'timeout' : 'llm_error';
  if (code === 'CONTEXT_WINDOW_EXCEEDED') return 'context_window_exceeded';
  return 'internal_error';
}

const COMPLETED_REASONS = new Set([
  'end_turn',
  'max_steps',
  'tool_rule',
  'max_tokens_exceeded',
  'requires_approval',
  'cancelled',
]);
const DELTA_TYPES = new Set(['assistant_message', 'reasoning_message', 'tool_call_message']);

export interface SseOptions {
  runId: string;
  includePings: boolean;
  keepaliveMs: number;
  /** The live subscription gets token deltas: whole messages of those types are not repeated. */
  streamTokens?: boolean;
  /** `include_return_message_types`: only these message types (control events always pass). */
  messageTypes?: readonly string[] | undefined;
}

/** Sets the SSE headers on `reply` (see ./stream-headers.ts) and sends `body`. */
export function sendSse(reply: FastifyReply, body: PassThrough, runId: string): FastifyReply {
  setStreamHeaders(reply, 'text/event-stream; charset=utf-8');
  reply.header('x-run-id', runId);
  return reply.send(body);
}

class SseWriter {
  readonly out = new PassThrough();
  lastSeq = 0;
  failed = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: SseOptions) {
    if (opts.includePings) this.ping();
    this.timer = setInterval(
      () => (opts.includePings ? this.ping() : this.write(': keepalive\n\n')),
      opts.keepaliveMs,
    );
    this.timer.unref();
    this.out.on('close', () => this.stop());
  }

  get closed(): boolean {
    return this.out.destroyed || this.out.writableEnded;
  }

  write(text: string): void {
    if (!this.closed) this.out.write(text);
  }

  ping(): void {
    this.write(
      sseData({
        message_type: 'ping',
        id: newId('ping'),
        date: new Date().toISOString(),
        run_id: this.opts.runId,
        seq_id: this.lastSeq,
      }),
    );
  }

  /** Writes one logged event (whole message or control event); `live` = deltas were sent for it. */
  event(seq: number, e: StreamEvent, live: boolean): void {
    this.lastSeq = Math.max(this.lastSeq, seq);
    const type = e.message_type;
    if (type === 'user_message') return;
    if (type === 'stop_reason') {
      this.failed = !COMPLETED_REASONS.has(String(e.stop_reason));
      this.write(sseData(e));
      return;
    }
    if (type === 'usage_statistics') {
      if (!this.failed) this.write(sseData(e));
      return;
    }
    if (live && this.opts.streamTokens && DELTA_TYPES.has(type)) return;
    if (!this.wanted(type)) return;
    this.write(sseData({ ...e, seq_id: seq }));
  }

  delta(e: StreamEvent): void {
    if (!this.wanted(e.message_type)) return;
    this.write(sseData({ ...e, seq_id: this.lastSeq }));
  }

  finish(error: SseErrorInfo | undefined): void {
    this.stop();
    if (this.failed && error) this.write(sseError(this.opts.runId, error));
    this.write(SSE_DONE);
    if (!this.closed) this.out.end();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private wanted(type: string): boolean {
    const types = this.opts.messageTypes;
    return !types || types.length === 0 || types.includes(type);
  }
}

/**
 * Follows a run this process executes: events after `after` from its channel (live deltas too
 * when `streamTokens`), then the error (from `errorOf`, called once the run ended) and `[DONE]`.
 */
export function liveRunSse(
  channel: RunChannel,
  after: number,
  opts: SseOptions,
  errorOf: () => Promise<SseErrorInfo | undefined>,
): PassThrough {
  const w = new SseWriter(opts);
  const live = after === 0;
  let unsubscribe: (() => void) | undefined;
  let ended = false;
  const onItem = (item: ChannelItem) => {
    if (item.kind === 'event') w.event(item.seq_id, item.event, live);
    else if (item.kind === 'delta') {
      if (opts.streamTokens) w.delta(item.event);
    } else if (!ended) {
      ended = true;
      void errorOf().then(
        (err) => w.finish(err),
        () => w.finish(undefined),
      );
    }
  };
  unsubscribe = channel.subscribe(after, onItem);
  w.out.on('close', () => unsubscribe?.());
  if (ended) unsubscribe = undefined;
  return w.out;
}

/** The error a stored failed run reports (from its metadata). */
export function storedRunError(run: RunRecord): SseErrorInfo | undefined {
  const message =
    typeof run.metadata.error === 'string'
      ? run.metadata.error
      : `run ${run.status} (${run.stop_reason ?? 'error'})`;
  const code = typeof run.metadata.code === 'string' ? run.metadata.code : undefined;
  return { error_type: errorTypeFor(code), message, detail: message };
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/**
 * Replays a run's stored events after `after` (a run another process executes, or one that ended
 * and left this process's memory) and follows it until it is terminal: woken by `wake` (the
 * process running it stored a step: LISTEN/NOTIFY on PostgreSQL) as each step commits, with a
 * poll every `pollMs` as the fallback.
 */
export function storedRunSse(
  runs: Pick<RunService, 'find' | 'listEvents'>,
  ctx: RequestContext,
  runId: string,
  after: number,
  opts: SseOptions,
  wake?: (listener: () => void) => () => void,
  pollMs = wake ? 1_000 : 250,
): PassThrough {
  const w = new SseWriter(opts);
  let poke: (() => void) | undefined;
  const unwake = wake?.(() => poke?.());
  w.out.on('close', () => unwake?.());
  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      poke = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  void (async () => {
    let cursor = after;
    let sawStop = false;
    let graceLeft = 8;
    for (;;) {
      if (w.closed) return;
      const run = await runs.find(ctx, runId);
      const events = await runs.listEvents(ctx, runId, cursor);
      for (const e of events) {
        if ((e.payload as StreamEvent).message_type === 'stop_reason') sawStop = true;
        w.event(e.seq_id, e.payload as StreamEvent, false);
        cursor = Math.max(cursor, e.seq_id);
      }
      // A run is marked terminal just before its last events are stored: give them a moment.
      if (run && TERMINAL.has(run.status) && !sawStop && graceLeft-- > 0) {
        await nap(250);
        continue;
      }
      if (!run || TERMINAL.has(run.status)) {
        // A run that ended without stored events (failed before its first step) still says why.
        if (run && !sawStop && run.stop_reason) {
          w.event(0, { message_type: 'stop_reason', stop_reason: run.stop_reason }, false);
        }
        w.finish(run ? storedRunError(run) : undefined);
        unwake?.();
        return;
      }
      await nap(pollMs);
    }
  })().catch(() => w.finish(undefined));
  return w.out;
}
