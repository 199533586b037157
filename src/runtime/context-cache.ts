/**
 * In-process cache of each conversation's in-context messages. A send must not re-read its whole
 * context window from the database: the conversation row's `in_context_message_ids` is read on
 * every send anyway, and when it equals the cached id list (the common case: this process ran the
 * previous turn) the cached records are used as they are. Any difference (another process ran a
 * turn, a reset) falls back to one read. Only one run at a time holds a conversation, so the entry
 * cannot change under a run. Bounded by the total number of cached messages (LRU).
 */
import type { MessageRecord } from '../store/records.js';

export class ContextCache {
  private readonly entries = new Map<string, MessageRecord[]>();
  private size = 0;

  constructor(private readonly maxMessages = 50_000) {}

  /** The cached records when they are exactly `ids`, else undefined. */
  get(conversationId: string, ids: readonly string[]): MessageRecord[] | undefined {
    const records = this.entries.get(conversationId);
    if (!records || records.length !== ids.length) return undefined;
    for (let i = 0; i < ids.length; i++) if (records[i]?.id !== ids[i]) return undefined;
    // Refresh its LRU position.
    this.entries.delete(conversationId);
    this.entries.set(conversationId, records);
    return records;
  }

  set(conversationId: string, records: MessageRecord[]): void {
    this.delete(conversationId);
    if (records.length > this.maxMessages) return;
    this.entries.set(conversationId, records);
    this.size += records.length;
    for (const [key, value] of this.entries) {
      if (this.size <= this.maxMessages) break;
      this.entries.delete(key);
      this.size -= value.length;
    }
  }

  delete(conversationId: string): void {
    const old = this.entries.get(conversationId);
    if (!old) return;
    this.entries.delete(conversationId);
    this.size -= old.length;
  }
}
