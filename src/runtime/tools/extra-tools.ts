/**
 * Letta's standard extra tools: `run_code` (in the tool sandbox) and `web_search` (through Exa
 * or Tavily when the operator sets `EXA_API_KEY` or `TAVILY_API_KEY`; without a key the tool
 * answers with an error the model can read, and agents are still created with it).
 */
import { ToolError } from './memory-edits.js';
import type { ToolSandbox } from './sandbox/tool-sandbox.js';

/** Runs `a.code`; Python on a worker of `owner` (the organization), JavaScript in a fresh QuickJS. */
export async function runCode(
  sandbox: ToolSandbox | undefined,
  a: Record<string, unknown>,
  owner = '',
): Promise<string> {
  if (!sandbox) throw new ToolError('run_code is not available on this server');
  const code = typeof a.code === 'string' ? a.code : '';
  if (code === '') throw new ToolError("Missing or invalid argument 'code' (expected a string)");
  const language = String(a.language ?? 'python').toLowerCase();
  const r =
    language === 'python'
      ? await sandbox.runPython({ source: code, owner })
      : language === 'js' || language === 'javascript'
        ? await sandbox.runJs({ source: code })
        : undefined;
  if (!r) throw new ToolError(`run_code supports python and js, not '${language}'`);
  return JSON.stringify({
    results: r.status === 'success' ? (r.result ?? null) : null,
    logs: { stdout: r.stdout === '' ? [] : [r.stdout], stderr: r.stderr === '' ? [] : [r.stderr] },
    error: r.status === 'error' ? r.result : null,
  });
}

export interface SearchKeys {
  exaApiKey?: string | undefined;
  tavilyApiKey?: string | undefined;
}

export async function webSearch(keys: SearchKeys, a: Record<string, unknown>): Promise<string> {
  const query = typeof a.query === 'string' ? a.query.trim() : '';
  if (query === '') throw new ToolError("Missing or invalid argument 'query' (expected a string)");
  const n = Math.min(Math.max(Number(a.num_results ?? 5) || 5, 1), 10);
  const signal = AbortSignal.timeout(20_000);
  let results: Array<{ title: string; url: string; content: string }>;
  if (keys.exaApiKey) {
    const res = await fetch('https://api.exa.ai/search', {
      method: 'POST',
      signal,
      headers: { 'content-type': 'application/json', 'x-api-key': keys.exaApiKey },
      body: JSON.stringify({ query, numResults: n, contents: { text: { maxCharacters: 1000 } } }),
    }).catch((err: Error) => failed('Exa', err.message));
    if (!res.ok) failed('Exa', `HTTP ${res.status}`);
    const body = (await res.json()) as { results?: Array<{ title?: string; url?: string; text?: string }> };
    results = (body.results ?? []).map((r) => ({
      title: r.title ?? '',
      url: r.url ?? '',
      content: r.text ?? '',
    }));
  } else if (keys.tavilyApiKey) {
    const res = await fetch('https://api.tavily.com/search', {
      method: 'POST',
      signal,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.tavilyApiKey}` },
      body: JSON.stringify({ query, max_results: n }),
    }).catch((err: Error) => failed('Tavily', err.message));
    if (!res.ok) failed('Tavily', `HTTP ${res.status}`);
    const body = (await res.json()) as {
      results?: Array<{ title?: string; url?: string; content?: string }>;
    };
    results = (body.results ?? []).map((r) => ({
      title: r.title ?? '',
      url: r.url ?? '',
      content: r.content ?? '',
    }));
  } else {
    throw new ToolError(
      'web_search is not configured on this server: the operator must set EXA_API_KEY or TAVILY_API_KEY',
    );
  }
  return JSON.stringify({ query, results });
}

function failed(provider: string, why: string): never {
  throw new ToolError(`web_search failed: ${provider} answered ${why}`);
}
