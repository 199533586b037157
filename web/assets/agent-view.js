// #/agents/<id>[/c/<conversation>] — one agent: conversations, messages and composer (with a
// Stop button while a reply streams); beside them, tabs for memory blocks (editable), the context
// window, settings and archival memory; recent runs with their details.
import { api, seg, streamNdjson } from './api.js';
import { archivalPanel } from './archival-panel.js';
import { contextPanel } from './context-panel.js';
import { fill, h, when, whenShort } from './dom.js';
import { messageItem } from './messages.js';
import { runDetailsHost } from './run-details.js';
import { searchPanel } from './search-panel.js';
import { settingsPanel } from './settings-panel.js';
import { reportError, status, statusNext } from './status.js';
import { tabs } from './tabs.js';

const agentPath = (id) => `/agents/${seg(id)}`;

/**
 * The conversation nav: each conversation with its summary (or its start date) and when it last
 * had a message; a new conversation takes an optional summary; the selected one's summary can be
 * edited and, unless it is the default one, it can be deleted (archived). `update(conversations)`
 * redraws the list (e.g. "last …" after a send).
 */
function conversationList(agent, selected, onList) {
  const list = h('ul', { class: 'convs', id: 'conversations' });
  const update = (conversations) => {
    onList?.(conversations);
    fill(
      list,
      conversations.map((c) =>
        h(
          'li',
          {},
          h(
            'a',
            { href: `#/agents/${seg(agent.id)}/c/${seg(c.id)}`, 'aria-current': c.id === selected.id ? 'page' : false },
            h('span', { class: 'conv-title' }, c.is_default ? 'Default' : c.summary || `Conversation ${when(c.created_at)}`),
            c.is_default && c.summary ? h('small', { class: 'conv-summary' }, c.summary) : null,
            h('small', {}, c.last_message_at ? `last message ${whenShort(c.last_message_at)}` : 'no messages'),
          ),
        ),
      ),
    );
  };
  const newSummary = h('input', { id: 'new-conv-summary', name: 'summary', maxlength: 200, autocomplete: 'off', placeholder: 'What it is about (optional)' });
  const button = h('button', { type: 'submit', class: 'secondary', id: 'new-conversation' }, 'New conversation');
  const createForm = h(
    'form',
    { class: 'conv-new' },
    h('label', { for: 'new-conv-summary', class: 'sr-only' }, 'Summary of the new conversation'),
    newSummary,
    button,
  );
  createForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    button.disabled = true;
    try {
      const summary = newSummary.value.trim();
      const conv = await api('POST', `${agentPath(agent.id)}/conversations`, summary ? { summary } : {});
      location.hash = `#/agents/${seg(agent.id)}/c/${seg(conv.id)}`;
    } catch (err) {
      reportError(err);
      button.disabled = false;
    }
  });

  // The selected conversation: edit its summary; archive it (not the default one).
  const summaryInput = h('input', { id: 'conv-summary', name: 'summary', maxlength: 200, autocomplete: 'off', value: selected.summary ?? '' });
  const saveSummary = h('button', { type: 'submit', class: 'secondary small' }, 'Save summary');
  const editForm = h(
    'form',
    { class: 'conv-edit', id: 'conversation-summary' },
    h('label', { for: 'conv-summary' }, 'Summary of this conversation'),
    h('div', { class: 'stack' }, summaryInput, saveSummary),
  );
  editForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    saveSummary.disabled = true;
    try {
      const value = summaryInput.value.trim();
      await api('PATCH', `/v1/conversations/${seg(selected.id)}`, { summary: value || null });
      selected.summary = value || null;
      if (!selected.is_default) document.getElementById('chat-title').textContent = value || 'Conversation';
      update(await api('GET', `${agentPath(agent.id)}/conversations?limit=1000`));
      status('Saved the conversation summary.');
    } catch (err) {
      reportError(err);
    } finally {
      saveSummary.disabled = false;
    }
  });
  const archive = selected.is_default ? null : h('button', { type: 'button', class: 'danger secondary small', id: 'delete-conversation' }, 'Delete conversation');
  archive?.addEventListener('click', async () => {
    archive.disabled = true;
    try {
      await api('DELETE', `/v1/conversations/${seg(selected.id)}`);
      statusNext('Deleted the conversation.');
      location.hash = `#/agents/${seg(agent.id)}`;
    } catch (err) {
      reportError(err);
      archive.disabled = false;
    }
  });
  const panel = h(
    'nav',
    { class: 'panel', 'aria-labelledby': 'conv-title' },
    h('h2', { id: 'conv-title' }, 'Conversations'),
    list,
    createForm,
    editForm,
    archive,
  );
  return { panel, update };
}

