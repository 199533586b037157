/**
 * A conversation's system message: the agent's system prompt with its memory compiled in (blocks,
 * how many messages and archival memories exist). Compiled when a conversation is made and again
 * only when memory changed (the fingerprint of block ids and versions), inside the transaction
 * that changed it.
 */
import { newId } from '../ids.js';
import type { RequestContext } from '../request-context.js';
import type { FolderRecord } from '../store/folder-repository.js';
import type {
  AgentRecord,
  BlockRecord,
  ConversationRecord,
  MessageRecord,
  NewMessage,
} from '../store/records.js';
import type { Store } from '../store/store.js';
import { compileDirectories } from './file-blocks.js';
import { compileMemory, compileSystemPrompt, memoryFingerprint } from './memory.js';
import { countTokensAsync } from './tokens.js';

/** What the agent is told about its archival memory. */
export interface ArchivalSummary {
  count: number;
  tags: string[];
  /** The `<directories>` section (attached folders' files), when the agent has folders. */
  directories?: string | null | undefined;
}

/**
 * How many archival memories the agent has (in every archive attached to it), and the files
 * section of its attached folders.
 */
export async function archivalSummary(store: Store, org: string, agentId: string): Promise<ArchivalSummary> {
  const archives = await store.archives.listForAgent(org, agentId);
  const [counts, directories] = await Promise.all([
    Promise.all(archives.map((a) => store.passages.count(org, a.id))),
    compileDirectories(store, org, agentId),
  ]);
  return { count: counts.reduce((n, c) => n + c, 0), tags: [], directories: directories.text };
}

export function compileSystemText(
  agent: AgentRecord,
  conv: ConversationRecord,
  blocks: BlockRecord[],
  recallCount: number,
  now: Date,
  archival: ArchivalSummary,
): string {
  const memory = compileMemory(blocks, {
    agentId: agent.id,
    conversationId: conv.is_default ? 'default' : conv.id,
    recallCount,
    archivalCount: archival.count,
    archivalTags: archival.tags,
    directories: archival.directories ?? null,
    now,
  });
  return compileSystemPrompt(agent.system, memory);
}

/** A freshly compiled system message for a new conversation. */
export async function newSystemMessage(
  ctx: RequestContext,
  agent: AgentRecord,
  conv: ConversationRecord,
  blocks: BlockRecord[],
  now: string,
  archival: ArchivalSummary,
): Promise<NewMessage> {
  const content = compileSystemText(agent, conv, blocks, 0, new Date(now), archival);
  return {
    id: newId('message'),
    organization_id: ctx.org,
    agent_id: agent.id,
    conversation_id: conv.id,
    role: 'system',
    content,
    reasoning: null,
    tool_calls: null,
    tool_call_id: null,
    name: null,
    status: null,
    run_id: null,
    step_id: null,
    otid: null,
    tokens: await countTokensAsync(content),
    metadata: {},
    created_at: now,
  };
}

/**
 * Whether {@link refreshSystemMessage} (not forced) would surely leave the context as it is,
 * without reading anything: an agent with folders is never sure (its `<directories>` section
 * depends on its files' state).
 */
export function systemMessageCurrent(
  agent: AgentRecord,
  conv: ConversationRecord,
  blocks: BlockRecord[],
  folders: FolderRecord[],
  context: MessageRecord[],
): boolean {
  if (context[0]?.role !== 'system') return true;
  return folders.length === 0 && memoryFingerprint(agent.system, blocks) === conv.memory_fingerprint;
}

/**
 * Rewrites the conversation's system message in place when memory changed (or `force`), inside
 * `tx`; returns the context with it. The conversation's fingerprint is updated with it.
 */
export async function refreshSystemMessage(
  tx: Store,
  ctx: RequestContext,
  agent: AgentRecord,
  conv: ConversationRecord,
  blocks: BlockRecord[],
  context: MessageRecord[],
  force: boolean,
  folders?: FolderRecord[],
): Promise<MessageRecord[]> {
  const files = await compileDirectories(tx, ctx.org, agent.id, folders);
  const fingerprint =
    memoryFingerprint(agent.system, blocks) + (files.fingerprint ? `#${files.fingerprint}` : '');
  const system = context[0];
  if (system?.role !== 'system') return context;
  if (!force && fingerprint === conv.memory_fingerprint) return context;
  const [recall, archival] = await Promise.all([
    tx.messages.count(ctx.org, { conversationId: conv.id }),
    archivalSummary(tx, ctx.org, agent.id),
  ]);
  const content = compileSystemText(agent, conv, blocks, recall, new Date(), archival);
  const tokens = await countTokensAsync(content);
  await tx.messages.updateContent(ctx.org, system.id, content, tokens);
  await tx.conversations.setFingerprint(ctx.org, conv.id, fingerprint);
  conv.memory_fingerprint = fingerprint;
  return [{ ...system, content, tokens }, ...context.slice(1)];
}
