/**
 * Recreates the agents of a parsed agent file in one transaction: tools first (see
 * `import-tools.ts`), then each block once (a block two agents of the file share stays one
 * shared block), then each agent with its system prompt, tags, tool rules, model handles, its
 * default conversation (a freshly compiled system message) and its messages, the in-context ones
 * in the file's order. Whatever cannot come across is named in `warnings`, with its JSON path;
 * the import fails only on a malformed file (422 AGENT_FILE_INVALID).
 */
import { LettaError } from '../../errors.js';
import { newId } from '../../ids.js';
import type { ProviderRegistry } from '../../runtime/llm/provider-registry.js';
import { AGENT_TYPES, defaultSystemPrompt } from '../../runtime/prompts.js';
import { builtinTool } from '../../runtime/tools/builtin-tools.js';
import type { AgentRecord, BlockRecord, JsonObject, NewMessage, ToolRecord } from '../../store/records.js';
import { nowIso } from '../../store/records.js';
import type { Store } from '../../store/store.js';
import { AGENT_NAME_PATTERN, type AgentDefaults } from '../agent-service.js';
import type { BlockService } from '../block-service.js';
import type { RequestContext } from '../context.js';
import type { ConversationService } from '../conversation-service.js';
import type { ToolService } from '../tool-service.js';
import { hasValue } from './file-reader.js';
import type { AgentFile, AgentFileAgent, AgentFileBlock, ImportResult } from './format.js';
import { importTools } from './import-tools.js';
import { fileMessageToRecords } from './message-mapping.js';
import { reportUnsupportedEntities } from './report-entities.js';

export interface ImportOptions {
  /** New name for the file's first agent (Letta's `name` / `override_name`). */
  name?: string | undefined;
  /** Model handle for every agent of the file (`model` / `override_model_handle`). */
  model?: string | undefined;
  embedding?: string | undefined;
  stripMessages?: boolean | undefined;
  /** Default true, as Letta: a stored tool of the same name gets the file's definition. */
  overrideExistingTools?: boolean | undefined;
  /** Secrets for tool execution; kept only when a tools sandbox exists (reported otherwise). */
  secrets?: JsonObject | undefined;
}

export interface ImportDeps {
  store: Store;
  blocks: BlockService;
  tools: ToolService;
  conversations: ConversationService;
  providers: ProviderRegistry;
  defaults: AgentDefaults;
}

const NAME_RE = new RegExp(AGENT_NAME_PATTERN);

export async function importAgentFile(
  deps: ImportDeps,
  ctx: RequestContext,
  file: AgentFile,
  options: ImportOptions,
  parseWarnings: string[],
): Promise<ImportResult> {
  const warnings = [...parseWarnings];
  reportUnsupportedEntities(file, warnings);
  if (options.secrets && hasValue(options.secrets)) {
    warnings.push('secrets: not stored: tool secrets are kept once the tools sandbox exists');
  }
  return deps.store.transaction(async (tx) => {
    await deps.tools.ensureBuiltins(tx, ctx.org);
    const tools = await importTools(tx, ctx.org, file.tools, options.overrideExistingTools ?? true, warnings);
    const blocks = new Map<string, BlockRecord>();
    const agentIds: string[] = [];
    for (const [i, a] of file.agents.entries()) {
      const path = `agents[${i}]`;
      const agent = await insertAgent(
        deps,
        tx,
        ctx,
        a,
        path,
        i === 0 ? options : { ...options, name: undefined },
        warnings,
      );
      const agentBlocks: BlockRecord[] = [];
      for (const fileBlockId of a.block_ids) {
        let block = blocks.get(fileBlockId);
        if (!block) {
          const index = file.blocks.findIndex((b) => b.id === fileBlockId);
          block = buildBlock(deps, ctx, file.blocks[index] as AgentFileBlock, `blocks[${index}]`);
          await tx.blocks.insert(block);
          blocks.set(fileBlockId, block);
        }
        agentBlocks.push(block);
      }
      for (const [j, inline] of a.memory_blocks.entries()) {
        const block = buildBlock(
          deps,
          ctx,
          inline as unknown as AgentFileBlock,
          `${path}.memory_blocks[${j}]`,
        );
        await tx.blocks.insert(block);
        agentBlocks.push(block);
      }
      for (const b of agentBlocks) await tx.blocks.attach(ctx.org, agent.id, b.id);
      const agentTools = agentToolRows(
        a,
        tools.byFileId,
        await namedBuiltins(tx, ctx.org, a, path, warnings),
      );
      await tx.tools.attach(
        ctx.org,
        agent.id,
        agentTools.map((t) => t.id),
      );
      checkToolRules(a, agentTools, path, warnings);
      const conv = await deps.conversations.createWithin(tx, ctx, agent, agentBlocks, { isDefault: true });
      if (!options.stripMessages)
        await importMessages(tx, ctx, a, agent, conv.id, conv.in_context_message_ids, path, warnings);
      agentIds.push(agent.id);
    }
    for (const [i, b] of file.blocks.entries()) {
      if (!blocks.has(b.id))
        warnings.push(`blocks[${i}]: block '${b.label}' belongs to no agent of the file, dropped`);
    }
    return { agent_ids: agentIds, warnings, not_runnable_tools: tools.notRunnable };
  });
}