/** The memory panel; `update(blocks)` refreshes values without clobbering unsaved edits. */
function memoryPanel(agent) {
  const list = h('div', { class: 'blocks', id: 'memory' });
  const forms = new Map();
  const makeBlock = (block) => {
    const id = `block-${block.label}`;
    const area = h('textarea', { id, name: 'value', rows: 4, maxlength: block.limit, readonly: block.read_only, spellcheck: 'false' });
    const count = h('span', { class: 'count', id: `${id}-count` });
    const save = h('button', { type: 'submit', disabled: true }, 'Save');
    const form = h(
      'form',
      { class: 'block', 'data-label': block.label },
      h('div', { class: 'block-head' }, h('label', { for: id }, block.label), count),
      block.description ? h('small', { class: 'muted' }, block.description) : null,
      area,
      block.read_only ? h('small', { class: 'muted' }, 'read-only') : h('div', { class: 'actions' }, save),
    );
    const state = { form, area, count, save, saved: block.value, limit: block.limit };
    const recount = () => {
      count.textContent = `${area.value.length}/${state.limit} chars`;
      count.classList.toggle('over', area.value.length > state.limit);
      save.disabled = area.value === state.saved;
    };
    state.set = (b) => {
      state.saved = b.value;
      state.limit = b.limit;
      area.value = b.value;
      recount();
    };
    area.addEventListener('input', recount);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      save.disabled = true;
      try {
        const updated = await api('PATCH', `/v1/agents/${seg(agent.id)}/core-memory/blocks/${seg(block.label)}`, {
          value: area.value,
        });
        state.set(updated);
        status(`Saved memory block ${block.label}.`);
      } catch (err) {
        reportError(err);
        recount();
      }
    });
    state.set(block);
    forms.set(block.label, state);
    return form;
  };
  const update = (blocks) => {
    for (const block of blocks) {
      const state = forms.get(block.label);
      if (!state) list.appendChild(makeBlock(block));
      else if (state.area.value === state.saved) state.set(block); // unsaved edits are kept
      else state.saved = block.value;
    }
  };
  update(agent.memory.blocks);
  const panel = h('div', {}, h('h2', { id: 'memory-title' }, 'Memory blocks'), list);
  return { panel, update };
}

function runsPanel() {
  const details = runDetailsHost();
  const body = h('tbody');
  const table = h(
    'table',
    { class: 'list runs', id: 'runs' },
    h('caption', { class: 'sr-only' }, 'Recent runs'),
    h(
      'thead',
      {},
      h('tr', {}, ['Started', 'Status', 'Stop reason', 'Tokens', 'Steps'].map((t) => h('th', { scope: 'col' }, t))),
    ),
    body,
  );
  const update = (runs) =>
    fill(
      body,
      runs.length === 0
        ? h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No runs yet.'))
        : runs.map((r) =>
            h(
              'tr',
              { 'data-run': r.id, title: r.id },
              h('td', {}, runButton(r, details)),
              h('td', {}, h('span', { class: `badge ${statusClass(r.status)}` }, r.status)),
              h('td', {}, r.stop_reason ?? ''),
              h('td', { class: 'num', title: `prompt ${r.total_usage.prompt_tokens} + completion ${r.total_usage.completion_tokens}` }, r.total_usage.total_tokens),
              h('td', { class: 'num' }, r.total_usage.step_count),
            ),
          ),
    );
  const panel = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'runs-title' },
    h('h2', { id: 'runs-title' }, 'Recent runs'),
    h('p', { class: 'muted small' }, 'Open a run for its steps, tool calls, usage and timings.'),
    table,
    details.host,
  );
  return { panel, update };
}

