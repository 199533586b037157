import api from 'gpt-tokenizer/encoding/o200k_base';
import { it } from 'vitest';
import { countPieces } from '../src/runtime/token-pieces.js';

api.setMergeCacheSize(0);
const exact = (s: string) =>
  (api as unknown as { countStringTokens(t: string): number }).countStringTokens(s);
const rnd = (n: number, alphabet: string) => {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return s;
};
const b64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const shapes: Record<string, string> = {
  spaces: ' '.repeat(100_000),
  nbsp: '\u00a0'.repeat(50_000),
  tabs: '\t'.repeat(100_000),
  newlines: '\n'.repeat(100_000),
  wsmix: rnd(50_000, ' \t\n\u00a0\u2003\u3000\u2028'),
  'y-run': 'y'.repeat(100_000),
  base64: rnd(100_000, b64),
  runs129: Array.from({ length: 770 }, () => rnd(129, b64)).join(' '),
  runs128: Array.from({ length: 770 }, () => rnd(128, b64)).join(' '),
  cjk: rnd(30_000, '的一是不了人我在有他这为之大来以个中上们'),
  emoji: rnd(25_000, '😀😃🎉👍🏽'),
  combining: 'a' + '\u0301'.repeat(50_000),
  punct: rnd(100_000, '!@#$%^&*()[]{};:,.<>/?'),
  digits: rnd(100_000, '0123456789'),
  'alt-sp-word': 'a '.repeat(50_000),
  'alt-nbsp-x': '\u00a0x'.repeat(50_000),
  'sp-nl': ' \n'.repeat(50_000),
  words: 'The quick brown fox jumps over the lazy dog. '.repeat(2_200),
};
it('shapes', () => {
  for (const [name, s] of Object.entries(shapes)) {
    const a = performance.now();
    const n = countPieces(s, exact);
    const ms = performance.now() - a;
    console.log(
      `${name.padEnd(12)} exact? ${s.length <= 30_000 ? exact(s) : '-'} ${name.padEnd(12)} ${String(s.length).padStart(8)} chars ${String(n).padStart(8)} tokens ${ms.toFixed(0).padStart(5)} ms`,
    );
  }
});
