/**
 * Compaction: when a request would pass {@link TRIGGER} of the context window, the oldest part
 * of the in-context messages is summarised by one model call into a summary message placed right
 * after the system message. Evicted messages stay in the database (recall memory) and stay
 * searchable. The cut never separates a tool call from its tool return: the kept part always
 * starts at a user or assistant message, never at a tool return.
 */
import { newId } from '../ids.js';
import type { RequestContext } from '../request-context.js';
import type { AgentRecord, MessageRecord, NewMessage, RunRecord } from '../store/records.js';
import { nowIso } from '../store/records.js';
import type { Store } from '../store/store.js';
import { toChatMessages } from './chat-context.js';
import { isAbortError } from './llm/index.js';
import type { ChatMessage, ModelClient, ResolvedModel } from './llm/types.js';
import { messageBase } from './message-base.js';
import { countTokensAsync } from './tokens.js';

/** Compact when a request would use more than this share of the window. */
export const TRIGGER = 0.9;
/** After compaction the kept messages fit in this share of the window. */
export const KEEP = 0.6;
/** Characters of transcript sent to the summarizer, at most. */
const CLIP_CHARS = 50_000;

export interface CompactionPlan {
  /** Messages to summarise (the oldest, after the system message). */
  evicted: MessageRecord[];
  /** Messages that stay in context, in order (without the system message). */
  kept: MessageRecord[];
}

/** Whether `tokens` (messages + tools + reserve) needs compaction in `window`. */
export function needsCompaction(tokens: number, window: number): boolean {
  return tokens > window * TRIGGER;
}

/**
 * Chooses what to evict from `rest` (in-context messages without the system message) so the kept
 * part plus `fixedTokens` (system prompt, tools, reserve) fits in KEEP of the window, evicting at
 * least `minEvictFraction` of the messages. Returns null when nothing can be evicted.
 */
export function planCompaction(
  rest: MessageRecord[],
  fixedTokens: number,
  window: number,
  minEvictFraction = 0,
): CompactionPlan | null {
  const budget = Math.max(window * KEEP - fixedTokens, 0);
  let keptTokens = 0;
  let cut = rest.length;
  // Walk back from the newest message while the kept part fits.
  while (cut > 0 && keptTokens + (rest[cut - 1]?.tokens ?? 0) <= budget) {
    cut--;
    keptTokens += rest[cut]?.tokens ?? 0;
  }
  // The provider said the context is too long although our count fits: evict a share anyway.
  cut = Math.max(cut, Math.ceil(rest.length * minEvictFraction));
  // Never start the kept part with a tool return (it would lose its call).
  while (cut < rest.length && rest[cut]?.role === 'tool') cut++;
  // Always keep the newest message (the user's turn in progress).
  if (cut >= rest.length) cut = rest.length - 1;
  while (cut > 0 && rest[cut]?.role === 'tool') cut--;
  if (cut <= 0) return null;
  return { evicted: rest.slice(0, cut), kept: rest.slice(cut) };
}

/** The summarizer call: one request, the evicted transcript in, a summary out. */
export async function summarize(
  client: ModelClient,
  model: string,
  evicted: MessageRecord[],
  signal?: AbortSignal,
): Promise<string> {
  const transcript = transcriptOf(evicted);
  const messages: ChatMessage[] = [
    {
      role: 'system',
      content:
        'You summarise conversations for an AI agent whose context window is full. Write a concise summary (at most 300 words) of the conversation below: facts learned about the user, decisions, open questions and the current topic. Write in the third person; do not invent anything.',
    },
    { role: 'user', content: transcript },
  ];
  const result = await client.chat({ model, messages, maxTokens: 1024, ...(signal ? { signal } : {}) });
  return (result.content ?? '').trim();
}

export function summaryText(evictedCount: number, summary: string): string {
  return `Note: ${evictedCount} earlier messages have been hidden from view due to context window limits; they remain searchable with conversation_search. Summary of the hidden messages:\n${summary}`;
}

function transcriptOf(evicted: MessageRecord[]): string {
  const lines = toChatMessages(evicted).map((m) => {
    if (m.role === 'tool') return `[tool ${m.name} returned] ${m.content}`;
    if (m.role === 'assistant') {
      const calls = (m.toolCalls ?? []).map((c) => `[called ${c.name}(${c.arguments})]`).join(' ');
      return `assistant: ${m.content ?? ''} ${calls}`.trim();
    }
    return `${m.role}: ${m.content}`;
  });
  const text = lines.join('\n');
  return text.length <= CLIP_CHARS ? text : `…${text.slice(text.length - CLIP_CHARS)}`;
}

/**
 * Who and where a compaction happens: the turn's agent, conversation, run and model (`run` null
 * when the API asked for it: `POST /v1/agents/{id}/summarize`).
 */
export interface CompactionScope {
  ctx: RequestContext;
  agent: AgentRecord;
  conversationId: string;
  run: RunRecord | null;
  model: ResolvedModel;
  signal: AbortSignal;
}

/**
 * Compacts the in-context messages (system message first) to fit `window`: the evicted part is
 * summarised, the summary stored as a message right after the system message, and the new
 * in-context list written, in one transaction. Returns the new context (unchanged when nothing
 * can be evicted). A summarizer failure leaves a note pointing at conversation_search instead.
 */
export async function compactContext(
  store: Store,
  scope: CompactionScope,
  context: MessageRecord[],
  fixedTokens: number,
  window: number,
  minEvictFraction = 0,
): Promise<MessageRecord[]> {
  const [system, ...rest] = context;
  if (!system) return context;
  const plan = planCompaction(rest, system.tokens + fixedTokens, window, minEvictFraction);
  if (!plan) return context;
  let summary: string;
  try {
    summary = await summarize(scope.model.client, scope.model.model, plan.evicted, scope.signal);
  } catch (err) {
    if (isAbortError(err) || scope.signal.aborted) throw err;
    summary = '(the summary could not be generated; use conversation_search to recall earlier messages)';
  }
  const at = nowIso();
  const content = summaryText(plan.evicted.length, summary);
  const message: NewMessage = {
    ...messageBase(scope.ctx.org, scope.agent, scope.conversationId, scope.run, at),
    id: newId('message'),
    role: 'user',
    content,
    tokens: await countTokensAsync(content),
    metadata: { kind: 'summary', stats: { evicted: plan.evicted.length, kept: plan.kept.length } },
  };
  const next = [system, { ...message, seq: 0 } as MessageRecord, ...plan.kept];
  await store.transaction(async (tx) => {
    await tx.messages.insertMany([message]);
    await tx.conversations.setContext(
      scope.ctx.org,
      scope.conversationId,
      next.map((m) => m.id),
      at,
    );
  });
  return next;
}
