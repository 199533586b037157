// The context window panel: what the agent's next model call will contain, by part, from
// GET /v1/agents/{id}/context (Letta's ContextWindowOverview): a bar for the whole window and one
// row per part with its tokens and share of the window; each part opens to show its text.
import { api, seg } from './api.js';
import { fill, h } from './dom.js';
import { reportError } from './status.js';

const fmt = new Intl.NumberFormat('en');
const pct = (n, max) => (max > 0 ? `${((100 * n) / max).toFixed(n > 0 && n < max / 1000 ? 2 : 1)}%` : '');

/** The parts in the order the model reads them: [key, label, tokens, details]. */
function parts(o) {
  const tools = o.functions_definitions ?? [];
  return [
    ['system', 'System prompt', o.num_tokens_system, h('pre', { class: 'ctx-text' }, o.system_prompt)],
    ['core', 'Core memory (blocks)', o.num_tokens_core_memory, h('pre', { class: 'ctx-text' }, o.core_memory)],
    ['external', 'Memory metadata', o.num_tokens_external_memory_summary, h('pre', { class: 'ctx-text' }, o.external_memory_summary)],
    ['tools', `Tool definitions (${tools.length})`, o.num_tokens_functions_definitions, h('ul', { class: 'ctx-tools' }, tools.map((t) => h('li', {}, h('code', {}, t.function?.name ?? '?'), ' ', h('span', { class: 'muted' }, t.function?.description ?? ''))))],
    ['summary', 'Summary of earlier messages', o.num_tokens_summary_memory, o.summary_memory ? h('pre', { class: 'ctx-text' }, o.summary_memory) : h('p', { class: 'muted' }, 'No summary yet: nothing has been compacted.')],
    ['messages', `Messages (${Math.max(o.num_messages - 1 - (o.summary_memory ? 1 : 0), 0)})`, o.num_tokens_messages, null],
  ];
}

/** A bar whose width is `share` (0..1) of its track; widths are set through the CSSOM (CSP-safe). */
function bar(key, share) {
  const fillEl = h('span', { class: `ctx-fill part-${key}${share > 0 ? ' nonzero' : ''}` });
  fillEl.style.width = `${Math.min(share * 100, 100)}%`;
  return fillEl;
}

export function contextPanel(agent, conversation) {
  const body = h('div', { class: 'ctx', id: 'context-window', 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Loading…'));
  const refreshButton = h('button', { type: 'button', class: 'secondary small', id: 'context-refresh' }, 'Refresh');
  // Parts the user opened stay open when the panel reloads (after each turn).
  const open = new Set();
  const show = (o) => {
    const max = o.context_window_size_max;
    const used = o.context_window_size_current;
    const list = parts(o);
    const whole = h(
      'div',
      { class: 'ctx-track whole', role: 'img', 'aria-label': `${fmt.format(used)} of ${fmt.format(max)} tokens used; compaction at 90%` },
      list.map(([key, , n]) => bar(key, n / max)),
      h('span', { class: 'ctx-threshold', title: 'Compaction starts at 90% of the window' }),
    );
    fill(
      body,
      h(
        'p',
        { class: 'ctx-total' },
        h('strong', { id: 'context-used' }, fmt.format(used)),
        ` of ${fmt.format(max)} tokens (`,
        h('span', { id: 'context-share' }, pct(used, max)),
        ')',
      ),
      whole,
      h('p', { class: 'muted small' }, 'Compaction summarises the oldest messages when a call would pass 90% of the window.'),
      h(
        'ul',
        { class: 'ctx-parts' },
        list.map(([key, label, n, details]) =>
          h(
            'li',
            { 'data-part': key },
            details ? openable(key, h('summary', {}, partHead(key, label, n, max)), details) : h('div', { class: 'ctx-plain' }, partHead(key, label, n, max)),
          ),
        ),
      ),
      h('p', { class: 'muted small' }, `${fmt.format(o.num_recall_memory)} messages stored in this conversation · ${fmt.format(o.num_archival_memory)} archival memories`),
    );
  };
  const openable = (key, summary, details) => {
    const el = h('details', { open: open.has(key) }, summary, details);
    el.addEventListener('toggle', () => (el.open ? open.add(key) : open.delete(key)));
    return el;
  };
  const load = async () => {
    refreshButton.disabled = true;
    try {
      const query = conversation && !conversation.is_default ? `?conversation_id=${seg(conversation.id)}` : '';
      show(await api('GET', `/v1/agents/${seg(agent.id)}/context${query}`));
    } catch (err) {
      reportError(err);
      fill(body, h('p', { class: 'muted' }, 'Could not load the context window.'));
    } finally {
      refreshButton.disabled = false;
    }
  };
  refreshButton.addEventListener('click', load);
  const panel = h('div', { class: 'ctx-panel' }, h('div', { class: 'panel-head' }, h('h2', { id: 'context-title' }, 'Context window'), refreshButton), body);
  return { panel, load };
}

function partHead(key, label, n, max) {
  return h(
    'span',
    { class: 'ctx-row' },
    h('span', { class: 'ctx-label' }, h('span', { class: `swatch part-${key}`, 'aria-hidden': 'true' }), label),
    h('span', { class: 'ctx-num' }, h('span', { class: 'ctx-tokens' }, `${fmt.format(n)} tok`), ' ', h('span', { class: 'ctx-pct muted' }, pct(n, max))),
    h('span', { class: 'ctx-track', 'aria-hidden': 'true' }, bar(key, n / max)),
  );
}
