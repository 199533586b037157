// #/agents/<id>[/c/<conversation>] — one agent: conversations, messages and composer, memory
// blocks (editable), recent runs.
import { api, seg, streamNdjson } from './api.js';
import { fill, h, when, whenShort } from './dom.js';
import { messageItem } from './messages.js';
import { reportError, status } from './status.js';

const agentPath = (id) => `/agents/${seg(id)}`;

/** The conversation nav; `update(conversations)` redraws it (e.g. "last …" after a send). */
function conversationList(agent, selected) {
  const list = h('ul', { class: 'convs', id: 'conversations' });
  const update = (conversations) =>
    fill(
      list,
      conversations.map((c) =>
        h(
          'li',
          {},
          h(
            'a',
            { href: `#/agents/${seg(agent.id)}/c/${seg(c.id)}`, 'aria-current': c.id === selected.id ? 'page' : false },
            c.is_default ? 'Default' : c.summary || `Conversation ${when(c.created_at)}`,
            h('small', {}, c.last_message_at ? `last message ${whenShort(c.last_message_at)}` : 'no messages'),
          ),
        ),
      ),
    );
  const button = h('button', { type: 'button', class: 'secondary', id: 'new-conversation' }, 'New conversation');
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const conv = await api('POST', `${agentPath(agent.id)}/conversations`, {});
      location.hash = `#/agents/${seg(agent.id)}/c/${seg(conv.id)}`;
    } catch (err) {
      reportError(err);
      button.disabled = false;
    }
  });
  const panel = h('nav', { class: 'panel', 'aria-labelledby': 'conv-title' }, h('h2', { id: 'conv-title' }, 'Conversations'), list, button);
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
  const panel = h('section', { class: 'panel', 'aria-labelledby': 'memory-title' }, h('h2', { id: 'memory-title' }, 'Memory'), list);
  return { panel, update };
}

function runsPanel() {
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
              h('td', {}, h('time', { datetime: r.created_at, title: when(r.created_at) }, whenShort(r.created_at))),
              h('td', {}, h('span', { class: `badge ${statusClass(r.status)}` }, r.status)),
              h('td', {}, r.stop_reason ?? ''),
              h('td', { class: 'num', title: `prompt ${r.total_usage.prompt_tokens} + completion ${r.total_usage.completion_tokens}` }, r.total_usage.total_tokens),
              h('td', { class: 'num' }, r.total_usage.step_count),
            ),
          ),
    );
  const panel = h('section', { class: 'panel', 'aria-labelledby': 'runs-title' }, h('h2', { id: 'runs-title' }, 'Recent runs'), table);
  return { panel, update };
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

  const convs = conversationList(agent, selected);
  convs.update(conversations);
  const conversationsUrl = `${agentPath(agent.id)}/conversations?limit=1000`;
  const memory = memoryPanel(agent);
  const runsView = runsPanel();
  runsView.update(runs);
  const list = h('ol', { class: 'messages', id: 'messages', 'aria-label': 'Messages' });
  const showMessages = (items) => {
    fill(list, items.length === 0 ? h('li', { class: 'muted empty' }, 'No messages yet. Say hello below.') : items.map(messageItem));
    list.scrollTop = list.scrollHeight;
  };
  showMessages(messages);

  const input = h('textarea', { id: 'composer-input', name: 'message', rows: 3, required: true, maxlength: 100000, placeholder: 'Message the agent (Enter sends, Shift+Enter for a new line)' });
  const send = h('button', { type: 'submit' }, 'Send');
  const composer = h(
    'form',
    { class: 'composer', id: 'composer' },
    h('label', { for: 'composer-input', class: 'sr-only' }, 'Message'),
    input,
    send,
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
  };

  composer.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    send.disabled = true;
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
            if (failure) status(`The run failed (${line.stop_reason ?? 'error'}): ${failure}`, 'error');
            else if (line.stop_reason && line.stop_reason !== 'end_turn') status(`Stopped: ${line.stop_reason}`, 'error');
            else status('');
          }
          list.scrollTop = list.scrollHeight;
        },
      );
    } catch (err) {
      status('');
      reportError(err);
      failure = failure ?? 'request failed';
    } finally {
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
      h('h1', {}, agent.name),
      h('p', { class: 'muted' }, h('code', {}, agent.model ?? '(default model)'), ' · ', agent.agent_type, ' · ', h('code', {}, agent.id)),
    ),
    h(
      'div',
      { class: 'agent-grid' },
      convs.panel,
      h('section', { class: 'panel chat', 'aria-labelledby': 'chat-title' }, h('h2', { id: 'chat-title' }, selected.is_default ? 'Default conversation' : 'Conversation'), list, composer),
      h('div', { class: 'side' }, memory.panel, runsView.panel),
    ),
  );
  list.scrollTop = list.scrollHeight;
}
