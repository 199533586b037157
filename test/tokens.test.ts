/**
 * Token counting: linear for every shape of input (no piece handed to the byte-pair encoder has a
 * pre-token longer than a constant, which is what makes the encoder's quadratic merge harmless),
 * exact on ordinary text, within a stated error on long runs, and sliced so that the event loop
 * runs while a large text is counted.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import api from 'gpt-tokenizer/encoding/o200k_base';
import { beforeAll, describe, expect, it } from 'vitest';
import { countPieces, LONG_RUN } from '../src/runtime/token-pieces.js';
import { countTokens, countTokensAsync, MESSAGE_OVERHEAD, warmTokenizer } from '../src/runtime/tokens.js';
import { seeded } from './support/fuzz-gen.js';

// o200k's pre-tokenizer (gpt-tokenizer's O200K_TOKEN_SPLIT_PATTERN), to measure what the encoder gets.
const C = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?";
const SPLIT = new RegExp(
  `[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+${C}|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*${C}|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`,
  'gu',
);
const exact = (text: string) =>
  (api as unknown as { countStringTokens(t: string): number }).countStringTokens(text);

/** countPieces with an encoder that records the longest pre-token it was given. */
function longestPreToken(text: string): { count: number; longest: number } {
  let longest = 0;
  const count = countPieces(text, (piece) => {
    for (const [m] of piece.matchAll(SPLIT)) longest = Math.max(longest, m.length);
    return exact(piece);
  });
  return { count, longest };
}

const rng = seeded(1207);
const randomOf = (n: number, alphabet: string) => {
  const chars = [...alphabet];
  let s = '';
  for (let i = 0; i < n; i++) s += chars[Math.floor(rng() * chars.length)];
  return s;
};
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const SPACES = ' \t\n\r\u00a0\u1680\u2000\u2003\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff';
const HOSTILE: Record<string, string> = {
  spaces: ' '.repeat(200_000),
  nbsp: '\u00a0'.repeat(40_000),
  tabs: '\t'.repeat(50_000),
  newlines: '\n'.repeat(50_000),
  'unicode spaces': randomOf(30_000, SPACES),
  'one long word': 'y'.repeat(50_000),
  base64: randomOf(50_000, B64),
  cjk: randomOf(20_000, '的一是不了人我在有他这为之大来以个中上们'),
  emoji: randomOf(10_000, '😀😃🎉👍🏽👩‍💻'),
  'combining marks': `a${'\u0301'.repeat(30_000)}`,
  'runs just over the limit': Array.from({ length: 300 }, () => randomOf(LONG_RUN + 1, B64)).join(' '),
  'nbsp between letters': '\u00a0x'.repeat(30_000),
  'space newline': ' \n'.repeat(30_000),
  'spaces then a word': `${' '.repeat(100_000)}word`,
  punctuation: randomOf(50_000, '!@#$%^&*()[]{};:,.<>/?\\|`~'),
};

beforeAll(async () => {
  await warmTokenizer();
});

describe('token counting', () => {
  it.each(Object.entries(HOSTILE))('%s: the encoder never sees a long pre-token', (_name, text) => {
    const { count, longest } = longestPreToken(text);
    expect(longest).toBeLessThanOrEqual(2 * LONG_RUN + 2);
    expect(count).toBeGreaterThan(0);
  });

  it('a fuzz of hostile shapes: short pre-tokens, counts within 3% of the exact count', () => {
    const parts = [
      () => ' '.repeat(Math.floor(rng() * 400)),
      () => '\u00a0'.repeat(Math.floor(rng() * 300)),
      () => randomOf(Math.floor(rng() * 300), SPACES),
      () => randomOf(Math.floor(rng() * 400), B64),
      () => 'z'.repeat(Math.floor(rng() * 400)),
      () => randomOf(Math.floor(rng() * 50), 'héllo wörld 的一是 😀 '),
      () => 'The quick brown fox jumps over the lazy dog. ',
    ];
    let total = 0;
    let totalExact = 0;
    for (let round = 0; round < 60; round++) {
      let text = '';
      while (text.length < 3000) text += parts[Math.floor(rng() * parts.length)]!();
      const { count, longest } = longestPreToken(text);
      expect(longest).toBeLessThanOrEqual(2 * LONG_RUN + 2);
      total += count;
      totalExact += exact(text);
    }
    expect(Math.abs(total - totalExact) / totalExact).toBeLessThan(0.03);
  });

  it('is exact on ordinary text (this repository: docs and source)', () => {
    const files = [
      'README.md',
      'docs/ARCHITECTURE.md',
      'docs/errors.md',
      ...readdirSync('src/runtime')
        .filter((f) => f.endsWith('.ts'))
        .map((f) => join('src/runtime', f)),
    ];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expect(countTokens(text), file).toBe(exact(text) + MESSAGE_OVERHEAD);
    }
  });

  it('runs of one repeated space, tab, newline, NBSP, letter or digit count exactly', () => {
    for (const n of [129, 130, 200, 256, 257, 300, 1000, 1023]) {
      for (const c of [' ', '\t', '\n', '\u00a0', 'y', '0']) {
        const text = /\s/.test(c) ? `a${c.repeat(n)}b` : c.repeat(n);
        expect(countTokens(text), `${JSON.stringify(c)} × ${n}`).toBe(exact(text) + MESSAGE_OVERHEAD);
      }
    }
  });

  it('counts special-token strings as text instead of throwing', () => {
    expect(countTokens('say <|endoftext|> and <|im_start|>')).toBeGreaterThan(MESSAGE_OVERHEAD + 5);
  });

  it('counts long text in slices, exact on ordinary text, letting the event loop run between them', async () => {
    const text = readFileSync('README.md', 'utf8').repeat(8);
    let turns = 0;
    let running = true;
    const tick = () => {
      turns++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    const count = await countTokensAsync(text);
    running = false;
    expect(count).toBe(countTokens(text));
    // About one turn of the loop per slice: the count never held the loop for the whole text.
    expect(turns).toBeGreaterThan(text.length / 2048);
  });

  it('slices hostile text too (1 MB of spaces, the reported attack)', async () => {
    let turns = 0;
    let running = true;
    const tick = () => {
      turns++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    const count = await countTokensAsync(' '.repeat(1_000_000));
    running = false;
    expect(count).toBe(Math.ceil(1_000_000 / 128) + MESSAGE_OVERHEAD);
    expect(turns).toBeGreaterThan(500);
  });
});
