/**
 * Turns stored in-context messages into what the model is sent, and repairs what a crash can
 * leave behind: an assistant tool call without its tool return (or a return without its call)
 * is dropped from the request, so the model never sees a malformed history.
 */
import type { MessageRecord } from '../store/records.js';
import type { ChatMessage, ToolCall } from './llm/types.js';

export function toChatMessages(records: readonly MessageRecord[]): ChatMessage[] {
  const returned = new Set<string>();
  const called = new Set<string>();
  for (const m of records) {
    if (m.role === 'tool' && m.tool_call_id) returned.add(m.tool_call_id);
    if (m.role === 'assistant') for (const c of m.tool_calls ?? []) called.add(c.id);
  }
  const out: ChatMessage[] = [];
  for (const m of records) {
    switch (m.role) {
      case 'system':
        out.push({ role: 'system', content: m.content ?? '' });
        break;
      case 'user':
        out.push(
          m.name
            ? { role: 'user', content: m.content ?? '', name: m.name }
            : { role: 'user', content: m.content ?? '' },
        );
        break;
      case 'assistant': {
        const calls: ToolCall[] = (m.tool_calls ?? []).filter((c) => returned.has(c.id));
        if (!m.content && calls.length === 0) break;
        out.push({
          role: 'assistant',
          content: m.content,
          ...(calls.length > 0 ? { toolCalls: calls } : {}),
        });
        break;
      }
      case 'tool':
        if (m.tool_call_id && called.has(m.tool_call_id)) {
          out.push({
            role: 'tool',
            toolCallId: m.tool_call_id,
            name: m.name ?? '',
            content: m.content ?? '',
          });
        }
        break;
    }
  }
  return out;
}
