/**
 * Compaction: when a request would pass {@link TRIGGER} of the context window, the oldest part
 * of the in-context messages is summarised by one model call into a summary message placed right
 * after the system message. Evicted messages stay in the database (recall memory) and stay
 * searchable. The cut never separates a tool call from its tool return: the kept part always
 * starts at a user or assistant message, never at a tool return.
 */
import type { MessageRecord } from '../store/records.js';
import { toChatMessages } from './chat-context.js';
import type { ChatMessage, ModelClient } from './llm/types.js';

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
