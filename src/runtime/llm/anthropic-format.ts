/**
 * Translation between our provider-neutral chat shapes and Anthropic's Messages API.
 *
 * - Leading system messages become the `system` prompt; a later one becomes a user turn.
 * - Assistant tool calls become `tool_use` blocks; tool results become `tool_result` blocks in a
 *   user turn. Consecutive same-role turns are merged, tool results first, as the API requires;
 *   a conversation that opens with an assistant turn gets a placeholder user turn before it.
 * - `thinking` blocks map to `reasoning`. Reasoning is not sent back: replaying it needs the
 *   block's signature, which our message shape does not carry.
 * - `temperature` is not sent: this SDK version's request type no longer has the field.
 */
import type {
  ToolChoice as AnthropicToolChoice,
  ContentBlock,
  ContentBlockParam,
  MessageCreateParamsBase,
  MessageParam,
  StopReason,
  Tool,
} from '@anthropic-ai/sdk/resources/messages';
import type {
  ChatMessage,
  ChatRequest,
  ChatResult,
  ChatUsage,
  FinishReason,
  ToolCall,
  ToolChoice,
} from './types.js';

/** Output budget when the request names none (the API requires one). */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

type Body = Omit<MessageCreateParamsBase, 'stream'>;
type Turn = { role: 'user' | 'assistant'; content: ContentBlockParam[] };

function parseInput(args: string): unknown {
  try {
    const v: unknown = JSON.parse(args || '{}');
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}

function blocksOf(m: Exclude<ChatMessage, { role: 'system' }>): Turn {
  if (m.role === 'tool') {
    const block: ContentBlockParam = { type: 'tool_result', tool_use_id: m.toolCallId };
    if (m.content !== '') block.content = m.content;
    return { role: 'user', content: [block] };
  }
  if (m.role === 'user')
    return { role: 'user', content: m.content ? [{ type: 'text', text: m.content }] : [] };
  const content: ContentBlockParam[] = m.content ? [{ type: 'text', text: m.content }] : [];
  for (const c of m.toolCalls ?? [])
    content.push({ type: 'tool_use', id: c.id, name: c.name, input: parseInput(c.arguments) });
  return { role: 'assistant', content };
}

/** Splits off the system prompt and converts the rest into alternating Anthropic turns. */
export function toAnthropicMessages(messages: readonly ChatMessage[]): {
  system: string;
  messages: MessageParam[];
} {
  const system: string[] = [];
  const turns: Turn[] = [];
  for (const m of messages) {
    if (m.role === 'system' && turns.length === 0) {
      system.push(m.content);
      continue;
    }
    const turn = m.role === 'system' ? blocksOf({ role: 'user', content: m.content }) : blocksOf(m);
    if (turn.content.length === 0) continue;
    const last = turns[turns.length - 1];
    if (last && last.role === turn.role) last.content.push(...turn.content);
    else turns.push(turn);
  }
  for (const t of turns) {
    if (t.role === 'user' && t.content.some((b) => b.type === 'tool_result')) {
      t.content.sort((a, b) => Number(b.type === 'tool_result') - Number(a.type === 'tool_result'));
    }
  }
  // The API wants a user turn first (legacy agents open with an assistant boot message).
  if (turns[0]?.role === 'assistant')
    turns.unshift({ role: 'user', content: [{ type: 'text', text: '(conversation start)' }] });
  return { system: system.join('\n\n'), messages: turns };
}

function toToolChoice(choice: ToolChoice): AnthropicToolChoice {
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'required') return { type: 'any' };
  if (choice === 'none') return { type: 'none' };
  return { type: 'tool', name: choice.name };
}

/** Builds the Messages API body shared by the streaming and non-streaming calls. */
export function toAnthropicBody(req: ChatRequest): Body {
  const { system, messages } = toAnthropicMessages(req.messages);
  const body: Body = {
    model: req.model,
    messages,
    max_tokens: req.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
  };
  if (system) body.system = system;
  if (req.tools && req.tools.length > 0) {
    body.tools = req.tools.map(
      (t): Tool => ({
        name: t.name,
        description: t.description,
        input_schema: { type: 'object', ...t.parameters },
      }),
    );
    if (req.toolChoice) body.tool_choice = toToolChoice(req.toolChoice);
  }
  return body;
}

/** Maps Anthropic's stop reason. */
export function mapStopReason(
  reason: StopReason | string | null | undefined,
  hasToolCalls: boolean,
): FinishReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return hasToolCalls ? 'tool_calls' : 'stop';
    case 'tool_use':
      return 'tool_calls';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'refusal':
      return 'content_filter';
    default:
      return hasToolCalls ? 'tool_calls' : 'other';
  }
}

/** The usage fields we read from Anthropic responses and stream events. */
export type UsageLike = {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
};

/** Prompt tokens include cached ones: the context window counts them all. */
export function promptTokensOf(u: UsageLike): number {
  return (u.input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
}

/** Builds our usage record. */
export function usage(promptTokens: number, completionTokens: number): ChatUsage {
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
}

/** Converts a whole Messages API response to our result. */
export function fromAnthropicMessage(msg: {
  content: ContentBlock[];
  stop_reason: StopReason | null;
  usage: UsageLike;
}): ChatResult {
  let text = '';
  let reasoning = '';
  const toolCalls: ToolCall[] = [];
  for (const block of msg.content) {
    if (block.type === 'text') text += block.text;
    else if (block.type === 'thinking') reasoning += block.thinking;
    else if (block.type === 'tool_use')
      toolCalls.push({ id: block.id, name: block.name, arguments: JSON.stringify(block.input ?? {}) });
  }
  return {
    content: text || null,
    reasoning: reasoning || null,
    toolCalls,
    finishReason: mapStopReason(msg.stop_reason, toolCalls.length > 0),
    usage: usage(promptTokensOf(msg.usage), msg.usage.output_tokens ?? 0),
  };
}
