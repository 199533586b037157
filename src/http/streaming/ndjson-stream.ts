/**
 * The tutorial's streaming format: one JSON object per line (`application/x-ndjson`), flushed
 * as produced. Assistant text arrives as `{"content": "<delta>"}`; reasoning, tool calls and tool
 * returns are typed lines without a `content` key (so a client printing every `content` prints
 * exactly the reply); keepalive lines during long tool calls; the last line is
 * `{"done": true, "stop_reason", "usage", "run_id", "conversation_id"}`, preceded by
 * `{"error": {"detail", "code"}}` when the run failed. The text of consecutive steps is separated
 * by a newline, as the non-streamed reply's `content` joins them.
 */
import { PassThrough } from 'node:stream';
import type { ChannelItem, StreamEvent } from '../../runtime/run-channel.js';
import type { RunHandle } from '../../services/message-service.js';

export function ndjsonLine(item: ChannelItem): object | null {
  if (item.kind === 'end') return null;
  const e = item.event;
  if (item.kind === 'delta') {
    if (e.message_type === 'assistant_message') return { content: String(e.content ?? '') };
    // A tool call is sent once, whole, when its step ends (not also as argument fragments).
    if (e.message_type === 'tool_call_message') return null;
    return typedLine(e);
  }
  switch (e.message_type) {
    case 'assistant_message':
    case 'user_message':
    case 'stop_reason':
    case 'usage_statistics':
      return null; // the reply was streamed as deltas; the end is the `done` line
    case 'reasoning_message':
      return null; // streamed as deltas
    default:
      return { ...typedLine(e), seq_id: item.seq_id };
  }
}

function typedLine(e: StreamEvent): object {
  const { content: _content, message_type, ...rest } = e;
  return { type: message_type, ...rest };
}

/**
 * A readable NDJSON body following one run. The run continues if the client goes away; only
 * this subscription ends.
 */
export function ndjsonBody(handle: RunHandle, keepaliveMs: number): PassThrough {
  const out = new PassThrough();
  const write = (obj: object) => {
    if (!out.destroyed) out.write(`${JSON.stringify(obj)}\n`);
  };
  const keepalive = setInterval(
    () => write({ type: 'keepalive', date: new Date().toISOString() }),
    keepaliveMs,
  );
  keepalive.unref();
  // The assistant message whose text was written last: a new step's text starts on a new line.
  let lastText: string | undefined;
  const unsubscribe = handle.channel.subscribe(0, (item) => {
    const line = ndjsonLine(item);
    if (line && 'content' in line && line.content !== '' && item.kind === 'delta') {
      const id = String(item.event.id);
      if (lastText !== undefined && id !== lastText)
        (line as { content: string }).content = `\n${line.content}`;
      lastText = id;
    }
    if (line) write(line);
  });
  handle.done.then(
    (result) => {
      clearInterval(keepalive);
      unsubscribe();
      if (result.error) write({ error: { detail: result.error.message, code: result.error.code } });
      write({
        done: true,
        stop_reason: result.stopReason,
        usage: result.usage,
        run_id: result.run.id,
        conversation_id: result.conversationId,
      });
      out.end();
    },
    () => {
      clearInterval(keepalive);
      unsubscribe();
      out.end();
    },
  );
  out.on('close', () => {
    clearInterval(keepalive);
    unsubscribe();
  });
  return out;
}
