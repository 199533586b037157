// #/ — the agent list and the "new agent" form.
import { api, seg } from './api.js';
import { fill, h, when } from './dom.js';
import { reportError, statusNext } from './status.js';

const NAME_PATTERN = '[A-Za-z0-9][A-Za-z0-9 ._\\-]{0,99}';

function agentTable(agents) {
  if (agents.length === 0) return h('p', { class: 'muted', id: 'no-agents' }, 'No agents yet: create one below.');
  return h(
    'table',
    { class: 'list', id: 'agents' },
    h('caption', { class: 'sr-only' }, 'Agents'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Model'), h('th', { scope: 'col' }, 'Created'))),
    h(
      'tbody',
      {},
      agents.map((a) =>
        h(
          'tr',
          {},
          h('td', {}, h('a', { href: `#/agents/${seg(a.id)}` }, a.name)),
          h('td', {}, h('code', {}, a.model ?? '(default)')),
          h('td', {}, h('time', { datetime: a.created_at }, when(a.created_at))),
        ),
      ),
    ),
  );
}

function field(id, label, control, hint) {
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hint ? h('small', { id: `${id}-hint` }, hint) : null);
}

function newAgentForm(models) {
  const form = h(
    'form',
    { class: 'card new-agent', id: 'new-agent', 'aria-labelledby': 'new-agent-title' },
    h('h2', { id: 'new-agent-title' }, 'New agent'),
    field('na-name', 'Name', h('input', { id: 'na-name', name: 'name', required: true, maxlength: 100, pattern: NAME_PATTERN, autocomplete: 'off', 'aria-describedby': 'na-name-hint' }), 'Letters, digits, spaces, . _ -'),
    field(
      'na-model',
      'Model',
      h(
        'select',
        { id: 'na-model', name: 'model', 'aria-describedby': 'na-model-hint' },
        h('option', { value: '' }, 'Server default'),
        models.map((m) => h('option', { value: m.handle }, m.handle)),
      ),
      models.length > 0
        ? 'The models the server can reach (GET /v1/models/).'
        : 'No model provider is configured: start the server with OPENAI_API_KEY, OPENAI_BASE_URL, ANTHROPIC_API_KEY or OLLAMA_BASE_URL.',
    ),
    field('na-persona', 'Persona', h('textarea', { id: 'na-persona', name: 'persona', rows: 3, maxlength: 100000, placeholder: 'Who the agent is.' })),
    field('na-human', 'Human', h('textarea', { id: 'na-human', name: 'human', rows: 3, maxlength: 100000, placeholder: 'What the agent knows about you.' })),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Create agent')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = { name: String(data.get('name')).trim() };
    for (const key of ['model', 'persona', 'human']) {
      const value = String(data.get(key) ?? '').trim();
      if (value) body[key] = value;
    }
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const agent = await api('POST', '/agents', body);
      statusNext(`Created agent ${agent.name}.`);
      location.hash = `#/agents/${seg(agent.id)}`;
    } catch (err) {
      reportError(err);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

export async function agentsView(root, signal) {
  const [agents, models] = await Promise.all([
    api('GET', '/agents?limit=1000', undefined, signal),
    api('GET', '/v1/models/', undefined, signal).catch(() => []),
  ]);
  if (signal.aborted) return;
  document.title = 'Agents · letta-ts console';
  fill(
    root,
    h('section', { class: 'agents-page' }, h('h1', {}, 'Agents'), agentTable(agents)),
    newAgentForm(Array.isArray(models) ? models : []),
  );
}
