/**
 * Letta's file tools, for agents with folders attached: `open_files` (puts lines of files into
 * the files section of the context window, at most {@link MAX_FILES_OPEN} open, least recently
 * used closed first), `grep_files` (a regular expression over the files' text, 20 matches a
 * page, with context lines) and `semantic_search_files` (hybrid search over the folders' chunks,
 * through the {@link FileSearch} adapter the services provide).
 */

import { nowIso } from '../../store/records.js';
import type { Store } from '../../store/store.js';
import { type AgentFileView, agentFiles, MAX_FILES_OPEN } from '../file-blocks.js';
import type { ToolEnv } from './execute-tool.js';
import { ToolError } from './memory-edits.js';
import { matchLines } from './regex-in-worker.js';

/** Search over the chunks of the agent's folders (implemented by the folder services). */
export interface FileSearch {
  search(env: ToolEnv, query: string, limit: number): Promise<string>;
}

/** Characters of a file one open view shows at most (Letta's per-file view window). */
export const FILE_VIEW_CHARS = 10_000;
const GREP_PAGE = 20;
const GREP_LINE_CHARS = 500;

export interface OpenRequest {
  /** `folder_name/file_name` (or a bare file name when unique), or … */
  file_name?: string | undefined;
  /** … the file's id. */
  file_id?: string | undefined;
  offset?: number | undefined;
  length?: number | undefined;
}

export interface OpenOutcome {
  /** What was opened, one line each. */
  opened: string[];
  /** Names of the files closed to make room (or all others). */
  closed: string[];
}

export async function openFiles(env: ToolEnv, a: Record<string, unknown>): Promise<string> {
  const requests = Array.isArray(a.file_requests) ? a.file_requests : [];
  if (requests.length === 0) throw new ToolError("Argument 'file_requests' must be a non-empty list");
  const parsed: OpenRequest[] = requests.map((raw) => {
    const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    return {
      file_name: String(r.file_name ?? ''),
      offset: r.offset === undefined || r.offset === null ? undefined : Number(r.offset),
      length: r.length === undefined || r.length === null ? undefined : Number(r.length),
    };
  });
  const out = await openFileViews(env.store, env.ctx.org, env.agent.id, parsed, a.close_all_others === true);
  return [...out.opened, ...(out.closed.length > 0 ? [`Closed: ${out.closed.join(', ')}`] : [])].join('\n');
}

/**
 * Opens files for the agent (their visible lines stored as its file state), then closes the
 * least recently used beyond {@link MAX_FILES_OPEN}, or every other one when `closeAllOthers`.
 * A failure (unknown file, still processing) is a {@link ToolError}.
 */
export async function openFileViews(
  store: Store,
  org: string,
  agentId: string,
  requests: OpenRequest[],
  closeAllOthers: boolean,
): Promise<OpenOutcome> {
  if (requests.length > MAX_FILES_OPEN)
    throw new ToolError(`At most ${MAX_FILES_OPEN} files can be open at once; asked for ${requests.length}`);
  const views = await agentFiles(store, org, agentId);
  const opened: string[] = [];
  const openedIds = new Set<string>();
  for (const r of requests) {
    const view = r.file_id ? views.find((v) => v.file.id === r.file_id) : findFile(views, r.file_name ?? '');
    if (!view) throw new ToolError(`File '${r.file_id}' is not in a folder attached to the agent`);
    const file = await store.files.get(org, view.file.id, true);
    if (!file || file.content === null || file.content === undefined)
      throw new ToolError(`File '${view.name}' is still being processed (${view.file.processing_status})`);
    const all = file.content.split('\n');
    const start = Math.max(1, Math.trunc(r.offset ?? 1) || 1);
    if (start > all.length)
      throw new ToolError(`'${view.name}' has ${all.length} lines; offset ${start} is past its end`);
    const length = r.length === undefined ? all.length : Math.max(1, Math.trunc(r.length) || 1);
    const shown: string[] = [];
    let chars = 0;
    let end = start - 1;
    for (let n = start; n <= Math.min(all.length, start + length - 1); n++) {
      const text = `${n}: ${all[n - 1] ?? ''}`;
      if (chars + text.length > FILE_VIEW_CHARS && shown.length > 0) break;
      shown.push(text);
      chars += text.length + 1;
      end = n;
    }
    const header = `[Viewing lines ${start} to ${end} (out of ${all.length} lines)]`;
    await store.files.putAgentState({
      agent_id: agentId,
      file_id: view.file.id,
      organization_id: org,
      is_open: true,
      visible_content: `${header}\n${shown.join('\n')}`,
      start_line: start,
      end_line: end,
      last_accessed_at: nowIso(),
    });
    openedIds.add(view.file.id);
    opened.push(`* Opened ${view.name} (lines ${start}-${end} of ${all.length})`);
  }
  const states = await store.files.agentStates(org, agentId);
  const others = states
    .filter((s) => s.is_open && !openedIds.has(s.file_id))
    .sort((x, y) => y.last_accessed_at.localeCompare(x.last_accessed_at));
  const room = closeAllOthers ? 0 : Math.max(0, MAX_FILES_OPEN - openedIds.size);
  const close = others.slice(room).map((s) => s.file_id);
  await store.files.closeForAgent(org, agentId, close);
  return { opened, closed: close.map((id) => views.find((v) => v.file.id === id)?.name ?? id) };
}

