/**
 * What the API may do to a conversation's context window between turns: recompile its system
 * message from the agent's current memory, compact (summarise) it now, and fork it into a new
 * conversation. Recompile and compact hold the conversation's claim (as a run does) and never
 * wait for it: while a run holds the conversation they answer 409 CONVERSATION_BUSY.
 */
import { LettaError } from '../errors.js';
import { newId } from '../ids.js';
import { compactContext } from '../runtime/compaction.js';
import type { ConversationGate } from '../runtime/conversation-gate.js';
import type { ProviderRegistry } from '../runtime/llm/index.js';
import { memoryFingerprint } from '../runtime/memory.js';
import {
  archivalSummary,
  compileSystemText,
  newSystemMessage,
  refreshSystemMessage,
} from '../runtime/system-message.js';
import { countTokensAsync } from '../runtime/tokens.js';
import { toolDefinitions, toolDefinitionTokens } from '../runtime/tools/tool-definitions.js';
import { contextWindowFor } from '../runtime/turn.js';
import type { AgentRecord, ConversationRecord, NewMessage } from '../store/records.js';
import { nowIso } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { RequestContext } from './context.js';

/** Letta's default share of the messages a sliding-window compaction evicts. */
const SLIDING_WINDOW_SHARE = 0.3;

export interface CompactionOptions {
  /** `sliding_window` (default) evicts `share` of the messages at least; `all` all but the newest. */
  mode?: string | null | undefined;
  share?: number | null | undefined;
}

export interface CompactionOutcome {
  summary: string;
  num_messages_before: number;
  num_messages_after: number;
}

export interface ContextMaintenanceDeps {
  store: Store;
  gate: ConversationGate;
  providers: ProviderRegistry;
  defaultModel: () => string | undefined;
  defaultContextWindow: number;
}

export class ContextMaintenanceService {
  constructor(private readonly deps: ContextMaintenanceDeps) {}

  /**
   * Rebuilds the conversation's system message from the agent's current memory and returns its
   * text; `dryRun` compiles without storing.
   */
  async recompile(
    ctx: RequestContext,
    agent: AgentRecord,
    conv: ConversationRecord,
    dryRun: boolean,
  ): Promise<string> {
    const { store } = this.deps;
    if (dryRun) {
      const [blocks, recall, archival] = await Promise.all([
        store.blocks.listForAgent(ctx.org, agent.id),
        store.messages.count(ctx.org, { conversationId: conv.id }),
        archivalSummary(store, ctx.org, agent.id),
      ]);
      return compileSystemText(agent, conv, blocks, recall, new Date(), archival);
    }
    return this.holding(agent, conv, (held) =>
      store.transaction(async (tx) => {
        const blocks = await tx.blocks.listForAgent(ctx.org, agent.id);
        const context = await tx.messages.getMany(ctx.org, held.in_context_message_ids);
        const next = await refreshSystemMessage(tx, ctx, agent, held, blocks, context, true);
        // The message is rewritten in place (same id): a process holding this context in its
        // cache would not see the change, so the next turn is told to compile it again.
        await tx.conversations.setFingerprint(ctx.org, held.id, '');
        return next[0]?.content ?? '';
      }),
    );
  }

  /** Summarises the oldest part of the conversation's context now (Letta's `summarize`). */
  async compact(
    ctx: RequestContext,
    agent: AgentRecord,
    conv: ConversationRecord,
    options: CompactionOptions,
  ): Promise<CompactionOutcome> {
    const { store } = this.deps;
    const model = this.resolveModel(agent);
    const share = options.mode === 'all' ? 1 : (options.share ?? SLIDING_WINDOW_SHARE);
    return this.holding(agent, conv, async (held) => {
      const [context, tools] = await Promise.all([
        store.messages.getMany(ctx.org, held.in_context_message_ids),
        store.tools.listForAgent(ctx.org, agent.id),
      ]);
      const window = contextWindowFor(agent, model, this.deps.defaultContextWindow);
      const scope = {
        ctx,
        agent,
        conversationId: held.id,
        run: null,
        model,
        signal: new AbortController().signal,
      };
      const toolTokens = toolDefinitionTokens(toolDefinitions(agent, tools));
      const next = await compactContext(store, scope, context, toolTokens, window, share);
      const compacted = next !== context;
      return {
        summary: compacted ? (next[1]?.content ?? '') : '',
        num_messages_before: context.length,
        num_messages_after: next.length,
      };
    });
  }

  /**
   * A new conversation of the same agent whose in-context messages are copies of `source`'s (new
   * ids, same content, in order), with its own system message compiled for it.
   */
  async fork(
    ctx: RequestContext,
    agent: AgentRecord,
    source: ConversationRecord,
  ): Promise<ConversationRecord> {
    const { store } = this.deps;
    const [blocks, archival, messages] = await Promise.all([
      store.blocks.listForAgent(ctx.org, agent.id),
      archivalSummary(store, ctx.org, agent.id),
      store.messages.getMany(ctx.org, source.in_context_message_ids),
    ]);
    const now = nowIso();
    const conv: ConversationRecord = {
      id: newId('conv'),
      organization_id: ctx.org,
      agent_id: agent.id,
      is_default: false,
      summary: source.summary,
      in_context_message_ids: [],
      memory_fingerprint: memoryFingerprint(agent.system, blocks),
      active_run_id: null,
      lease_until: null,
      archived: false,
      last_message_at: source.last_message_at,
      created_at: now,
      updated_at: now,
    };
    const copies: NewMessage[] = messages
      .filter((m) => m.role !== 'system')
      .map(({ seq: _seq, ...m }) => ({ ...m, id: newId('message'), conversation_id: conv.id }));
    const system = await newSystemMessage(ctx, agent, conv, blocks, now, archival);
    // Compiled again with the copied messages counted (recall memory), as a recompile would.
    const content = compileSystemText(agent, conv, blocks, copies.length + 1, new Date(now), archival);
    const all = [{ ...system, content, tokens: await countTokensAsync(content) }, ...copies];
    conv.in_context_message_ids = all.map((m) => m.id);
    await store.transaction(async (tx) => {
      await tx.conversations.insert(conv);
      await tx.messages.insertMany(all);
    });
    return conv;
  }

  /** Runs `fn` holding the conversation's claim; 409 CONVERSATION_BUSY when a run holds it. */
  private async holding<T>(
    agent: AgentRecord,
    conv: ConversationRecord,
    fn: (held: ConversationRecord) => Promise<T>,
  ): Promise<T> {
    // The same queue key as a send's (`Turns.queue`), so an in-process send waits for this.
    const ticket = this.deps.gate.enqueue(conv.is_default ? `default:${agent.id}` : conv.id);
    const claim = await ticket.acquire(conv.id, newId('run'), 0);
    try {
      return await fn(claim.conversation);
    } finally {
      await claim.release();
    }
  }

  private resolveModel(agent: AgentRecord) {
    const model = agent.model ?? this.deps.defaultModel();
    if (!model)
      throw new LettaError('MODEL_NOT_FOUND', `Agent '${agent.name}' has no model to summarise with`);
    return this.deps.providers.resolve(model);
  }
}
