/**
 * Messages between the agent-file form (Letta's `Message`: role, content parts, OpenAI-format
 * `tool_calls`, `tool_returns`) and stored messages. One file message can become several stored
 * ones (a tool message with several `tool_returns` is one stored tool message per return); system
 * messages are not imported (the importer compiles a fresh one from the system prompt and blocks).
 *
 * @example
 * const records = fileMessageToRecords(m, target, 'agents[0].messages[3]', warnings);
 * const back = recordToFileMessage(records[0], 'agent-0', 'message-3');
 */
import { newId } from '../../ids.js';
import type { ToolCall } from '../../runtime/llm/types.js';
import { countTokens } from '../../runtime/tokens.js';
import type { JsonObject, MessageRecord, NewMessage } from '../../store/records.js';
import type { AgentFileMessage, ContentPart } from './format.js';

export interface MessageTarget {
  org: string;
  agentId: string;
  conversationId: string;
}

/** Stored messages for one file message (none for a system message or a dropped one). */
export function fileMessageToRecords(
  m: AgentFileMessage,
  target: MessageTarget,
  path: string,
  warnings: string[],
): NewMessage[] {
  const base = (fields: Partial<NewMessage>): NewMessage => {
    const record: NewMessage = {
      id: newId('message'),
      organization_id: target.org,
      agent_id: target.agentId,
      conversation_id: target.conversationId,
      role: 'user',
      content: null,
      reasoning: null,
      tool_calls: null,
      tool_call_id: null,
      name: m.name,
      status: null,
      run_id: null,
      step_id: null,
      otid: m.otid,
      tokens: 0,
      metadata: {},
      created_at: m.created_at,
      ...fields,
    };
    record.tokens = countTokens(
      (record.content ?? '') +
        (record.reasoning ?? '') +
        (record.tool_calls ? JSON.stringify(record.tool_calls) : ''),
    );
    return record;
  };
  const { text, reasoning } = readContent(m.content, `${path}.content`, warnings);
  switch (m.role) {
    case 'system':
      return [];
    case 'user':
      // A message whose every part was dropped (e.g. only an image) goes with them.
      if (text === '' && Array.isArray(m.content) && m.content.length > 0) return [];
      return [base({ role: 'user', content: unpackUserText(text) })];
    case 'summary':
      return [base({ role: 'user', content: text, metadata: { kind: 'summary' } })];
    case 'assistant': {
      const toolCalls: ToolCall[] = (m.tool_calls ?? []).map((c) => ({
        id: c.id,
        name: c.function.name,
        arguments: c.function.arguments,
      }));
      return [
        base({
          role: 'assistant',
          content: text === '' ? null : text,
          reasoning: reasoning === '' ? null : reasoning,
          tool_calls: toolCalls.length > 0 ? toolCalls : null,
        }),
      ];
    }
    case 'tool':
    case 'function': {
      const returns = m.tool_returns ?? [];
      if (returns.length === 0) {
        return [base({ role: 'tool', content: text, tool_call_id: m.tool_call_id, status: 'success' })];
      }
      return returns.map((r) =>
        base({
          role: 'tool',
          content: r.func_response ?? text,
          tool_call_id: r.tool_call_id ?? m.tool_call_id,
          status: r.status,
        }),
      );
    }
    default:
      warnings.push(`${path}.role: '${m.role}' messages are not supported by this server, dropped`);
      return [];
  }
}

function readContent(
  content: AgentFileMessage['content'],
  path: string,
  warnings: string[],
): { text: string; reasoning: string } {
  if (typeof content === 'string') return { text: content, reasoning: '' };
  const text: string[] = [];
  const reasoning: string[] = [];
  content.forEach((part: ContentPart, i) => {
    if (part.type === 'text' && typeof part.text === 'string') text.push(part.text);
    else if (part.type === 'reasoning' && typeof part.reasoning === 'string') reasoning.push(part.reasoning);
    else warnings.push(`${path}[${i}]: content of type '${String(part.type)}' is not supported, dropped`);
  });
  return { text: text.join('\n'), reasoning: reasoning.join('\n') };
}

/** Older Letta files pack user input as `{"type": "user_message", "message": "…", "time": …}`. */
function unpackUserText(text: string): string {
  if (!text.startsWith('{')) return text;
  try {
    const packed = JSON.parse(text) as { type?: unknown; message?: unknown };
    return packed.type === 'user_message' && typeof packed.message === 'string' ? packed.message : text;
  } catch {
    return text;
  }
}

/** A stored message in the agent-file form, with file-local ids. */
export function recordToFileMessage(r: MessageRecord, fileAgentId: string, fileId: string): JsonObject {
  const summary = r.role === 'user' && r.metadata.kind === 'summary';
  const content: JsonObject[] = [];
  if (r.reasoning)
    content.push({ type: 'reasoning', is_native: true, reasoning: r.reasoning, signature: null });
  if (r.content !== null) content.push({ type: 'text', text: r.content });
  const toolReturn =
    r.role === 'tool'
      ? [
          {
            tool_call_id: r.tool_call_id,
            status: r.status ?? 'success',
            func_response: r.content,
            stdout: null,
            stderr: null,
          },
        ]
      : [];
  return {
    type: 'message',
    role: summary ? 'summary' : r.role,
    content,
    name: r.name,
    otid: r.otid,
    sender_id: null,
    batch_item_id: null,
    group_id: null,
    id: fileId,
    model: null,
    agent_id: fileAgentId,
    tool_calls: r.tool_calls
      ? r.tool_calls.map((c) => ({
          id: c.id,
          type: 'function',
          function: { name: c.name, arguments: c.arguments },
        }))
      : null,
    tool_call_id: r.tool_call_id,
    tool_returns: toolReturn,
    created_at: r.created_at,
    approve: null,
    approval_request_id: null,
    denial_reason: null,
    approvals: [],
  };
}
