// Run details: the run's status, stop reason, timings and usage; each step (one model call) with
// its tokens and time, and the messages it wrote (tool calls with their arguments, tool returns,
// replies); the error when the run failed. From /v1/runs/{id}, /steps and /messages.
import { api, seg } from './api.js';
import { fill, h, when } from './dom.js';
import { messageItem } from './messages.js';
import { reportError } from './status.js';

const fmt = new Intl.NumberFormat('en');

function seconds(from, to) {
  const ms = Date.parse(to) - Date.parse(from);
  if (!Number.isFinite(ms)) return '';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(([, v]) => v !== null && v !== undefined && v !== '').map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

/** The details of one run, as a <section>; loads its steps and messages. */
export async function runDetails(runId, signal) {
  const [run, steps, messages] = await Promise.all([
    api('GET', `/v1/runs/${seg(runId)}`, undefined, signal),
    api('GET', `/v1/runs/${seg(runId)}/steps?limit=1000`, undefined, signal),
    api('GET', `/v1/runs/${seg(runId)}/messages?limit=1000`, undefined, signal),
  ]);
  const u = run.total_usage;
  const error = run.metadata?.error ? String(run.metadata.error) : null;
  const byStep = new Map();
  const input = [];
  for (const m of messages) {
    if (!m.step_id) input.push(m);
    else {
      if (!byStep.has(m.step_id)) byStep.set(m.step_id, []);
      byStep.get(m.step_id).push(m);
    }
  }
  let previous = run.created_at;
  const stepItems = steps.map((s, i) => {
    const took = seconds(previous, s.created_at);
    previous = s.created_at;
    const msgs = byStep.get(s.id) ?? [];
    return h(
      'li',
      { class: 'step', 'data-step': s.id },
      h(
        'div',
        { class: 'step-head' },
        h('strong', {}, `Step ${i + 1}`),
        h('span', { class: 'muted' }, took ? `ended +${took}` : ''),
        h('span', { class: 'step-usage', title: `prompt ${s.prompt_tokens} + completion ${s.completion_tokens}` }, `${fmt.format(s.prompt_tokens)} in · ${fmt.format(s.completion_tokens)} out`),
        s.stop_reason ? h('span', { class: 'badge' }, s.stop_reason) : null,
      ),
      h('p', { class: 'muted small step-model' }, h('code', {}, s.model ?? ''), ' · ', h('code', {}, s.id)),
      msgs.length > 0 ? h('ol', { class: 'messages compact' }, msgs.map(messageItem)) : null,
    );
  });
  return h(
    'section',
    { class: 'run-details', id: 'run-details', 'aria-labelledby': 'run-details-title', 'data-run': run.id },
    h('h3', { id: 'run-details-title', tabindex: -1 }, 'Run ', h('code', {}, run.id)),
    facts([
      ['Status', h('span', { class: `badge ${run.status === 'completed' ? 'ok' : run.status === 'failed' || run.status === 'cancelled' ? 'bad' : 'busy'}` }, run.status)],
      ['Stop reason', run.stop_reason],
      ['Started', when(run.created_at)],
      ['Took', run.completed_at ? seconds(run.created_at, run.completed_at) : 'still running'],
      ['Tokens', `${fmt.format(u.total_tokens)} (${fmt.format(u.prompt_tokens)} prompt + ${fmt.format(u.completion_tokens)} completion)`],
      ['Steps', String(u.step_count)],
      ['Conversation', run.conversation_id ? h('code', {}, run.conversation_id) : null],
    ]),
    error ? h('p', { class: 'run-error', role: 'note' }, h('span', { class: 'badge bad' }, run.metadata.code ?? 'error'), ' ', error) : null,
    input.length > 0 ? [h('h4', {}, 'Input'), h('ol', { class: 'messages compact' }, input.map(messageItem))] : null,
    h('h4', {}, `Steps (${steps.length})`),
    steps.length > 0 ? h('ol', { class: 'steps' }, stepItems) : h('p', { class: 'muted' }, 'No step finished (the model was not called or its call failed).'),
  );
}

/** Shows the details of the run chosen in the runs table in `host`, toggling on a second click. */
export function runDetailsHost() {
  const host = h('div', { class: 'run-details-host' });
  let shown = null;
  let controller = null;
  const show = async (runId, button) => {
    controller?.abort();
    for (const b of document.querySelectorAll('#runs button[aria-expanded="true"]')) b.setAttribute('aria-expanded', 'false');
    if (shown === runId) {
      shown = null;
      fill(host);
      return;
    }
    shown = runId;
    controller = new AbortController();
    button?.setAttribute('aria-expanded', 'true');
    fill(host, h('p', { class: 'muted' }, 'Loading run…'));
    try {
      const section = await runDetails(runId, controller.signal);
      if (shown !== runId) return;
      fill(host, section);
      section.querySelector('h3')?.focus();
    } catch (err) {
      reportError(err);
      fill(host);
      shown = null;
    }
  };
  return { host, show, shown: () => shown };
}
