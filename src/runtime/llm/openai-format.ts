/**
 * Translation between our provider-neutral chat shapes and OpenAI's Chat Completions format,
 * which every OpenAI-compatible server (vLLM, Ollama, LM Studio, llama.cpp, Groq, Together,
 * OpenRouter, DeepSeek, Gemini's compatible endpoint) speaks.
 *
 * Reasoning arrives as `reasoning_content` (DeepSeek, vLLM) or `reasoning` (OpenRouter, Ollama)
 * and maps to our `reasoning`; it is not sent back, since several servers reject it in input.
 */
import { randomUUID } from 'node:crypto';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParamsBase,
  ChatCompletionMessageParam,
  ChatCompletionTool,
  ChatCompletionToolChoiceOption,
} from 'openai/resources/chat/completions';
import type {
  ChatMessage,
  ChatRequest,
  ChatResult,
  ChatStreamEvent,
  ChatUsage,
  FinishReason,
  ToolCall,
  ToolChoice,
  ToolDefinition,
} from './types.js';

/** Request-shaping quirks of one endpoint. */
export interface OpenAIDialect {
  /** Send `max_completion_tokens` (OpenAI proper) instead of the older `max_tokens`. */
  maxCompletionTokens: boolean;
}

type Body = Omit<ChatCompletionCreateParamsBase, 'stream'>;

function toOpenAIMessage(m: ChatMessage): ChatCompletionMessageParam {
  if (m.role === 'system') return { role: 'system', content: m.content };
  if (m.role === 'user') {
    return m.name ? { role: 'user', content: m.content, name: m.name } : { role: 'user', content: m.content };
  }
  if (m.role === 'tool') return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
  const calls = m.toolCalls ?? [];
  if (calls.length === 0) return { role: 'assistant', content: m.content ?? '' };
  return {
    role: 'assistant',
    content: m.content || null,
    tool_calls: calls.map((c) => ({
      id: c.id,
      type: 'function' as const,
      function: { name: c.name, arguments: c.arguments },
    })),
  };
}

/** Converts our messages to Chat Completions messages. */
export function toOpenAIMessages(messages: readonly ChatMessage[]): ChatCompletionMessageParam[] {
  return messages.map(toOpenAIMessage);
}

/** Converts tool definitions to function tools. */
export function toOpenAITools(tools: readonly ToolDefinition[]): ChatCompletionTool[] {
  return tools.map((t) => ({
    type: 'function',
    function: { name: t.name, description: t.description, parameters: t.parameters },
  }));
}

/** Converts a tool choice. */
export function toOpenAIToolChoice(choice: ToolChoice): ChatCompletionToolChoiceOption {
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
}

/** OpenAI reasoning models reject `temperature` other than the default. */
const NO_TEMPERATURE = /^(o\d|gpt-5(?!-chat))/;

/** Builds the request body shared by the streaming and non-streaming calls. */
export function toOpenAIBody(req: ChatRequest, dialect: OpenAIDialect): Body {
  const body: Body = { model: req.model, messages: toOpenAIMessages(req.messages) };
  if (req.tools && req.tools.length > 0) {
    body.tools = toOpenAITools(req.tools);
    if (req.toolChoice) body.tool_choice = toOpenAIToolChoice(req.toolChoice);
  }
  if (req.temperature !== undefined && !(dialect.maxCompletionTokens && NO_TEMPERATURE.test(req.model))) {
    body.temperature = req.temperature;
  }
  if (req.maxTokens !== undefined) {
    if (dialect.maxCompletionTokens) body.max_completion_tokens = req.maxTokens;
    else body.max_tokens = req.maxTokens;
  }
  return body;
}

/** Maps a provider finish reason; a `stop` that carries tool calls is reported as `tool_calls`. */
export function mapFinishReason(reason: string | null | undefined, hasToolCalls: boolean): FinishReason {
  switch (reason) {
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'stop':
      return hasToolCalls ? 'tool_calls' : 'stop';
    case 'length':
      return 'length';
    case 'content_filter':
      return 'content_filter';
    default:
      return hasToolCalls ? 'tool_calls' : 'other';
  }
}

function toUsage(
  u: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number } | null | undefined,
): ChatUsage {
  const promptTokens = u?.prompt_tokens ?? 0;
  const completionTokens = u?.completion_tokens ?? 0;
  return { promptTokens, completionTokens, totalTokens: u?.total_tokens ?? promptTokens + completionTokens };
}