/** The run's start time as a button that opens (or closes) its details below the table. */
function runButton(r, details) {
  const button = h(
    'button',
    { type: 'button', class: 'link', 'aria-expanded': details.shown() === r.id ? 'true' : 'false', 'aria-controls': 'run-details', 'aria-label': `Details of the run started ${when(r.created_at)}` },
    h('time', { datetime: r.created_at, title: when(r.created_at) }, whenShort(r.created_at)),
  );
  button.addEventListener('click', () => details.show(r.id, button));
  return button;
}

function statusClass(s) {
  if (s === 'completed') return 'ok';
  if (s === 'failed' || s === 'cancelled') return 'bad';
  return 'busy';
}

export async function agentView(root, { agent: ref, conversation }, signal) {
  const agent = await api('GET', agentPath(ref), undefined, signal);
  const conversations = await api('GET', `${agentPath(agent.id)}/conversations?limit=1000`, undefined, signal);
  const selected = conversations.find((c) => c.id === conversation) ?? conversations.find((c) => c.is_default) ?? conversations[0];
  if (!selected) throw new Error('This agent has no conversation');
  const messagesUrl = `${agentPath(agent.id)}/conversations/${seg(selected.id)}/messages?limit=1000`;
  const runsUrl = `/v1/runs/?agent_id=${seg(agent.id)}&limit=10`;
  const [messages, runs] = await Promise.all([api('GET', messagesUrl, undefined, signal), api('GET', runsUrl, undefined, signal)]);
  if (signal.aborted) return;
  document.title = `${agent.name} · letta-ts console`;

  let knownConversations = conversations;
  const convs = conversationList(agent, selected, (list) => {
    knownConversations = list;
  });
  convs.update(conversations);
  const conversationsUrl = `${agentPath(agent.id)}/conversations?limit=1000`;
  const memory = memoryPanel(agent);
  const runsView = runsPanel();
  runsView.update(runs);
  const context = contextPanel(agent, selected);
  const title = h('h1', {}, agent.name);
  const modelLine = h('code', { id: 'agent-model' }, agent.model ?? '(no model)');
  const settings = settingsPanel(agent, {
    onSaved: (updated) => {
      agent.name = updated.name;
      agent.model = updated.model;
      title.textContent = updated.name;
      modelLine.textContent = updated.model ?? '(no model)';
      document.title = `${updated.name} · letta-ts console`;
      if (sideTabs.current() === 'context') context.load();
    },
  });
  const archival = archivalPanel(agent);
  const search = searchPanel(agent, (id) => {
    const c = knownConversations.find((x) => x.id === id);
    if (!c) return null;
    return c.is_default ? 'Default' : c.summary || `Conversation ${when(c.created_at)}`;
  });
  const sideTabs = tabs('Agent panels', [
    { id: 'memory', label: 'Memory', panel: memory.panel },
    { id: 'context', label: 'Context', panel: context.panel, onShow: context.load },
    { id: 'settings', label: 'Settings', panel: settings.panel, onShow: settings.load },
    { id: 'archival', label: 'Archival', panel: archival.panel, onShow: archival.load },
    { id: 'search', label: 'Search', panel: search.panel },
  ]);
  const list = h('ol', { class: 'messages', id: 'messages', 'aria-label': 'Messages' });
  const showMessages = (items) => {
    fill(list, items.length === 0 ? h('li', { class: 'muted empty' }, 'No messages yet. Say hello below.') : items.map(messageItem));
    list.scrollTop = list.scrollHeight;
  };
  showMessages(messages);

  const input = h('textarea', { id: 'composer-input', name: 'message', rows: 3, required: true, maxlength: 100000, placeholder: 'Message the agent (Enter sends, Shift+Enter for a new line)' });
  const send = h('button', { type: 'submit' }, 'Send');
  // Shown while a reply streams: cancels the run (POST /agents/{agent}/messages/cancel).
  const stop = h('button', { type: 'button', class: 'danger', id: 'stop', hidden: true }, 'Stop');
  let runId = null;
  let stopping = false;
  stop.addEventListener('click', async () => {
    if (!runId) return;
    stop.disabled = true;
    stopping = true;
    status('Stopping…', 'busy');
    try {
      await api('POST', `${agentPath(agent.id)}/messages/cancel`, { run_ids: [runId] });
    } catch (err) {
      // NOTHING_TO_CANCEL: the run ended meanwhile.
      if (err?.code !== 'NOTHING_TO_CANCEL') reportError(err);
    }
  });
  const composer = h(
    'form',
    { class: 'composer', id: 'composer' },
    h('label', { for: 'composer-input', class: 'sr-only' }, 'Message'),
    input,
    send,
    stop,
  );
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });

  const refresh = async () => {
    const [msgs, fresh, latestRuns, latestConvs] = await Promise.all([
      api('GET', messagesUrl),
      api('GET', agentPath(agent.id)),
      api('GET', runsUrl),
      api('GET', conversationsUrl),
    ]);
    showMessages(msgs);
    convs.update(latestConvs);
    memory.update(fresh.memory.blocks);
    runsView.update(latestRuns);
    if (sideTabs.current() === 'context') await context.load();
    if (sideTabs.current() === 'archival') await archival.load();
  };

  composer.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    send.disabled = true;
    runId = null;
    stopping = false;
    input.value = '';
    list.querySelector('.empty')?.remove();
    list.appendChild(messageItem({ message_type: 'user_message', content: text, date: new Date().toISOString() }));
    const live = messageItem({ message_type: 'assistant_message', content: '' });
    live.classList.add('streaming');
    live.id = 'streaming-reply';
    const liveText = live.querySelector('.text');
    list.appendChild(live);
    let reasoning = null;
    let failure = null;
    status('Agent is working…', 'busy');
    try {
      await streamNdjson(
        `${agentPath(agent.id)}/messages`,
        { message: text, conversation_id: selected.id, stream: true },
        (line) => {
          if (typeof line.content === 'string') {
            liveText.textContent += line.content;
          } else if (line.type === 'reasoning_message' && line.seq_id === undefined) {
            if (!reasoning) {
              reasoning = messageItem({ message_type: 'reasoning_message', reasoning: '' });
              list.insertBefore(reasoning, live);
            }
            reasoning.querySelector('.text').textContent += String(line.reasoning ?? '');
          } else if (line.seq_id !== undefined && (line.type === 'tool_call_message' || line.type === 'tool_return_message')) {
            list.insertBefore(messageItem({ ...line, message_type: line.type }), live);
            if (line.type === 'tool_return_message') reasoning = null;
          } else if (line.error) {
            failure = String(line.error.detail ?? line.error.code);
            status(`The run failed: ${failure}`, 'error');
          } else if (line.done) {
            // The error line came first: keep its detail, add the stop reason.
            if (line.stop_reason === 'cancelled' && stopping) status('Stopped: the run was cancelled.');
            else if (failure) status(`The run failed (${line.stop_reason ?? 'error'}): ${failure}`, 'error');
            else if (line.stop_reason && line.stop_reason !== 'end_turn') status(`Stopped: ${line.stop_reason}`, 'error');
            else status('');
          }
          list.scrollTop = list.scrollHeight;
        },
        undefined,
        (res) => {
          runId = res.headers.get('x-run-id');
          if (runId) {
            send.hidden = true;
            stop.hidden = false;
            stop.disabled = false;
          }
          // The new run shows as running at once.
          api('GET', runsUrl).then(runsView.update, () => {});
        },
      );
    } catch (err) {
      status('');
      reportError(err);
      failure = failure ?? 'request failed';
    } finally {
      runId = null;
      stop.hidden = true;
      send.hidden = false;
      send.disabled = false;
      // A failed turn gives the text back, to send again once the problem is fixed.
      if (failure && !input.value) input.value = text;
      input.focus();
    }
    try {
      await refresh();
    } catch (err) {
      reportError(err);
    }
  });

  fill(
    root,
    h(
      'div',
      { class: 'agent-head' },
      h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'Agents'), ' / '),
      title,
      h('p', { class: 'muted' }, modelLine, ' · ', agent.agent_type, ' · ', h('code', {}, agent.id)),
    ),
    h(
      'div',
      { class: 'agent-grid' },
      convs.panel,
      h('section', { class: 'panel chat', 'aria-labelledby': 'chat-title' }, h('h2', { id: 'chat-title' }, selected.is_default ? 'Default conversation' : selected.summary || 'Conversation'), list, composer),
      h('div', { class: 'side' }, h('section', { class: 'panel', 'aria-label': 'Agent panels' }, sideTabs.root), runsView.panel),
    ),
  );
  list.scrollTop = list.scrollHeight;
}
