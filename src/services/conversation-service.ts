/**
 * Conversations: threads of one agent. Each has its own in-context messages, starting with its
 * own compiled system message; all of an agent's conversations share its memory blocks.
 */
import { LettaError } from '../errors.js';
import { isId, newId } from '../ids.js';
import { memoryFingerprint } from '../runtime/memory.js';
import { type ArchivalSummary, archivalSummary, newSystemMessage } from '../runtime/system-message.js';
import type {
  AgentRecord,
  BlockRecord,
  ConversationRecord,
  NewMessage,
  PageQuery,
} from '../store/records.js';
import { nowIso } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { RequestContext } from './context.js';

export class ConversationService {
  constructor(private readonly store: Store) {}

  /** Creates a conversation and its system message inside the caller's transaction. */
  async createWithin(
    tx: Store,
    ctx: RequestContext,
    agent: AgentRecord,
    blocks: BlockRecord[],
    options: { isDefault: boolean; summary?: string | null },
  ): Promise<ConversationRecord> {
    const archival = await archivalSummary(tx, ctx.org, agent.id);
    const draft = await draftConversation(ctx, agent, blocks, archival, options);
    await insertDraft(tx, draft);
    return draft.conv;
  }

  /**
   * Creates a conversation. Its system message (the agent's whole memory, up to
   * LETTA_MAX_AGENT_BLOCK_CHARS) is compiled and counted before the transaction: on SQLite a
   * transaction holds the one connection, and counting 400,000 characters in slices inside it
   * kept every other tenant's reads waiting (270 ms measured).
   */
  async create(
    ctx: RequestContext,
    agent: AgentRecord,
    summary?: string | null,
  ): Promise<ConversationRecord> {
    const [blocks, archival] = await Promise.all([
      this.store.blocks.listForAgent(ctx.org, agent.id),
      archivalSummary(this.store, ctx.org, agent.id),
    ]);
    const draft = await draftConversation(ctx, agent, blocks, archival, {
      isDefault: false,
      summary: summary ?? null,
    });
    await this.store.transaction((tx) => insertDraft(tx, draft));
    return draft.conv;
  }

  /**
   * The conversation a send goes to: the agent's default one when `id` is absent or `default`,
   * else the conversation with that id, which must belong to the agent.
   */
  async resolve(ctx: RequestContext, agent: AgentRecord, id?: string | null): Promise<ConversationRecord> {
    if (id === undefined || id === null || id === 'default' || id === agent.id) {
      const conv = await this.store.conversations.getDefault(ctx.org, agent.id);
      if (!conv)
        throw new LettaError('CONVERSATION_NOT_FOUND', `Agent '${agent.name}' has no default conversation`);
      return conv;
    }
    return this.get(ctx, id, agent.id);
  }

  /** The ids of the messages in the agent's default context window (none when it has no default). */
  async inContextMessageIds(ctx: RequestContext, agentId: string): Promise<string[]> {
    const conv = await this.store.conversations.getDefault(ctx.org, agentId);
    return conv?.in_context_message_ids ?? [];
  }

  async get(ctx: RequestContext, id: string, agentId?: string): Promise<ConversationRecord> {
    if (!isId('conv', id))
      throw new LettaError('INVALID_ID', `'${id}' is not a valid conversation id (conv-<uuid4>)`);
    const conv = await this.store.conversations.get(ctx.org, id);
    if (!conv || (agentId !== undefined && conv.agent_id !== agentId)) {
      throw new LettaError('CONVERSATION_NOT_FOUND', `Conversation '${id}' not found`);
    }
    return conv;
  }

  list(
    ctx: RequestContext,
    query: PageQuery & { agentId?: string | undefined; includeArchived?: boolean },
  ): Promise<ConversationRecord[]> {
    return this.store.conversations.list(ctx.org, query);
  }

  async update(
    ctx: RequestContext,
    id: string,
    patch: { summary?: string | null },
  ): Promise<ConversationRecord> {
    await this.get(ctx, id);
    await this.store.conversations.update(ctx.org, id, patch, nowIso());
    return this.get(ctx, id);
  }

  /**
   * Empties the default conversation's in-context messages down to its system message (Letta's
   * `reset-messages`); the messages stay stored and listed.
   */
  async resetContext(ctx: RequestContext, agent: AgentRecord): Promise<ConversationRecord> {
    const conv = await this.resolve(ctx, agent, 'default');
    const keep = conv.in_context_message_ids.slice(0, 1);
    await this.store.conversations.setContext(ctx.org, conv.id, keep, nowIso());
    return { ...conv, in_context_message_ids: keep };
  }

  /** Soft delete (as Letta): the conversation is archived and leaves listings. */
  async archive(ctx: RequestContext, id: string): Promise<ConversationRecord> {
    const conv = await this.get(ctx, id);
    if (conv.is_default)
      throw new LettaError('BAD_REQUEST', "An agent's default conversation cannot be deleted");
    await this.store.conversations.update(ctx.org, id, { archived: true }, nowIso());
    return { ...conv, archived: true };
  }
}

interface ConversationDraft {
  conv: ConversationRecord;
  system: NewMessage;
}

async function draftConversation(
  ctx: RequestContext,
  agent: AgentRecord,
  blocks: BlockRecord[],
  archival: ArchivalSummary,
  options: { isDefault: boolean; summary?: string | null },
): Promise<ConversationDraft> {
  const now = nowIso();
  const conv: ConversationRecord = {
    id: newId('conv'),
    organization_id: ctx.org,
    agent_id: agent.id,
    is_default: options.isDefault,
    summary: options.summary ?? null,
    in_context_message_ids: [],
    memory_fingerprint: memoryFingerprint(agent.system, blocks),
    active_run_id: null,
    lease_until: null,
    archived: false,
    last_message_at: null,
    created_at: now,
    updated_at: now,
  };
  const system = await newSystemMessage(ctx, agent, conv, blocks, now, archival);
  conv.in_context_message_ids = [system.id];
  return { conv, system };
}

async function insertDraft(tx: Store, { conv, system }: ConversationDraft): Promise<void> {
  await tx.conversations.insert(conv);
  await tx.messages.insertMany([system]);
}
