// Letta typed messages (`message_type`) as list items, text only.
import { h, when } from './dom.js';

const KINDS = {
  user_message: 'You',
  assistant_message: 'Agent',
  reasoning_message: 'Reasoning',
  tool_call_message: 'Tool call',
  tool_return_message: 'Tool return',
  summary_message: 'Summary',
  system_message: 'System',
};

function pretty(text) {
  if (typeof text !== 'string') return JSON.stringify(text, null, 2);
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function body(m) {
  switch (m.message_type) {
    case 'user_message':
    case 'assistant_message':
    case 'system_message':
      return h('div', { class: 'text' }, String(m.content ?? ''));
    case 'reasoning_message':
      return h('div', { class: 'text' }, String(m.reasoning ?? ''));
    case 'summary_message':
      return h('div', { class: 'text' }, String(m.summary ?? ''));
    case 'tool_call_message': {
      const call = m.tool_call ?? {};
      return [
        h('code', { class: 'tool-name' }, String(call.name ?? '?')),
        h('pre', { class: 'args' }, pretty(call.arguments ?? '')),
      ];
    }
    case 'tool_return_message':
      return [
        h('span', { class: `badge ${m.status === 'error' ? 'bad' : 'ok'}` }, String(m.status ?? '')),
        h('pre', { class: 'args' }, pretty(m.tool_return ?? '')),
      ];
    default:
      return h('pre', { class: 'args' }, JSON.stringify(m, null, 2));
  }
}

/** The mark of a user message whose turn failed or was cancelled (`run_error`), or null. */
function runError(m) {
  const e = m.run_error;
  if (!e || typeof e !== 'object') return null;
  const label = e.status === 'cancelled' ? 'cancelled' : `failed: ${e.stop_reason ?? 'error'}`;
  return h(
    'p',
    { class: 'run-error' },
    h('span', { class: 'badge bad' }, label),
    e.detail ? ` ${String(e.detail)}` : ' (no reply)',
  );
}

/** One message as an `<li>`; `type` picks the style (`msg user_message`, …). */
export function messageItem(m) {
  const type = String(m.message_type ?? 'unknown');
  const failed = runError(m);
  return h(
    'li',
    { class: `msg ${type}${failed ? ' failed' : ''}`, 'data-type': type },
    h(
      'div',
      { class: 'meta' },
      h('span', { class: 'kind' }, KINDS[type] ?? type),
      m.date ? h('time', { datetime: m.date }, when(m.date)) : null,
    ),
    body(m),
    failed,
  );
}
