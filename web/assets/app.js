// Entry point: hash routing (#/ = agents, #/agents/<id>[/c/<conversation>]), the status line and
// the API-key form shown when the server answers 401.
import { agentView } from './agent-view.js';
import { agentsView } from './agents-view.js';
import { ApiError, apiKey, onUnauthorized, setApiKey } from './api.js';
import { fill, h } from './dom.js';
import { reportError, status, statusOnNavigate } from './status.js';

const view = document.getElementById('view');
const authForm = document.getElementById('auth');
const authKey = document.getElementById('auth-key');
const authReason = document.getElementById('auth-reason');

onUnauthorized((err) => {
  authReason.textContent = apiKey()
    ? `The server refused the key: ${err.message}`
    : 'This server needs an API key (started with --auth).';
  authForm.hidden = false;
  authKey.focus();
});

authForm.addEventListener('submit', (event) => {
  event.preventDefault();
  setApiKey(authKey.value.trim());
  authKey.value = '';
  authForm.hidden = true;
  status('');
  render();
});
document.getElementById('auth-forget').addEventListener('click', () => {
  setApiKey('');
  authKey.value = '';
  status('API key forgotten for this tab.');
});

let current = null;

async function render() {
  current?.abort();
  const controller = new AbortController();
  current = controller;
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  try {
    if (parts[0] === 'agents' && parts[1]) {
      await agentView(view, { agent: parts[1], conversation: parts[2] === 'c' ? parts[3] : undefined }, controller.signal);
    } else {
      await agentsView(view, controller.signal);
    }
  } catch (err) {
    if (controller.signal.aborted) return;
    reportError(err);
    if (!(err instanceof ApiError && err.status === 401)) {
      fill(view, h('p', { class: 'muted' }, 'Could not load this page.'), h('p', {}, h('a', { href: '#/' }, 'Back to agents')));
    }
  }
}

window.addEventListener('hashchange', () => {
  statusOnNavigate();
  render();
});
render();
