/**
 * Token counting with gpt-tokenizer (o200k, the tokenizer of current OpenAI models). Counts are
 * taken once per message at insert and stored, so a send never re-tokenizes its history. For
 * other providers the count is an estimate; compaction also trusts the provider's reported usage.
 *
 * The tokenizer's tables take a third of a second to load, so they are loaded in the background
 * once the server listens ({@link warmTokenizer}); until then, counts are estimated at four
 * characters a token.
 *
 * Counting is linear in the input whatever its shape ({@link countPieces}: long runs of
 * whitespace or of anything else are encoded in chunks). Text longer than {@link SLICE_CHARS} is
 * counted by {@link countTokensAsync} in slices with the event loop let go between them, so a
 * megabyte of hostile text costs other requests a few milliseconds at a time, not seconds.
 * Special-token strings (`<|endoftext|>`) in the text are counted as text.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { countPieces, sliceEnd } from './token-pieces.js';

/** Per-message framing overhead in chat formats (role markers and separators). */
export const MESSAGE_OVERHEAD = 4;
/**
 * Text up to this length is counted in one go: 0.1 ms of English, 4 ms at worst (random
 * non-ASCII symbols, about 4 µs a character in the library's byte-pair merge).
 */
export const SLICE_CHARS = 1024;

let encode: ((text: string) => number) | undefined;
let loading: Promise<void> | undefined;

/** Loads the tokenizer (idempotent); counts use it from then on. */
export function warmTokenizer(): Promise<void> {
  loading ??= import('gpt-tokenizer/encoding/o200k_base').then((m) => {
    // countStringTokens (untyped, present in the pinned 4.0.0) counts special-token strings as
    // text; the public countTokens throws on them unless told not to, which costs a Set a call.
    const api = m.default as unknown as { countStringTokens?: (text: string) => number };
    const options = { disallowedSpecial: new Set<string>() };
    // The library's merge cache (an LRU Map of 100,000 pieces) turns quadratic once full: each
    // hit deletes and re-inserts, and each eviction walks the Map's holes (measured: 40,000
    // characters of "\u00a0x" 0.16 s without it, 1.5 s with it after 200,000 distinct pieces).
    // Without it, ordinary text counts faster (1 MB of English 60 ms instead of 104 ms).
    m.setMergeCacheSize(0);
    encode =
      typeof api.countStringTokens === 'function'
        ? api.countStringTokens.bind(api)
        : (text) => m.countTokens(text, options);
  });
  return loading;
}

/** Whether counts are exact (the tokenizer is loaded) rather than estimated. */
export function tokenizerLoaded(): boolean {
  return encode !== undefined;
}

function count(text: string): number {
  return encode ? countPieces(text, encode) : Math.ceil(text.length / 4);
}

/**
 * Tokens of one message's text, with its framing. Synchronous: for text that may be long (a
 * user's message, a tool's return, a compiled system prompt), use {@link countTokensAsync}.
 */
export function countTokens(text: string | null | undefined): number {
  if (!text) return MESSAGE_OVERHEAD;
  return count(text) + MESSAGE_OVERHEAD;
}

/**
 * {@link countTokens}, in slices of about {@link SLICE_CHARS} characters cut where the tokenizer
 * cuts, letting other requests run between slices.
 *
 * @example
 * await countTokensAsync(body.message); // 1 MB: about 1,000 slices, other requests run between them
 */
export async function countTokensAsync(text: string | null | undefined): Promise<number> {
  if (!text || text.length <= SLICE_CHARS) return countTokens(text);
  let total = MESSAGE_OVERHEAD;
  for (let start = 0; start < text.length; ) {
    const end = sliceEnd(text, start + SLICE_CHARS, 256);
    total += count(text.slice(start, end));
    start = end;
    if (start < text.length) await yieldToLoop();
  }
  return total;
}
