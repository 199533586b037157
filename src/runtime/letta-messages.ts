/**
 * Stored messages seen as Letta's typed messages (`message_type` union). One stored message can
 * become several parts (reasoning, then assistant text or tool calls); all parts share the
 * stored id, and each gets its own `otid`. With Letta's default `use_assistant_message`, a
 * `send_message` call is shown as an `assistant_message` and its tool return is hidden.
 */
import type { MessageRecord } from '../store/records.js';

export type LettaMessage = { id: string; date: string; message_type: string; [key: string]: unknown };

export function toLettaMessages(m: MessageRecord): LettaMessage[] {
  const base = (part: number, type: string) => ({
    id: m.id,
    date: m.created_at,
    message_type: type,
    otid: otidFor(m.id, part),
    name: m.name,
    sender_id: null,
    step_id: m.step_id,
    run_id: m.run_id,
    seq_id: null,
  });
  switch (m.role) {
    case 'system':
      return [{ ...base(0, 'system_message'), content: m.content ?? '' }];
    case 'user': {
      if (m.metadata.kind === 'summary') {
        return [
          {
            ...base(0, 'summary_message'),
            summary: m.content ?? '',
            compaction_stats: m.metadata.stats ?? null,
          },
        ];
      }
      return [{ ...base(0, 'user_message'), content: m.content ?? '' }];
    }
    case 'assistant': {
      const out: LettaMessage[] = [];
      let part = 0;
      if (m.reasoning) {
        out.push({
          ...base(part++, 'reasoning_message'),
          reasoning: m.reasoning,
          source: 'reasoner_model',
          signature: null,
        });
      }
      if (m.content) out.push({ ...base(part++, 'assistant_message'), content: m.content });
      for (const call of m.tool_calls ?? []) {
        if (call.name === 'send_message') {
          out.push({ ...base(part++, 'assistant_message'), content: sendMessageText(call.arguments) });
          continue;
        }
        const toolCall = { name: call.name, arguments: call.arguments, tool_call_id: call.id };
        // Calls waiting for a human's approval are shown as the request for it.
        const type = m.metadata.approval_request === true ? 'approval_request_message' : 'tool_call_message';
        out.push({ ...base(part++, type), tool_call: toolCall, tool_calls: [toolCall] });
      }
      return out;
    }
    case 'tool': {
      if (m.name === 'send_message') return [];
      const ret = {
        tool_call_id: m.tool_call_id ?? '',
        status: m.status ?? 'success',
        tool_return: m.content ?? '',
        stdout: strings(m.metadata.stdout),
        stderr: strings(m.metadata.stderr),
      };
      return [{ ...base(0, 'tool_return_message'), ...ret, tool_returns: [ret] }];
    }
  }
}

/** The text of the reply in a set of typed messages: the assistant messages joined. */
export function replyText(messages: LettaMessage[]): string {
  return messages
    .filter((m) => m.message_type === 'assistant_message')
    .map((m) => String(m.content ?? ''))
    .join('\n');
}

export function sendMessageText(args: string): string {
  try {
    const parsed = JSON.parse(args) as { message?: unknown };
    return typeof parsed.message === 'string' ? parsed.message : args;
  } catch {
    return args;
  }
}

/** A list of strings kept in message metadata (a tool's stdout/stderr), else null. */
function strings(v: unknown): string[] | null {
  return Array.isArray(v) ? v.map(String) : null;
}

/** Letta's otid: the message uuid with its low bits set to the part index. */
function otidFor(id: string, part: number): string {
  const uuid = id.slice(id.indexOf('-') + 1);
  const last = Number.parseInt(uuid.slice(-2), 16);
  return uuid.slice(0, -2) + ((last & 0x80) | part).toString(16).padStart(2, '0');
}
