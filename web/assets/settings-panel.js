// Agent settings: name, model (the models the server can reach), context window limit and system
// prompt; the tools attached and available (attach/detach); delete. Name, model and system go
// through the tutorial API (which keeps names unique), the window and tools through /v1.
import { api, seg } from './api.js';
import { fill, h } from './dom.js';
import { reportError, status, statusNext } from './status.js';

const NAME_PATTERN = '[A-Za-z0-9][A-Za-z0-9 ._\\-]{0,99}';

function field(id, label, control, hint) {
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hint ? h('small', { id: `${id}-hint` }, hint) : null);
}

/** `onRenamed(agent)` runs after a save that changed the name; the page header follows it. */
export function settingsPanel(agent, { onSaved } = {}) {
  const body = h('div', { id: 'settings' }, h('p', { class: 'muted' }, 'Loading…'));
  const panel = h('div', {}, h('h2', { id: 'settings-title' }, 'Agent settings'), body);
  let loaded = false;

  const load = async () => {
    if (loaded) return;
    loaded = true;
    try {
      const [full, models, attached, all] = await Promise.all([
        api('GET', `/agents/${seg(agent.id)}`),
        api('GET', '/v1/models/').catch(() => []),
        api('GET', `/v1/agents/${seg(agent.id)}/tools?limit=1000`),
        api('GET', '/v1/tools/?limit=1000'),
      ]);
      fill(body, form(full, models), toolsSection(agent, attached, all), dangerZone(agent));
    } catch (err) {
      loaded = false;
      reportError(err);
      fill(body, h('p', { class: 'muted' }, 'Could not load the settings.'));
    }
  };

  function form(full, models) {
    const handles = models.map((m) => m.handle);
    if (full.model && !handles.includes(full.model)) handles.unshift(full.model);
    const name = h('input', { id: 'set-name', name: 'name', required: true, maxlength: 100, pattern: NAME_PATTERN, autocomplete: 'off', value: full.name });
    const model = h(
      'select',
      { id: 'set-model', name: 'model', 'aria-describedby': 'set-model-hint' },
      full.model ? null : h('option', { value: '' }, '(none: pick one)'),
      handles.map((m) => h('option', { value: m, selected: m === full.model }, m)),
    );
    const windowInput = h('input', { id: 'set-window', name: 'context_window_limit', type: 'number', min: 1000, max: 10000000, step: 1, inputmode: 'numeric', value: full.context_window_limit ?? '', placeholder: 'server default', 'aria-describedby': 'set-window-hint' });
    const system = h('textarea', { id: 'set-system', name: 'system', rows: 8, maxlength: 100000, spellcheck: 'false', 'aria-describedby': 'set-system-hint' });
    system.value = full.system ?? '';
    const save = h('button', { type: 'submit' }, 'Save settings');
    const el = h(
      'form',
      { class: 'settings', id: 'settings-form' },
      field('set-name', 'Name', name),
      field('set-model', 'Model', model, models.length > 0 ? 'The models the server can reach (GET /v1/models/).' : 'No provider is configured on the server.'),
      field('set-window', 'Context window limit (tokens)', windowInput, 'Empty: the server default, capped by the model’s own window.'),
      field('set-system', 'System prompt', system, '{CORE_MEMORY} marks where memory blocks go; without it they are appended.'),
      h('div', { class: 'actions' }, save),
    );
    const saved = { name: full.name, model: full.model ?? '', system: full.system ?? '', window: String(full.context_window_limit ?? '') };
    el.addEventListener('submit', async (event) => {
      event.preventDefault();
      const patch = {};
      if (name.value.trim() !== saved.name) patch.name = name.value.trim();
      if (model.value && model.value !== saved.model) patch.model = model.value;
      if (system.value !== saved.system) patch.system = system.value;
      const windowValue = windowInput.value.trim();
      if (Object.keys(patch).length === 0 && windowValue === saved.window) {
        status('Nothing to save.');
        return;
      }
      save.disabled = true;
      try {
        let updated = null;
        if (Object.keys(patch).length > 0) updated = await api('PATCH', `/agents/${seg(agent.id)}`, patch);
        if (windowValue !== saved.window)
          await api('PATCH', `/v1/agents/${seg(agent.id)}`, { context_window_limit: windowValue === '' ? null : Number(windowValue) });
        Object.assign(saved, { name: name.value.trim(), model: model.value || saved.model, system: system.value, window: windowValue });
        status('Saved the agent settings.');
        onSaved?.(updated ?? (await api('GET', `/agents/${seg(agent.id)}`)));
      } catch (err) {
        reportError(err);
      } finally {
        save.disabled = false;
      }
    });
    return el;
  }

  return { panel, load };
}