export async function grepFiles(env: ToolEnv, a: Record<string, unknown>): Promise<string> {
  const pattern = typeof a.pattern === 'string' ? a.pattern : '';
  if (pattern === '') throw new ToolError("Argument 'pattern' must not be empty");
  regex(pattern, 'pattern'); // a syntax error is reported before any file is read
  const include = typeof a.include === 'string' && a.include !== '' ? a.include : undefined;
  if (include !== undefined) regex(include, 'include');
  const context = Math.min(Math.max(Math.trunc(Number(a.context_lines ?? 1)) || 0, 0), 10);
  const offset = Math.max(Math.trunc(Number(a.offset ?? 0)) || 0, 0);
  let views = await agentFiles(env.store, env.ctx.org, env.agent.id);
  if (include !== undefined) {
    const [kept = []] = await matchLines(include, [views.map((v) => v.name)], REGEX_TIMEOUT_MS);
    views = kept.map((i) => views[i] as AgentFileView);
  }
  if (views.length === 0) return include ? `No files match '${a.include}'.` : 'No files are in your folders.';
  const contents: string[][] = [];
  for (const view of views) {
    const file = await env.store.files.get(env.ctx.org, view.file.id, true);
    contents.push(file?.content?.split('\n') ?? []);
  }
  // The model's pattern runs in a worker with a deadline (a pattern can backtrack for minutes).
  const hits = await matchLines(
    pattern,
    contents.map((lines) => lines.map((l) => l.slice(0, 10_000))),
    REGEX_TIMEOUT_MS,
  );
  let total = 0;
  const files = new Set<string>();
  const out: string[] = [];
  for (const [k, view] of views.entries()) {
    const all = contents[k] ?? [];
    let header = false;
    for (const i of hits[k] ?? []) {
      total++;
      files.add(view.name);
      if (total <= offset || total > offset + GREP_PAGE) continue;
      if (!header) {
        out.push(`=== ${view.name} ===`);
        header = true;
      }
      for (let j = Math.max(0, i - context); j <= Math.min(all.length - 1, i + context); j++) {
        const text = (all[j] ?? '').slice(0, GREP_LINE_CHARS);
        out.push(`${j === i ? '>' : ' '} ${j + 1}: ${text}`);
      }
      out.push('');
    }
  }
  if (total === 0) return `No matches for '${pattern}' in ${views.length} file(s).`;
  const last = Math.min(total, offset + GREP_PAGE);
  const more = total > last ? ` Use offset=${last} for more.` : '';
  if (offset >= total) return `Found ${total} match(es); offset ${offset} is past the last.`;
  return `Found ${total} match(es) in ${files.size} file(s); showing ${offset + 1}-${last}.${more}\n${out.join('\n')}`.trimEnd();
}

export async function semanticSearchFiles(env: ToolEnv, a: Record<string, unknown>): Promise<string> {
  if (!env.files) throw new ToolError('File search is not available on this server');
  const query = typeof a.query === 'string' ? a.query : '';
  if (query.trim() === '') throw new ToolError("Argument 'query' must not be empty");
  const limit = Math.min(Math.max(Math.trunc(Number(a.limit ?? 5)) || 5, 1), 50);
  return env.files.search(env, query, limit);
}

function findFile(views: AgentFileView[], name: string): AgentFileView {
  const exact = views.find((v) => v.name === name);
  if (exact) return exact;
  const bare = views.filter((v) => v.file.file_name === name);
  if (bare.length === 1 && bare[0]) return bare[0];
  const known = views.map((v) => v.name).slice(0, 20);
  throw new ToolError(
    `No file named '${name}' in your folders${bare.length > 1 ? ' (name it as folder_name/file_name)' : ''}. Files: ${known.join(', ') || 'none'}`,
  );
}

/** How long the model's grep pattern may run (in a worker) before it is stopped. */
const REGEX_TIMEOUT_MS = 5_000;

function regex(pattern: string, arg: string): RegExp {
  if (pattern.length > 500) throw new ToolError(`Argument '${arg}' is longer than 500 characters`);
  try {
    return new RegExp(pattern, 'i');
  } catch (err) {
    throw new ToolError(`Invalid regular expression in '${arg}': ${(err as Error).message}`);
  }
}