async function insertAgent(
  deps: ImportDeps,
  tx: Store,
  ctx: RequestContext,
  a: AgentFileAgent,
  path: string,
  options: ImportOptions,
  warnings: string[],
): Promise<AgentRecord> {
  const name = agentName(a.name, options.name, path, warnings);
  let type = a.agent_type;
  if (!(AGENT_TYPES as readonly string[]).includes(type)) {
    warnings.push(`${path}.agent_type: '${type}' is not served by this server; imported as letta_v1_agent`);
    type = 'letta_v1_agent';
  }
  if (hasValue(a.secrets) || hasValue(a.tool_exec_environment_variables)) {
    warnings.push(`${path}.secrets: not stored: tool secrets are kept once the tools sandbox exists`);
  }
  const llm = a.llm_config ?? {};
  const model = options.model ?? a.model ?? handleOf(llm.handle, llm.model_endpoint_type, llm.model);
  const emb = a.embedding_config ?? {};
  const embedding =
    options.embedding ??
    a.embedding ??
    handleOf(emb.handle, emb.embedding_endpoint_type, emb.embedding_model);
  const settings: JsonObject = { ...(a.model_settings ?? {}) };
  if (a.model_settings === null && typeof llm.temperature === 'number' && llm.temperature !== 0.7)
    settings.temperature = llm.temperature;
  if (a.model_settings === null && typeof llm.max_tokens === 'number')
    settings.max_output_tokens = llm.max_tokens;
  const now = nowIso();
  const agent: AgentRecord = {
    id: newId('agent'),
    organization_id: ctx.org,
    name,
    description: a.description,
    agent_type: type,
    system: a.system ?? defaultSystemPrompt(type as (typeof AGENT_TYPES)[number]),
    model: model
      ? checkedModel(deps, model, `${path}.llm_config`, warnings)
      : (deps.defaults.defaultLlmHandle() ?? null),
    embedding: embedding
      ? checkedEmbedding(deps, embedding, `${path}.embedding_config`, warnings)
      : (deps.defaults.defaultEmbeddingHandle ?? null),
    context_window_limit: a.context_window_limit ?? contextWindow(deps, llm.context_window, model),
    model_settings: settings,
    tool_rules: a.tool_rules,
    tags: a.tags,
    metadata: a.metadata ?? {},
    last_stop_reason: null,
    created_at: now,
    updated_at: now,
  };
  await tx.agents.insert(agent);
  return agent;
}

/**
 * The explicit name, or the file's one made valid here. Names may repeat, as in Letta V1 (a
 * tutorial-API lookup by name finds the oldest agent of that name).
 */
function agentName(fileName: string, explicit: string | undefined, path: string, warnings: string[]): string {
  if (explicit !== undefined) {
    if (!NAME_RE.test(explicit))
      throw new LettaError('VALIDATION_ERROR', `name '${explicit}' has an invalid format`);
    return explicit;
  }
  const name =
    fileName
      .replace(/[^A-Za-z0-9 ._-]/g, '_')
      .replace(/^[^A-Za-z0-9]+/, '')
      .slice(0, 100) || 'imported-agent';
  if (name !== fileName)
    warnings.push(`${path}.name: '${fileName}' is not a valid name here; imported as '${name}'`);
  return name;
}

/** `llm_config.context_window`, unless it is the model's own window here (then none is stored). */
function contextWindow(deps: ImportDeps, window: unknown, model: string | undefined): number | null {
  if (typeof window !== 'number' || !Number.isInteger(window) || window <= 0 || window > 2_147_483_647)
    return null;
  return model && deps.providers.contextWindowFor(deps.defaults.normalizeModel(model)) === window
    ? null
    : window;
}

