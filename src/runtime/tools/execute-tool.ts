/**
 * Runs built-in tools. A tool never throws to the loop: every failure (bad arguments, unknown
 * block, read-only block, limit exceeded) becomes a failed tool return that goes back to the
 * model, as Letta does, so the model can correct itself.
 */
import type { RequestContext } from '../../request-context.js';
import type { AgentRecord, BlockRecord, ConversationRecord, MessageRole } from '../../store/records.js';
import { nowIso } from '../../store/records.js';
import type { Store } from '../../store/store.js';
import { span } from '../../telemetry.js';
import { toLettaMessages } from '../letta-messages.js';
import type { ToolCall } from '../llm/types.js';
import { runCode, webSearch } from './extra-tools.js';
import { type FileSearch, grepFiles, openFiles, semanticSearchFiles } from './file-tools.js';
import type { McpToolRunner } from './mcp/mcp-tool-runner.js';
import {
  coreMemoryAppend,
  coreMemoryReplace,
  memoryInsert,
  memoryReplace,
  ToolError,
  type ToolOutput,
} from './memory-edits.js';
import type { CustomToolRunner } from './sandbox/custom-tool-runner.js';
import type { ToolSandbox } from './sandbox/tool-sandbox.js';

export interface ToolEnv {
  ctx: RequestContext;
  store: Store;
  agent: AgentRecord;
  conversation: ConversationRecord;
  /** Archival memory, when the archival service is wired in. */
  archival?: ArchivalTools | undefined;
  /** Search over the chunks of the agent's folders (semantic_search_files). */
  files?: FileSearch | undefined;
  /** The agent's custom tools, run in the sandbox. */
  custom?: CustomToolRunner | undefined;
  /** The agent's MCP tools (`external_mcp`), called on their servers. */
  mcp?: McpToolRunner | undefined;
  /** The sandbox (run_code) and its settings (web_search keys). */
  sandbox?: ToolSandbox | undefined;
}

export interface ArchivalTools {
  insert(env: ToolEnv, content: string, tags: string[]): Promise<string>;
  search(env: ToolEnv, args: Record<string, unknown>): Promise<string>;
}

export interface ToolOutcome {
  status: 'success' | 'error';
  /** The text returned to the model. */
  content: string;
  /** Whether memory changed (blocks, or the archival count): the system prompt is recompiled. */
  memoryChanged: boolean;
  /** memgpt_v2: the model asked for another step. */
  requestHeartbeat: boolean;
  /** A sandboxed custom tool's stdout and stderr. */
  output?: ToolOutput | undefined;
}

type Edit = (value: string) => string;

/** Runs one tool call (in a `letta.tool_call` span when tracing is on). */
export function executeTool(env: ToolEnv, call: ToolCall, returnCharLimit: number): Promise<ToolOutcome> {
  const attrs = { 'letta.tool.name': call.name, 'letta.tool_call_id': call.id };
  return span('letta.tool_call', attrs, async (set) => {
    const outcome = await executeToolCall(env, call, returnCharLimit);
    set({ 'letta.tool.status': outcome.status });
    return outcome;
  });
}

async function executeToolCall(env: ToolEnv, call: ToolCall, returnCharLimit: number): Promise<ToolOutcome> {
  let args: Record<string, unknown>;
  try {
    const parsed: unknown = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not an object');
    args = parsed as Record<string, unknown>;
  } catch {
    return fail(`Invalid JSON arguments for ${call.name}: ${truncate(call.arguments, 200)}`, false);
  }
  const heartbeat = args.request_heartbeat === true;
  try {
    const { content, memoryChanged, output } = await run(env, call.name, args);
    return {
      status: 'success',
      content: truncate(content, returnCharLimit),
      memoryChanged,
      requestHeartbeat: heartbeat,
      output,
    };
  } catch (err) {
    if (err instanceof ToolError) return { ...fail(err.message, heartbeat), output: err.output };
    throw err;
  }
}

