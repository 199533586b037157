/**
 * The pure parts of folder ingestion: which kinds of file are taken, HTML to text fed piece by
 * piece (a tag or a script cut between pieces), and chunking along lines with the line range each
 * chunk covers (a line longer than a chunk is cut at words).
 */
import { describe, expect, it } from 'vitest';
import { LettaError } from '../src/errors.js';
import { chunkText } from '../src/services/folders/chunk-text.js';
import { fileKind } from '../src/services/folders/file-kind.js';
import { HtmlText } from '../src/services/folders/html-text.js';

async function chunks(text: string, max: number) {
  const out = [];
  for await (const c of chunkText(text, max)) out.push(c);
  return out;
}

describe('folder parsing', () => {
  it('tells kinds by extension, else by media type, and refuses the rest', () => {
    expect(fileKind('a.MD', undefined)).toEqual({ kind: 'markdown', mime: 'text/markdown' });
    expect(fileKind('data', 'application/json; charset=utf-8').kind).toBe('json');
    expect(fileKind('x.tsv', 'application/octet-stream').kind).toBe('csv');
    expect(() => fileKind('a.exe', 'application/octet-stream')).toThrow(LettaError);
  });

  it('turns HTML into text across piece boundaries', () => {
    const h = new HtmlText();
    for (const piece of [
      '<html><he',
      'ad><scr',
      'ipt>var a = "<p>no</p>";</scr',
      'ipt></head><body><h1>T',
      'itle</h1><p>Fish &amp; chips &#233;',
      '</p><ul><li>one</li><li>two</li></ul></body>',
    ])
      h.push(piece);
    const text = h.end();
    expect(text).toBe('Title\n\nFish & chips é\n\none\n\ntwo');
  });

  it('chunks along lines, keeps line ranges, and cuts an overlong line at words', async () => {
    const text = ['alpha', 'beta', 'gamma', '', 'delta'].join('\n');
    expect(await chunks(text, 12)).toEqual([
      { text: 'alpha\nbeta', start_line: 1, end_line: 2 },
      { text: 'gamma\n', start_line: 3, end_line: 4 },
      { text: 'delta', start_line: 5, end_line: 5 },
    ]);
    const long = await chunks(`short\n${'word '.repeat(10).trim()}`, 12);
    expect(long[0]).toEqual({ text: 'short', start_line: 1, end_line: 1 });
    expect(long.slice(1).every((c) => c.start_line === 2 && c.text.length <= 12)).toBe(true);
    expect(
      long
        .slice(1)
        .map((c) => c.text)
        .join(' '),
    ).toBe('word '.repeat(10).trim());
    expect(await chunks('\n\n  \n', 100)).toEqual([]);
  });
});
