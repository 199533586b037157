/**
 * The start of a turn, in two parts: what is read before the conversation is claimed (the
 * agent's blocks and tools, the user messages counted), and what is written in the transaction
 * of the claim (the run running, the system message recompiled if memory changed, the user
 * messages stored and the in-context list extended). The user's messages are stored before the
 * model is called; a run cancelled while it queued never starts.
 */
import { LettaError } from '../errors.js';
import { newId } from '../ids.js';
import type { RequestContext } from '../request-context.js';
import type { FolderRecord } from '../store/folder-repository.js';
import type {
  AgentRecord,
  BlockRecord,
  ConversationRecord,
  MessageRecord,
  NewMessage,
  RunRecord,
  ToolRecord,
} from '../store/records.js';
import { nowIso } from '../store/records.js';
import type { Store } from '../store/store.js';
import { pendingApproval, pendingApprovalError } from './approvals.js';
import type { ContextCache } from './context-cache.js';
import { messageBase } from './message-base.js';
import { refreshSystemMessage } from './system-message.js';
import { countTokensAsync } from './tokens.js';

/** A user message of the turn, as the caller gave it. */
export interface UserInput {
  content: string;
  name?: string | undefined;
  otid?: string | undefined;
}

export interface PreparedTurn {
  blocks: BlockRecord[];
  tools: ToolRecord[];
  folders: FolderRecord[];
  /** The user messages (ids assigned), stored by {@link beginTurn}. */
  userMessages: NewMessage[];
}

/** An agent's memory blocks, tools and folders, as a turn reads them. */
export interface AgentState {
  blocks: BlockRecord[];
  tools: ToolRecord[];
  folders: FolderRecord[];
}

/** Reads the agent's blocks, tools and folders (three reads at once). */
export async function readAgentState(
  store: Store,
  ctx: RequestContext,
  agent: AgentRecord,
): Promise<AgentState> {
  const [blocks, tools, folders] = await Promise.all([
    store.blocks.listForAgent(ctx.org, agent.id),
    store.tools.listForAgent(ctx.org, agent.id),
    store.folders.listForAgent(ctx.org, agent.id),
  ]);
  return { blocks, tools, folders };
}

/**
 * Reads what a turn needs before its conversation is claimed; `state` is the agent's state when
 * the caller read it already (at the same time as the conversation).
 */
export async function prepareTurn(
  store: Store,
  ctx: RequestContext,
  agent: AgentRecord,
  run: RunRecord,
  conversationId: string,
  input: UserInput[],
  clientTools: readonly { name: string }[] = [],
  state?: Promise<AgentState>,
): Promise<PreparedTurn> {
  const { blocks, tools, folders } = await (state ?? readAgentState(store, ctx, agent));
  const clash = clientTools.find((c) => tools.some((t) => t.name === c.name));
  if (clash)
    throw new LettaError(
      'VALIDATION_ERROR',
      `client tool '${clash.name}' has the name of a tool attached to the agent: rename it, or detach the agent's tool`,
    );
  const base = messageBase(ctx.org, agent, conversationId, run, nowIso());
  const userMessages: NewMessage[] = [];
  for (const m of input) {
    userMessages.push({
      ...base,
      id: newId('message'),
      role: 'user',
      content: m.content,
      name: m.name ?? null,
      otid: m.otid ?? null,
      tokens: await countTokensAsync(m.content),
    });
  }
  return { blocks, tools, folders, userMessages };
}

/**
 * Starts the turn inside `tx` on the conversation as just claimed. Returns the in-context
 * messages (user messages included), or undefined when the run was cancelled while it queued.
 */
export async function beginTurn(
  tx: Store,
  ctx: RequestContext,
  agent: AgentRecord,
  run: RunRecord,
  conv: ConversationRecord,
  turn: PreparedTurn,
  cache: ContextCache,
): Promise<MessageRecord[] | undefined> {
  const now = nowIso();
  if (!(await tx.runs.transition(ctx.org, run.id, 'running', {}, now))) return undefined;
  let context =
    cache.get(conv.id, conv.in_context_message_ids) ??
    (await tx.messages.getMany(ctx.org, conv.in_context_message_ids));
  const pending = pendingApproval(context);
  if (pending && turn.userMessages.length > 0) throw pendingApprovalError(pending);
  context = await refreshSystemMessage(tx, ctx, agent, conv, turn.blocks, context, false, turn.folders);
  await tx.messages.insertMany(turn.userMessages);
  await tx.conversations.setContext(
    ctx.org,
    conv.id,
    [...context.map((m) => m.id), ...turn.userMessages.map((m) => m.id)],
    now,
  );
  return [...context, ...turn.userMessages.map((m, i) => ({ ...m, seq: i }) as MessageRecord)];
}
