// A search over the agent's messages (yours and its replies) in every conversation, newest
// first, each with a link to its conversation. Through POST /v1/messages/search.
import { api, seg } from './api.js';
import { fill, h, when } from './dom.js';
import { reportError } from './status.js';

const KINDS = { user_message: 'You', assistant_message: 'Agent' };
const LIMIT = 50;

/** `conversationName(id)` names a conversation of the agent (or null when unknown). */
export function searchPanel(agent, conversationName = () => null) {
  const query = h('input', { id: 'msg-query', name: 'query', type: 'search', autocomplete: 'off', maxlength: 10000, placeholder: 'Words to find' });
  const results = h('ol', { class: 'hits', id: 'message-hits', 'aria-label': 'Matching messages' });
  const caption = h('p', { class: 'muted small', id: 'message-hits-caption', 'aria-live': 'polite' });
  const form = h(
    'form',
    { id: 'message-search', role: 'search' },
    h('label', { for: 'msg-query', class: 'sr-only' }, 'Search messages'),
    h('div', { class: 'inline' }, query, h('button', { type: 'submit' }, 'Find')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const q = query.value.trim();
    if (!q) return;
    try {
      const hits = await api('POST', '/v1/messages/search', { query: q, agent_id: agent.id, limit: LIMIT });
      const count = hits.length === LIMIT ? `The newest ${LIMIT}` : String(hits.length);
      caption.textContent = `${count} ${hits.length === 1 ? 'message matches' : 'messages match'} “${q}”.`;
      fill(results, hits.map((hit) => hitItem(agent, hit, q, conversationName(hit.conversation_id))));
    } catch (err) {
      reportError(err);
    }
  });
  const panel = h(
    'div',
    {},
    h('h2', { id: 'search-title' }, 'Search messages'),
    h('p', { class: 'muted small' }, 'Your messages and the agent’s replies in every conversation; any of the words, case-insensitive.'),
    form,
    caption,
    results,
  );
  return { panel };
}

function hitItem(agent, hit, q, conversation) {
  return h(
    'li',
    { class: `hit ${hit.message_type}`, 'data-message': hit.message_id },
    h(
      'div',
      { class: 'meta' },
      h('span', { class: 'kind' }, KINDS[hit.message_type] ?? hit.message_type),
      h('time', { datetime: hit.created_at }, when(hit.created_at)),
      h('a', { href: `#/agents/${seg(agent.id)}/c/${seg(hit.conversation_id)}`, title: 'Open this conversation' }, conversation ? `in ${conversation}` : 'open conversation'),
    ),
    h('div', { class: 'text' }, highlight(String(hit.content), q)),
  );
}

/** The text with the query's words in <mark> (text nodes only). */
function highlight(text, q) {
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return text;
  const escaped = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const parts = text.split(new RegExp(`(${escaped.join('|')})`, 'gi'));
  return parts.map((p, i) => (i % 2 === 1 ? h('mark', {}, p) : p));
}
