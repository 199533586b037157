/**
 * Splits parsed text into chunks of about `maxChars` characters along line boundaries (a line
 * longer than that is cut at word boundaries), each remembering the lines it covers (1-based),
 * which grep and search results show. Yields to the event loop every few hundred chunks, so a
 * 50 MB file does not hold the server up.
 *
 * @example
 * for await (const c of chunkText('a\nb', 1000)) c // { text: 'a\nb', start_line: 1, end_line: 2 }
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';

export interface TextChunk {
  text: string;
  start_line: number;
  end_line: number;
}

const YIELD_EVERY = 200;

export async function* chunkText(text: string, maxChars: number): AsyncGenerator<TextChunk> {
  let parts: string[] = [];
  let size = 0;
  let start = 1;
  let line = 0;
  let emitted = 0;
  let pos = 0;
  let lastLine = 0; // the number of the last line in `parts`
  const flush = (): TextChunk | undefined => {
    const body = parts.join('\n');
    const chunk = body.trim() === '' ? undefined : { text: body, start_line: start, end_line: lastLine };
    parts = [];
    size = 0;
    return chunk;
  };
  while (pos <= text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl < 0 ? text.length : nl;
    const current = text.slice(pos, end).replace(/\r$/, '');
    pos = end + 1;
    line++;
    if (size > 0 && size + current.length + 1 > maxChars) {
      const c = flush();
      if (c) {
        yield c;
        if (++emitted % YIELD_EVERY === 0) await yieldToLoop();
      }
    }
    if (size === 0) start = line;
    if (current.length > maxChars) {
      for (const piece of splitLong(current, maxChars)) {
        yield { text: piece, start_line: line, end_line: line };
        if (++emitted % YIELD_EVERY === 0) await yieldToLoop();
      }
      continue;
    }
    parts.push(current);
    lastLine = line;
    size += current.length + 1;
    if (nl < 0) break;
  }
  const last = flush();
  if (last) yield last;
}

function* splitLong(line: string, maxChars: number): Generator<string> {
  let rest = line;
  while (rest.length > maxChars) {
    let cut = rest.lastIndexOf(' ', maxChars);
    if (cut < maxChars / 2) cut = maxChars;
    yield rest.slice(0, cut);
    rest = rest.slice(cut).trimStart();
  }
  if (rest.trim() !== '') yield rest;
}
