/**
 * Token counting with gpt-tokenizer (o200k, the tokenizer of current OpenAI models). Counts are
 * taken once per message at insert and stored, so a send never re-tokenizes its history. For
 * other providers the count is an estimate; compaction also trusts the provider's reported usage.
 */
import { countTokens as count } from 'gpt-tokenizer/encoding/o200k_base';

/** Per-message framing overhead in chat formats (role markers and separators). */
export const MESSAGE_OVERHEAD = 4;

export function countTokens(text: string | null | undefined): number {
  if (!text) return MESSAGE_OVERHEAD;
  return count(text) + MESSAGE_OVERHEAD;
}