function toolsSection(agent, attachedList, allList) {
  const attachedEl = h('ul', { class: 'tool-list', id: 'tools-attached', 'aria-label': 'Attached tools' });
  const availableEl = h('ul', { class: 'tool-list', id: 'tools-available', 'aria-label': 'Available tools' });
  const byName = (a, b) => a.name.localeCompare(b.name);
  let attached = [...attachedList].sort(byName);
  const all = [...allList].sort(byName);
  const row = (tool, op) => {
    const button = h('button', { type: 'button', class: 'secondary small', 'aria-label': `${op === 'attach' ? 'Attach' : 'Detach'} ${tool.name}` }, op === 'attach' ? 'Attach' : 'Detach');
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await api('PATCH', `/v1/agents/${seg(agent.id)}/tools/${op}/${seg(tool.id)}`);
        attached = (await api('GET', `/v1/agents/${seg(agent.id)}/tools?limit=1000`)).sort(byName);
        draw();
        status(`${op === 'attach' ? 'Attached' : 'Detached'} ${tool.name}.`);
        document.querySelector(`#tools-${op === 'attach' ? 'attached' : 'available'} [data-tool="${tool.id}"] button`)?.focus();
      } catch (err) {
        reportError(err);
        button.disabled = false;
      }
    });
    return h('li', { 'data-tool': tool.id }, h('span', { class: 'tool-info' }, h('code', {}, tool.name), h('small', { class: 'muted', title: tool.description ?? '' }, tool.description ?? '')), button);
  };
  const draw = () => {
    const ids = new Set(attached.map((t) => t.id));
    fill(attachedEl, attached.length === 0 ? h('li', { class: 'muted' }, 'No tools attached.') : attached.map((t) => row(t, 'detach')));
    const rest = all.filter((t) => !ids.has(t.id));
    fill(availableEl, rest.length === 0 ? h('li', { class: 'muted' }, 'Every tool is attached.') : rest.map((t) => row(t, 'attach')));
  };
  draw();
  return h('section', { class: 'tools-section', 'aria-labelledby': 'tools-title' }, h('h3', { id: 'tools-title' }, 'Tools'), h('h4', {}, 'Attached'), attachedEl, h('h4', {}, 'Available'), availableEl);
}

function dangerZone(agent) {
  const ask = h('button', { type: 'button', class: 'danger secondary', id: 'delete-agent' }, 'Delete agent…');
  const confirmBox = h('div', { class: 'confirm', hidden: true, role: 'group', 'aria-labelledby': 'delete-question' });
  const yes = h('button', { type: 'button', class: 'danger', id: 'delete-agent-confirm' });
  const no = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
  const question = h('p', { id: 'delete-question' });
  fill(confirmBox, question, h('div', { class: 'actions' }, no, yes));
  ask.addEventListener('click', () => {
    // The name as it is now (the settings above may have renamed the agent).
    question.textContent = `Delete ${agent.name} with its memory, conversations and messages? This cannot be undone.`;
    yes.textContent = `Delete ${agent.name}`;
    confirmBox.hidden = false;
    ask.hidden = true;
    no.focus();
  });
  no.addEventListener('click', () => {
    confirmBox.hidden = true;
    ask.hidden = false;
    ask.focus();
  });
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    try {
      await api('DELETE', `/agents/${seg(agent.id)}`);
      statusNext(`Deleted agent ${agent.name}.`);
      location.hash = '#/';
    } catch (err) {
      reportError(err);
      yes.disabled = false;
    }
  });
  return h('section', { class: 'danger-zone', 'aria-labelledby': 'danger-title' }, h('h3', { id: 'danger-title' }, 'Delete'), ask, confirmBox);
}
