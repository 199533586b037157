/**
 * What the next model call of a conversation will contain, part by part, with token counts: the
 * system prompt, core memory (the compiled blocks), the memory metadata (recall and archival
 * counts), the summary of evicted messages, the other in-context messages and the tool
 * definitions (Letta's `ContextWindowOverview`, `GET /v1/agents/{id}/context`).
 *
 * The parts add up to `context_window_size_current`, which is the count the agent loop checks
 * against the window before each step (stored message counts plus the tool definitions), so the
 * console's bars show exactly what compaction sees. When memory changed since the system message
 * was compiled, the next turn recompiles it first: the overview shows that recompiled text.
 *
 * @example
 * const o = await contextWindows.overview(ctx, agent);
 * o.context_window_size_current / o.context_window_size_max; // share of the window in use
 */
import type { ProviderRegistry } from '../runtime/llm/index.js';
import { memoryFingerprint } from '../runtime/memory.js';
import { archivalSummary, compileSystemText } from '../runtime/system-message.js';
import { countTokensAsync, MESSAGE_OVERHEAD } from '../runtime/tokens.js';
import { toolDefinitions, toolDefinitionTokens } from '../runtime/tools/tool-definitions.js';
import { contextWindowFor } from '../runtime/turn.js';
import type { AgentRecord, JsonObject, MessageRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import { recordToFileMessage } from './agent-files/message-mapping.js';
import type { RequestContext } from './context.js';
import type { ConversationService } from './conversation-service.js';

export interface ContextWindowDeps {
  store: Store;
  conversations: ConversationService;
  providers: ProviderRegistry;
  /** The window used when an agent sets no `context_window_limit` (capped by the model's own). */
  defaultContextWindow: number;
}

/** Letta's `ContextWindowOverview` (plus `conversation_id`). */
export interface ContextWindowOverview {
  context_window_size_max: number;
  context_window_size_current: number;
  num_messages: number;
  num_archival_memory: number;
  num_recall_memory: number;
  num_tokens_external_memory_summary: number;
  external_memory_summary: string;
  num_tokens_system: number;
  system_prompt: string;
  num_tokens_core_memory: number;
  core_memory: string;
  num_tokens_memory_filesystem: number;
  memory_filesystem: string | null;
  num_tokens_tool_usage_rules: number;
  tool_usage_rules: string | null;
  num_tokens_directories: number;
  directories: string | null;
  num_tokens_summary_memory: number;
  summary_memory: string | null;
  num_tokens_functions_definitions: number;
  functions_definitions: { type: 'function'; function: JsonObject }[];
  num_tokens_messages: number;
  messages: JsonObject[];
  conversation_id: string;
}

export class ContextWindowService {
  constructor(private readonly deps: ContextWindowDeps) {}

  /** The overview of `conversationId` (absent or `default`: the agent's default conversation). */
  async overview(
    ctx: RequestContext,
    agent: AgentRecord,
    conversationId?: string | null,
  ): Promise<ContextWindowOverview> {
    const { store } = this.deps;
    const conv = await this.deps.conversations.resolve(ctx, agent, conversationId);
    const [records, blocks, tools, recall, archival] = await Promise.all([
      store.messages.getMany(ctx.org, conv.in_context_message_ids),
      store.blocks.listForAgent(ctx.org, agent.id),
      store.tools.listForAgent(ctx.org, agent.id),
      store.messages.count(ctx.org, { conversationId: conv.id }),
      archivalSummary(store, ctx.org, agent.id),
    ]);
    let [system, ...rest] = records;
    if (system?.role !== 'system') {
      // No system message (never the case for a conversation made by this server).
      if (system) rest = [system, ...rest];
      system = undefined;
    }
    let systemText = system?.content ?? '';
    let systemTokens = system?.tokens ?? 0;
    if (system && memoryFingerprint(agent.system, blocks) !== conv.memory_fingerprint) {
      // The next turn recompiles it before calling the model (memory changed since).
      systemText = compileSystemText(agent, conv, blocks, recall, new Date(), archival);
      systemTokens = await countTokensAsync(systemText);
      system = { ...system, content: systemText, tokens: systemTokens };
    }
    const parts = splitSystem(systemText);
    const coreTokens = await bare(parts.core);
    const externalTokens = await bare(parts.external);

    const summary = rest[0]?.role === 'user' && rest[0].metadata.kind === 'summary' ? rest[0] : undefined;
    const others = summary ? rest.slice(1) : rest;
    const messageTokens = others.reduce((n, m) => n + m.tokens, 0);

    const defs = toolDefinitions(agent, tools);
    const toolTokens = defs.length > 0 ? toolDefinitionTokens(defs) : 0;
    const current = systemTokens + (summary?.tokens ?? 0) + messageTokens + toolTokens;
    const shown = system ? [system, ...rest] : rest;
    return {
      context_window_size_max: this.windowOf(agent),
      context_window_size_current: current,
      num_messages: shown.length,
      num_archival_memory: archival.count,
      num_recall_memory: recall,
      num_tokens_external_memory_summary: externalTokens,
      external_memory_summary: parts.external,
      // The rest of the system message (its template, the framing): the parts add up.
      num_tokens_system: Math.max(systemTokens - coreTokens - externalTokens, 0),
      system_prompt: parts.prompt,
      num_tokens_core_memory: coreTokens,
      core_memory: parts.core,
      num_tokens_memory_filesystem: 0,
      memory_filesystem: null,
      num_tokens_tool_usage_rules: 0,
      tool_usage_rules: null,
      num_tokens_directories: 0,
      directories: null,
      num_tokens_summary_memory: summary?.tokens ?? 0,
      summary_memory: summary?.content ?? null,
      num_tokens_functions_definitions: toolTokens,
      functions_definitions: defs.map((d) => ({
        type: 'function' as const,
        function: { name: d.name, description: d.description, parameters: d.parameters as JsonObject },
      })),
      num_tokens_messages: messageTokens,
      messages: shown.map(messageView),
      conversation_id: conv.id,
    };
  }

  /** The window the agent's turns must fit in (see `contextWindowFor`). */
  private windowOf(agent: AgentRecord): number {
    const fallback = this.deps.defaultContextWindow;
    if (agent.model) {
      try {
        return contextWindowFor(agent, this.deps.providers.resolve(agent.model), fallback);
      } catch {
        // a model no provider serves: its first send fails anyway; show the configured window
      }
    }
    return agent.context_window_limit ?? fallback;
  }
}

/** Tokens of a piece of text inside a message (no per-message framing). */
async function bare(text: string): Promise<number> {
  return text ? (await countTokensAsync(text)) - MESSAGE_OVERHEAD : 0;
}

/**
 * The compiled system text in three: core memory (`<memory_blocks>…</memory_blocks>`), the
 * memory metadata (`<memory_metadata>…</memory_metadata>`) and the prompt around them.
 */
export function splitSystem(text: string): { prompt: string; core: string; external: string } {
  const cut = (open: string, close: string, from: number) => {
    const start = text.indexOf(open, from);
    if (start < 0) return undefined;
    const end = text.indexOf(close, start);
    return end < 0 ? undefined : { start, end: end + close.length };
  };
  const core = cut('<memory_blocks>', '</memory_blocks>', 0);
  const external = cut('<memory_metadata>', '</memory_metadata>', core?.end ?? 0);
  let prompt = text;
  for (const range of [external, core]) {
    if (range) prompt = `${prompt.slice(0, range.start)}${prompt.slice(range.end)}`;
  }
  return {
    prompt: prompt.replace(/\n{3,}/g, '\n\n').trim(),
    core: core ? text.slice(core.start, core.end) : '',
    external: external ? text.slice(external.start, external.end) : '',
  };
}

/** Letta's `Message` for a stored message (its agent-file form, with ids and run links). */
function messageView(m: MessageRecord): JsonObject {
  return {
    ...recordToFileMessage(m, m.agent_id, m.id),
    conversation_id: m.conversation_id,
    run_id: m.run_id,
    step_id: m.step_id,
  };
}
