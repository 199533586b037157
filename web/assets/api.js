// The console's only door to the server: JSON calls and the NDJSON message stream, both
// carrying the API key (if the user gave one) as `Authorization: Bearer <key>`.

const KEY_NAME = 'letta-console-api-key';

/** An answer that was not 2xx; `status` and the server's `code`/`detail` when it sent them. */
export class ApiError extends Error {
  constructor(status, detail, code) {
    super(detail || `HTTP ${status}`);
    this.status = status;
    this.code = code ?? null;
  }
}

let unauthorized = () => {};

/** Called (with the error) whenever the server answers 401. */
export function onUnauthorized(fn) {
  unauthorized = fn;
}

export function apiKey() {
  try {
    return sessionStorage.getItem(KEY_NAME) ?? '';
  } catch {
    return '';
  }
}

export function setApiKey(key) {
  if (key) sessionStorage.setItem(KEY_NAME, key);
  else sessionStorage.removeItem(KEY_NAME);
}

function headers(json) {
  const h = { accept: 'application/json, application/x-ndjson' };
  if (json) h['content-type'] = 'application/json';
  const key = apiKey();
  if (key) h.authorization = `Bearer ${key}`;
  return h;
}

async function failure(res) {
  let detail = '';
  let code;
  try {
    const body = await res.json();
    detail = typeof body.detail === 'string' ? body.detail : JSON.stringify(body.detail ?? body);
    code = body.code;
  } catch {
    detail = res.statusText;
  }
  const err = new ApiError(res.status, detail, code);
  if (res.status === 401) unauthorized(err);
  return err;
}

/** `method path` with an optional JSON body; resolves to the parsed JSON answer. */
export async function api(method, path, body, signal) {
  const res = await fetch(path, {
    method,
    headers: headers(body !== undefined),
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  if (!res.ok) throw await failure(res);
  if (res.status === 204) return null;
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

/**
 * POSTs `body` and calls `onLine(obj)` for each NDJSON line as it arrives; resolves when the
 * stream ends. `onStart(response)` runs once the answer's headers are in (e.g. `x-run-id`).
 */
export async function streamNdjson(path, body, onLine, signal, onStart) {
  const res = await fetch(path, { method: 'POST', headers: headers(true), body: JSON.stringify(body), signal });
  if (!res.ok) throw await failure(res);
  onStart?.(res);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += decoder.decode(value, { stream: true });
    let nl = buffered.indexOf('\n');
    while (nl >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (line) onLine(JSON.parse(line));
      nl = buffered.indexOf('\n');
    }
  }
  const rest = (buffered + decoder.decode()).trim();
  if (rest) onLine(JSON.parse(rest));
}

/** A path segment, escaped. */
export const seg = (s) => encodeURIComponent(s);