async function run(
  env: ToolEnv,
  name: string,
  a: Record<string, unknown>,
): Promise<{ content: string; memoryChanged: boolean; output?: ToolOutput }> {
  switch (name) {
    case 'send_message':
      str(a, 'message');
      return { content: 'Sent message successfully.', memoryChanged: false };
    case 'core_memory_append': {
      const content = str(a, 'content');
      return editBlock(env, str(a, 'label'), (v) => coreMemoryAppend(v, content));
    }
    case 'core_memory_replace': {
      const [o, n] = [str(a, 'old_content'), str(a, 'new_content', true)];
      return editBlock(env, str(a, 'label'), (v) => coreMemoryReplace(v, o, n));
    }
    case 'memory_replace': {
      const [o, n] = [str(a, 'old_string'), str(a, 'new_string', true)];
      return editBlock(env, str(a, 'label'), (v) => memoryReplace(v, o, n));
    }
    case 'memory_insert': {
      const text = str(a, 'new_string');
      const line = a.insert_line === undefined ? -1 : Number(a.insert_line);
      return editBlock(env, str(a, 'label'), (v) => memoryInsert(v, text, line));
    }
    case 'memory_rethink': {
      const text = str(a, 'new_memory', true);
      return editBlock(env, str(a, 'label'), () => text);
    }
    case 'conversation_search':
      return { content: await conversationSearch(env, a), memoryChanged: false };
    case 'archival_memory_insert': {
      if (!env.archival) throw new ToolError('Archival memory is not available on this server');
      const tags = Array.isArray(a.tags) ? a.tags.map(String) : [];
      // The system message says how many archival memories exist: recompiled with the step.
      return { content: await env.archival.insert(env, str(a, 'content'), tags), memoryChanged: true };
    }
    case 'archival_memory_search': {
      if (!env.archival) throw new ToolError('Archival memory is not available on this server');
      str(a, 'query');
      return { content: await env.archival.search(env, a), memoryChanged: false };
    }
    case 'open_files':
      // The files section of the system message changes: recompiled with the step.
      return { content: await openFiles(env, a), memoryChanged: true };
    case 'grep_files':
      return { content: await grepFiles(env, a), memoryChanged: false };
    case 'semantic_search_files':
      return { content: await semanticSearchFiles(env, a), memoryChanged: false };
    case 'run_code':
      return { content: await runCode(env.sandbox, a, env.ctx.org), memoryChanged: false };
    case 'web_search':
      return { content: await webSearch(env.sandbox?.config ?? {}, a), memoryChanged: false };
    default: {
      const custom = env.custom?.(name, a, {
        org: env.ctx.org,
        variables: () => env.store.agentVariables.environment(env.ctx.org, env.agent.id),
      });
      if (custom) return custom;
      const mcp = env.mcp?.(name, a, env.ctx.org);
      if (mcp) return mcp;
      throw new ToolError(`Tool '${name}' is not available to this agent`);
    }
  }
}

/**
 * Applies `edit` to the agent's block atomically: compare-and-set on the block version, re-reading
 * and re-applying when another writer got there first (bounded retries).
 */
async function editBlock(
  env: ToolEnv,
  label: string,
  edit: Edit,
): Promise<{ content: string; memoryChanged: boolean }> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const blocks = await env.store.blocks.listForAgent(env.ctx.org, env.agent.id);
    const block = blocks.find((b) => b.label === label);
    if (!block) {
      throw new ToolError(
        `No memory block labelled '${label}'. Available: ${blocks.map((b) => b.label).join(', ')}`,
      );
    }
    if (block.read_only) throw new ToolError(`Memory block '${label}' is read-only and cannot be edited`);
    const value = edit(block.value);
    checkLimit(block, value);
    if (await env.store.blocks.compareAndSet(env.ctx.org, block.id, block.version, value, nowIso())) {
      return {
        content: `The memory block '${label}' has been updated. It now reads:\n${value}`,
        memoryChanged: value !== block.value,
      };
    }
  }
  throw new ToolError(`Memory block '${label}' is being edited concurrently; try again`);
}

function checkLimit(block: BlockRecord, value: string): void {
  if (value.length > block.limit) {
    throw new ToolError(
      `Edit rejected: memory block '${block.label}' would have ${value.length} characters, over its limit of ${block.limit}. Shorten or summarise the content.`,
    );
  }
}

async function conversationSearch(env: ToolEnv, a: Record<string, unknown>): Promise<string> {
  const roles = Array.isArray(a.roles) ? (a.roles.map(String) as MessageRole[]) : undefined;
  const limit = Math.min(Math.max(Number(a.limit ?? 5) || 5, 1), 50);
  const results = await env.store.messages.search(env.ctx.org, {
    agentId: env.agent.id,
    query: typeof a.query === 'string' ? a.query : undefined,
    roles,
    startDate: dateArg(a.start_date, false),
    endDate: dateArg(a.end_date, true),
    limit,
  });
  if (results.length === 0) return 'No results found.';
  const lines = results.flatMap((m) =>
    toLettaMessages(m).map((lm) => {
      const text = lm.content ?? lm.tool_return ?? lm.reasoning ?? '';
      return `- [${m.created_at}] (${m.role}) ${truncate(String(text), 500)}`;
    }),
  );
  return `Showing ${results.length} result(s):\n${lines.join('\n')}`;
}

function dateArg(v: unknown, endOfDay: boolean): string | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  const text = /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T${endOfDay ? '23:59:59.999' : '00:00:00.000'}Z` : v;
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) throw new ToolError(`Invalid date '${v}': use YYYY-MM-DD or ISO 8601`);
  return d.toISOString();
}

function str(a: Record<string, unknown>, key: string, allowEmpty = false): string {
  const v = a[key];
  if (typeof v !== 'string') throw new ToolError(`Missing or invalid argument '${key}' (expected a string)`);
  if (!allowEmpty && v.length === 0 && key !== 'content')
    throw new ToolError(`Argument '${key}' must not be empty`);
  return v;
}

function fail(message: string, requestHeartbeat: boolean): ToolOutcome {
  return { status: 'error', content: `Error: ${message}`, memoryChanged: false, requestHeartbeat };
}

function truncate(text: string, limit: number): string {
  return text.length <= limit
    ? text
    : `${text.slice(0, limit)}… [truncated ${text.length - limit} characters]`;
}
