/**
 * Assembles an Anthropic Messages API stream into our stream events and final result. Tool call
 * indexes count tool calls (0, 1, …), not Anthropic content blocks; a tool call's arguments are
 * its `input_json_delta` pieces (or its start block's `input` when no pieces arrive).
 */
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { mapStopReason, promptTokensOf, usage } from './anthropic-format.js';
import type { ChatResult, ChatStreamEvent, ToolCall } from './types.js';

/**
 * Turns Messages API stream events into our events and assembles the final result.
 *
 * @example
 * const acc = new AnthropicStreamAccumulator();
 * for await (const ev of stream) for (const out of acc.push(ev)) yield out;
 * if (acc.finished) yield { type: 'done', result: acc.result() };
 */
export class AnthropicStreamAccumulator {
  #text = '';
  #reasoning = '';
  #calls: Array<ToolCall & { initial: string }> = [];
  #toolIndexByBlock = new Map<number, number>();
  #stopReason: string | null = null;
  #prompt = 0;
  #completion = 0;
  /** True once `message_stop` (or a stop reason) has been seen. */
  finished = false;

  /** Feeds one event; returns the events it produced. */
  push(ev: RawMessageStreamEvent): ChatStreamEvent[] {
    switch (ev.type) {
      case 'message_start':
        this.#prompt = promptTokensOf(ev.message.usage);
        this.#completion = ev.message.usage.output_tokens ?? 0;
        return [];
      case 'content_block_start': {
        const b = ev.content_block;
        if (b.type === 'text' && b.text) return [this.#addText(b.text)];
        if (b.type === 'thinking' && b.thinking) return [this.#addReasoning(b.thinking)];
        if (b.type !== 'tool_use') return [];
        const index = this.#calls.length;
        this.#toolIndexByBlock.set(ev.index, index);
        const initial = b.input && Object.keys(b.input).length > 0 ? JSON.stringify(b.input) : '';
        this.#calls.push({ id: b.id, name: b.name, arguments: '', initial });
        return [{ type: 'tool_call_delta', index, id: b.id, name: b.name }];
      }
      case 'content_block_delta': {
        const d = ev.delta;
        if (d.type === 'text_delta') return d.text ? [this.#addText(d.text)] : [];
        if (d.type === 'thinking_delta') return d.thinking ? [this.#addReasoning(d.thinking)] : [];
        if (d.type !== 'input_json_delta' || !d.partial_json) return [];
        const index = this.#toolIndexByBlock.get(ev.index);
        const call = index === undefined ? undefined : this.#calls[index];
        if (index === undefined || !call) return [];
        call.arguments += d.partial_json;
        return [{ type: 'tool_call_delta', index, argumentsDelta: d.partial_json }];
      }
      case 'message_delta':
        if (ev.delta.stop_reason) {
          this.#stopReason = ev.delta.stop_reason;
          this.finished = true;
        }
        this.#prompt = Math.max(this.#prompt, promptTokensOf(ev.usage));
        this.#completion = ev.usage.output_tokens ?? this.#completion;
        return [];
      case 'message_stop':
        this.finished = true;
        return [];
      default:
        return [];
    }
  }

  #addText(delta: string): ChatStreamEvent {
    this.#text += delta;
    return { type: 'content', delta };
  }

  #addReasoning(delta: string): ChatStreamEvent {
    this.#reasoning += delta;
    return { type: 'reasoning', delta };
  }

  /** The assembled completion. */
  result(): ChatResult {
    const toolCalls = this.#calls.map((c) => ({
      id: c.id,
      name: c.name,
      arguments: c.arguments || c.initial || '{}',
    }));
    return {
      content: this.#text || null,
      reasoning: this.#reasoning || null,
      toolCalls,
      finishReason: mapStopReason(this.#stopReason, toolCalls.length > 0),
      usage: usage(this.#prompt, this.#completion),
    };
  }
}