function handleOf(handle: unknown, provider: unknown, model: unknown): string | undefined {
  if (typeof handle === 'string' && handle !== '') return handle;
  if (typeof model !== 'string' || model === '') return undefined;
  return typeof provider === 'string' && provider !== '' ? `${provider}/${model}` : model;
}

function checkedModel(deps: ImportDeps, handle: string, path: string, warnings: string[]): string {
  const normalized = deps.defaults.normalizeModel(handle);
  try {
    deps.providers.resolve(normalized);
  } catch {
    warnings.push(
      `${path}: model '${normalized}' is not served by this server; kept as is (import with 'model' to change it)`,
    );
  }
  return normalized;
}

function checkedEmbedding(deps: ImportDeps, handle: string, path: string, warnings: string[]): string {
  try {
    deps.providers.resolveEmbedding(handle);
  } catch {
    warnings.push(
      `${path}: embedding model '${handle}' is not served by this server; kept as is (import with 'embedding' to change it)`,
    );
  }
  return handle;
}

function buildBlock(deps: ImportDeps, ctx: RequestContext, b: AgentFileBlock, path: string): BlockRecord {
  try {
    return deps.blocks.build(ctx, {
      label: String(b.label),
      value: String(b.value ?? ''),
      limit: Math.max(typeof b.limit === 'number' ? b.limit : 0, String(b.value ?? '').length) || undefined,
      description: b.description ?? null,
      read_only: b.read_only === true,
      metadata: b.metadata ?? {},
      tags: b.tags ?? [],
    });
  } catch (err) {
    if (err instanceof LettaError)
      throw new LettaError('AGENT_FILE_INVALID', `${path}: ${err.message}`, { extra: { path } });
    throw err;
  }
}

/** Built-in tools an agent names in `tools` (Letta's create-time list of names). */
async function namedBuiltins(
  tx: Store,
  org: string,
  a: AgentFileAgent,
  path: string,
  warnings: string[],
): Promise<ToolRecord[]> {
  const names = (a as unknown as { tools?: unknown }).tools;
  if (!Array.isArray(names) || names.length === 0) return [];
  const wanted = names.filter((n): n is string => typeof n === 'string');
  const served = wanted.filter((n) => builtinTool(n) !== undefined);
  for (const n of wanted)
    if (!served.includes(n))
      warnings.push(`${path}.tools: tool '${n}' is not served by this server, dropped`);
  return tx.tools.findByNames(org, served);
}

function agentToolRows(
  a: AgentFileAgent,
  byFileId: Map<string, ToolRecord>,
  named: ToolRecord[],
): ToolRecord[] {
  const out = new Map<string, ToolRecord>();
  for (const id of a.tool_ids) {
    const t = byFileId.get(id);
    if (t) out.set(t.id, t);
  }
  for (const t of named) out.set(t.id, t);
  return [...out.values()];
}

function checkToolRules(a: AgentFileAgent, tools: ToolRecord[], path: string, warnings: string[]): void {
  const names = new Set(tools.map((t) => t.name));
  a.tool_rules.forEach((r, i) => {
    const name = (r as { tool_name?: unknown }).tool_name;
    if (typeof name === 'string' && !names.has(name))
      warnings.push(
        `${path}.tool_rules[${i}]: refers to tool '${name}', which the imported agent does not have`,
      );
  });
}

async function importMessages(
  tx: Store,
  ctx: RequestContext,
  a: AgentFileAgent,
  agent: AgentRecord,
  conversationId: string,
  systemContext: string[],
  path: string,
  warnings: string[],
): Promise<void> {
  const target = { org: ctx.org, agentId: agent.id, conversationId };
  const stored = new Map<string, NewMessage[]>();
  const all: NewMessage[] = [];
  for (const [i, m] of a.messages.entries()) {
    const records = fileMessageToRecords(m, target, `${path}.messages[${i}]`, warnings);
    stored.set(m.id, records);
    all.push(...records);
  }
  if (all.length === 0) return;
  await tx.messages.insertMany(all);
  const context = [...systemContext];
  for (const id of a.in_context_message_ids) for (const r of stored.get(id) ?? []) context.push(r.id);
  await tx.conversations.setContext(ctx.org, conversationId, context, nowIso());
}
