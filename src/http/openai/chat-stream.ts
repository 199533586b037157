/**
 * A run streamed as OpenAI `chat.completion.chunk` events (`text/event-stream`): a first chunk
 * with the assistant role, one chunk per text delta of the agent's reply, a last chunk with the
 * `finish_reason`, a usage chunk (`choices: []`) when `stream_options.include_usage` is set, then
 * `data: [DONE]`. A failed run sends `data: {"error": {...}}` (OpenAI SDKs raise it) before
 * `[DONE]`. Tool calls, tool returns and reasoning stay inside the agent: only its reply is text.
 */
import { PassThrough } from 'node:stream';
import type { RunHandle, SendResult } from '../../services/message-service.js';
import { toErrorAnswer } from '../error-handler.js';
import { SSE_DONE, sseData } from '../streaming/sse-stream.js';
import { openaiErrorAnswer } from './openai-errors.js';

export interface ChunkHeader {
  id: string;
  created: number;
  model: string;
}

/** OpenAI's `finish_reason` for one of Letta's stop reasons. */
export function finishReason(stopReason: string): 'stop' | 'length' {
  return stopReason === 'max_steps' || stopReason === 'max_tokens_exceeded' ? 'length' : 'stop';
}

export function chatUsage(r: SendResult) {
  return {
    prompt_tokens: r.usage.prompt_tokens,
    completion_tokens: r.usage.completion_tokens,
    total_tokens: r.usage.total_tokens,
  };
}

export function chatChunkStream(
  handle: RunHandle,
  head: ChunkHeader,
  options: { includeUsage: boolean; keepaliveMs: number },
): PassThrough {
  const out = new PassThrough();
  const write = (text: string) => {
    if (!out.destroyed) out.write(text);
  };
  const chunk = (delta: object, finish: string | null = null) =>
    sseData({
      ...head,
      object: 'chat.completion.chunk',
      system_fingerprint: null,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    });
  let streamed = '';
  write(chunk({ role: 'assistant', content: '' }));
  const keepalive = setInterval(() => write(': keepalive\n\n'), options.keepaliveMs);
  keepalive.unref();
  const unsubscribe = handle.channel.subscribe(0, (item) => {
    if (item.kind !== 'delta' || item.event.message_type !== 'assistant_message') return;
    const text = item.event.content;
    if (typeof text !== 'string' || text === '') return;
    streamed += text;
    write(chunk({ content: text }));
  });
  const stop = () => {
    clearInterval(keepalive);
    unsubscribe();
  };
  handle.done.then(
    (result) => {
      stop();
      // A reply that did not arrive as deltas (or only in part) is sent whole at the end.
      if (result.content.startsWith(streamed) && result.content.length > streamed.length) {
        write(chunk({ content: result.content.slice(streamed.length) }));
      }
      if (result.error) {
        write(sseData(openaiErrorAnswer(toErrorAnswer(result.error)).body));
      } else {
        write(chunk({}, finishReason(result.stopReason)));
        if (options.includeUsage) {
          write(
            sseData({
              ...head,
              object: 'chat.completion.chunk',
              system_fingerprint: null,
              choices: [],
              usage: chatUsage(result),
            }),
          );
        }
      }
      write(SSE_DONE);
      out.end();
    },
    () => {
      stop();
      out.end();
    },
  );
  out.on('close', stop);
  return out;
}
