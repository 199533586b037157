// Archival memory browser: insert a passage (with tags), search (hybrid: vectors and keywords),
// list the newest passages, delete one. Through /v1/agents/{id}/archival-memory.
import { api, seg } from './api.js';
import { fill, h, when } from './dom.js';
import { reportError, status } from './status.js';

export function archivalPanel(agent) {
  const base = `/v1/agents/${seg(agent.id)}/archival-memory`;
  const results = h('ul', { class: 'passages', id: 'passages', 'aria-label': 'Archival memories' });
  const caption = h('p', { class: 'muted small', id: 'passages-caption', 'aria-live': 'polite' });

  const text = h('textarea', { id: 'arch-text', name: 'text', rows: 3, required: true, maxlength: 1000000, placeholder: 'A fact, note or document for the agent to find later.' });
  const tagsInput = h('input', { id: 'arch-tags', name: 'tags', autocomplete: 'off', placeholder: 'comma, separated', 'aria-describedby': 'arch-tags-hint' });
  const insertButton = h('button', { type: 'submit' }, 'Insert');
  const insertForm = h(
    'form',
    { class: 'arch-insert', id: 'archival-insert', 'aria-labelledby': 'arch-insert-title' },
    h('h3', { id: 'arch-insert-title' }, 'Insert'),
    h('div', { class: 'field' }, h('label', { for: 'arch-text' }, 'Text'), text),
    h('div', { class: 'field' }, h('label', { for: 'arch-tags' }, 'Tags'), tagsInput, h('small', { id: 'arch-tags-hint' }, 'Optional; the agent can filter its searches by tag.')),
    h('div', { class: 'actions' }, insertButton),
  );

  const query = h('input', { id: 'arch-query', name: 'query', type: 'search', autocomplete: 'off', maxlength: 10000, placeholder: 'What to look for' });
  const searchForm = h(
    'form',
    { class: 'arch-search', id: 'archival-search', role: 'search' },
    h('label', { for: 'arch-query' }, 'Search archival memory'),
    h('div', { class: 'inline' }, query, h('button', { type: 'submit' }, 'Search')),
  );

  const item = (p) => {
    const del = h('button', { type: 'button', class: 'secondary small', 'aria-label': `Delete memory: ${p.text.slice(0, 40)}` }, 'Delete');
    del.addEventListener('click', async () => {
      del.disabled = true;
      try {
        await api('DELETE', `${base}/${seg(p.id)}`);
        const li = del.closest('li');
        (li.nextElementSibling ?? li.previousElementSibling)?.querySelector('button')?.focus();
        li.remove();
        status('Deleted the memory.');
        if (!results.querySelector('li')) fill(results, h('li', { class: 'muted' }, 'No archival memories.'));
      } catch (err) {
        reportError(err);
        del.disabled = false;
      }
    });
    return h(
      'li',
      { 'data-passage': p.id },
      h('div', { class: 'passage-text' }, p.text),
      h(
        'div',
        { class: 'passage-meta' },
        h('time', { datetime: p.created_at }, when(p.created_at)),
        (p.tags ?? []).map((t) => h('span', { class: 'tag' }, t)),
        del,
      ),
    );
  };
  const showList = (passages, label) => {
    caption.textContent = label;
    fill(results, passages.length === 0 ? h('li', { class: 'muted' }, 'No archival memories.') : passages.map(item));
  };
  const load = async () => {
    try {
      const passages = await api('GET', `${base}?limit=50&ascending=false`);
      showList(passages, passages.length === 0 ? '' : `Newest ${passages.length} ${passages.length === 1 ? 'memory' : 'memories'}.`);
    } catch (err) {
      reportError(err);
    }
  };

  insertForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = text.value.trim();
    if (!value) return;
    const tags = tagsInput.value.split(',').map((t) => t.trim()).filter(Boolean);
    insertButton.disabled = true;
    try {
      await api('POST', base, tags.length > 0 ? { text: value, tags } : { text: value });
      text.value = '';
      tagsInput.value = '';
      status('Inserted into archival memory.');
      query.value = '';
      await load();
    } catch (err) {
      reportError(err);
    } finally {
      insertButton.disabled = false;
    }
  });
  searchForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const q = query.value.trim();
    if (!q) return load();
    try {
      const r = await api('GET', `${base}/search?query=${encodeURIComponent(q)}&top_k=20`);
      showList(
        r.results.map((x) => ({ id: x.id, text: x.content, tags: x.tags, created_at: x.timestamp })),
        `${r.count} ${r.count === 1 ? 'match' : 'matches'} for “${q}” (${r.search_mode} search).`,
      );
    } catch (err) {
      reportError(err);
    }
  });

  const panel = h('div', {}, h('h2', { id: 'archival-title' }, 'Archival memory'), searchForm, caption, results, insertForm);
  return { panel, load };
}
