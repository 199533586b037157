// The one-line status area under the header (role=status, so screen readers hear it).
import { ApiError } from './api.js';

const statusEl = document.getElementById('status');

/** Shows a one-line message; kind 'error' styles it as a problem, '' text hides it. */
export function status(text, kind = 'info') {
  statusEl.textContent = text;
  statusEl.className = `status ${kind}`;
  statusEl.hidden = !text;
}

/** Reports a failed call in the status line (401s are handled by the key form). */
export function reportError(err) {
  if (err instanceof ApiError && err.status === 401) return;
  if (err?.name === 'AbortError') return;
  status(err instanceof Error ? err.message : String(err), 'error');
}

let next = '';

/** A message for the page the app is about to show (the status line is cleared on navigation). */
export function statusNext(text) {
  next = text;
}

/** Called on navigation: shows the pending message, if any, else clears the line. */
export function statusOnNavigate() {
  status(next);
  next = '';
}
