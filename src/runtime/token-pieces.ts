/**
 * Token counting in linear time, for any input. Byte-pair encoding costs the square of a
 * pre-token's length (gpt-tokenizer merges by scanning the whole piece), and o200k's pre-tokenizer
 * keeps a whitespace run or a run without whitespace whole: `' '.repeat(100_000)` was one piece
 * and took 6 s. Here no piece handed to the encoder is longer than a small constant:
 *
 * - text between long runs goes to the encoder as it is (its pre-tokens are short);
 * - a run of more than {@link LONG_RUN} whitespace or non-whitespace characters is encoded in
 *   chunks ({@link chunkLength}) and the chunk counts summed.
 *
 * Exactness: cuts are made only where o200k's pre-tokenizer cuts too, except inside long runs.
 * A run of one repeated space, tab, newline, NBSP, letter or digit counts exactly (chunks are
 * multiples of those tokens' lengths); other long runs (base64, minified data, mixed Unicode
 * spaces) are within a few percent (test/tokens.test.ts measures 3% on a fuzz of such shapes).
 */

/** Runs longer than this are encoded in chunks. */
export const LONG_RUN = 128;
const LONG_RUN_RE = new RegExp(`\\s{${LONG_RUN + 1},}|\\S{${LONG_RUN + 1},}`, 'g');
const ASCII_RE = /^[\x00-\x7f]*$/;

/** Chunk length for a long run: short enough that one chunk's encoding stays cheap. */
function chunkLength(run: string): number {
  // Multiples of the longest tokens of repeated characters (128 spaces, 16 tabs or newlines,
  // 8 NBSP) and of 3 (digits are pre-tokenized in threes).
  if (!ASCII_RE.test(run.slice(0, 256))) return 48; // 2–4 bytes a character
  return /\s/.test(run[0] ?? '') ? 128 : 96;
}

/** Where to cut `text` at or after `from` so that no surrogate pair is split. */
function safeCut(text: string, at: number): number {
  const code = text.charCodeAt(at);
  return code >= 0xdc00 && code <= 0xdfff ? at + 1 : at;
}

function countRun(run: string, encode: (text: string) => number): number {
  const size = chunkLength(run);
  let total = 0;
  let previous = '';
  let previousCount = 0;
  for (let i = 0; i < run.length; ) {
    // The last chunk takes the remainder (a run of n ≥ size counts as its own tokens would:
    // tokens of 17–20 tabs exist, so 129 tabs are 8 tokens, not 128 + 1 → 9).
    const end = run.length - i < 2 * size ? run.length : safeCut(run, i + size);
    const chunk = run.slice(i, end);
    // A run of one repeated character repeats its chunks: encode each distinct one once.
    if (chunk !== previous) {
      previous = chunk;
      previousCount = encode(chunk);
    }
    total += previousCount;
    i = end;
  }
  return total;
}

/**
 * Counts the tokens of `text` with `encode` (an exact byte-pair count) without ever handing it a
 * piece longer than a few hundred characters, so the cost is linear in `text.length`.
 *
 * @example
 * countPieces(' '.repeat(100_000), countStringTokens); // 782, in a millisecond
 */
export function countPieces(text: string, encode: (text: string) => number): number {
  let total = 0;
  let last = 0;
  for (const m of text.matchAll(LONG_RUN_RE)) {
    const start = m.index;
    let run = m[0];
    // A whitespace run gives its last character to the word after it (" word" is one token).
    const end = start + run.length;
    if (end < text.length && /[^\S\r\n]$/.test(run)) run = run.slice(0, -1);
    if (start > last) total += encode(text.slice(last, start));
    total += countRun(run, encode);
    last = start + run.length;
  }
  if (last < text.length) total += encode(last === 0 ? text : text.slice(last));
  return total;
}

/**
 * The first place at or after `from` (and before `from + window`) where `text` can be cut without
 * changing its count: before the last whitespace character (not a line break) of a run that is
 * followed by a word. Falls back to `from + window` (a cut inside a long run, off by a token).
 */
export function sliceEnd(text: string, from: number, window: number): number {
  if (from + window >= text.length) return text.length;
  const piece = text.slice(from, from + window);
  const m = /[^\S\r\n](?=\S)/.exec(piece);
  if (m) return from + m.index;
  return safeCut(text, from + window);
}
