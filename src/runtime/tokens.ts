/**
 * Token counting with gpt-tokenizer (o200k, the tokenizer of current OpenAI models). Counts are
 * taken once per message at insert and stored, so a send never re-tokenizes its history. For
 * other providers the count is an estimate; compaction also trusts the provider's reported usage.
 *
 * The tokenizer's tables take a third of a second to load, so they are loaded in the background
 * once the server listens ({@link warmTokenizer}); until then, counts are estimated at four
 * characters a token.
 *
 * BPE is quadratic on long runs without whitespace (`'y'.repeat(20000)` takes seconds), so runs
 * longer than {@link LONG_RUN} characters (base64, minified data, hostile input) are estimated at
 * one token per {@link CHARS_PER_TOKEN_LONG} characters instead: counting stays linear in the input.
 */

/** Per-message framing overhead in chat formats (role markers and separators). */
export const MESSAGE_OVERHEAD = 4;
const LONG_RUN = 64;
const CHARS_PER_TOKEN_LONG = 3;
const LONG_RUN_RE = new RegExp(`\\S{${LONG_RUN + 1},}`, 'g');

let bpe: ((text: string) => number) | undefined;
let loading: Promise<void> | undefined;

/** Loads the tokenizer (idempotent); counts use it from then on. */
export function warmTokenizer(): Promise<void> {
  loading ??= import('gpt-tokenizer/encoding/o200k_base').then((m) => {
    bpe = m.countTokens;
  });
  return loading;
}

/** Whether counts are exact (the tokenizer is loaded) rather than estimated. */
export function tokenizerLoaded(): boolean {
  return bpe !== undefined;
}

function count(text: string): number {
  return bpe ? bpe(text) : Math.ceil(text.length / 4);
}

export function countTokens(text: string | null | undefined): number {
  if (!text) return MESSAGE_OVERHEAD;
  if (text.length <= LONG_RUN) return count(text) + MESSAGE_OVERHEAD;
  let estimated = 0;
  const rest = text.replace(LONG_RUN_RE, (run) => {
    estimated += Math.ceil(run.length / CHARS_PER_TOKEN_LONG);
    return ' ';
  });
  return count(rest) + estimated + MESSAGE_OVERHEAD;
}