type WithReasoning = { reasoning_content?: unknown; reasoning?: unknown };

function reasoningOf(x: object | null | undefined): string | null {
  const r = x as WithReasoning | null | undefined;
  const v = r?.reasoning_content ?? r?.reasoning;
  return typeof v === 'string' && v !== '' ? v : null;
}

const newCallId = (): string => `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`;

/** Converts a whole completion to our result. */
export function fromOpenAICompletion(completion: ChatCompletion): ChatResult {
  const choice = completion.choices[0];
  const msg = choice?.message;
  const toolCalls: ToolCall[] = [];
  for (const c of msg?.tool_calls ?? []) {
    if (c.type === 'function') {
      toolCalls.push({
        id: c.id || newCallId(),
        name: c.function.name,
        arguments: c.function.arguments || '{}',
      });
    }
  }
  return {
    content: msg?.content || null,
    reasoning: reasoningOf(msg),
    toolCalls,
    finishReason: mapFinishReason(choice?.finish_reason, toolCalls.length > 0),
    usage: toUsage(completion.usage),
  };
}

/**
 * Turns stream chunks into our events as they arrive and assembles the final result.
 *
 * @example
 * const acc = new OpenAIStreamAccumulator();
 * for await (const chunk of stream) for (const ev of acc.push(chunk)) yield ev;
 * yield { type: 'done', result: acc.result() };
 */
export class OpenAIStreamAccumulator {
  #content = '';
  #reasoning = '';
  #calls: ToolCall[] = [];
  #lastIndex = -1;
  #finish: string | null = null;
  #usage: ChatUsage = toUsage(undefined);

  /** True once a choice has reported its finish reason. */
  get finished(): boolean {
    return this.#finish !== null;
  }

  /** Feeds one chunk; returns the events it produced (often one, sometimes none). */
  push(chunk: ChatCompletionChunk): ChatStreamEvent[] {
    const events: ChatStreamEvent[] = [];
    if (chunk.usage) this.#usage = toUsage(chunk.usage);
    const choice = chunk.choices?.[0];
    if (!choice) return events;
    const delta = choice.delta;
    const reasoning = reasoningOf(delta);
    if (reasoning !== null) {
      this.#reasoning += reasoning;
      events.push({ type: 'reasoning', delta: reasoning });
    }
    if (delta?.content) {
      this.#content += delta.content;
      events.push({ type: 'content', delta: delta.content });
    }
    for (const tc of delta?.tool_calls ?? []) events.push(this.#toolDelta(tc));
    if (choice.finish_reason) this.#finish = choice.finish_reason;
    return events;
  }

  #toolDelta(tc: ChatCompletionChunk.Choice.Delta.ToolCall): ChatStreamEvent {
    // Some servers omit `index`; a delta with a fresh id then starts a new call.
    const index =
      typeof tc.index === 'number' ? tc.index : tc.id ? this.#calls.length : Math.max(this.#lastIndex, 0);
    this.#lastIndex = index;
    let call = this.#calls[index];
    if (!call) {
      call = { id: '', name: '', arguments: '' };
      this.#calls[index] = call;
    }
    const ev: ChatStreamEvent & { type: 'tool_call_delta' } = { type: 'tool_call_delta', index };
    if (tc.id) call.id = ev.id = tc.id;
    const name = tc.function?.name;
    if (name) {
      // Some servers repeat the whole name on every delta; only a different piece extends it.
      if (call.name !== name) call.name += name;
      ev.name = name;
    }
    if (tc.function?.arguments) {
      call.arguments += tc.function.arguments;
      ev.argumentsDelta = tc.function.arguments;
    }
    return ev;
  }

  /** The assembled completion. */
  result(): ChatResult {
    const toolCalls = this.#calls
      .filter((c): c is ToolCall => c !== undefined)
      .map((c) => ({ id: c.id || newCallId(), name: c.name, arguments: c.arguments || '{}' }));
    return {
      content: this.#content || null,
      reasoning: this.#reasoning || null,
      toolCalls,
      finishReason: mapFinishReason(this.#finish, toolCalls.length > 0),
      usage: this.#usage,
    };
  }
}
