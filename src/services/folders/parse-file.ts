/**
 * Reads an uploaded file from its spool file on disk into text, without holding the event loop:
 * text kinds are decoded as a stream (HTML converted piece by piece), JSON is pretty-printed when
 * it is small enough to parse in one go, and PDFs go through `pdf-parse` (loaded on first use,
 * so the server's start does not pay for it) one page at a time, yielding between pages.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { LettaError } from '../../errors.js';
import type { FileKind } from './file-kind.js';
import { HtmlText } from './html-text.js';

/** JSON up to this size is re-indented (parsing is synchronous); larger is kept as sent. */
const PRETTY_JSON_BYTES = 4 * 1024 * 1024;

export interface ParsedFile {
  text: string;
  /** PDF pages, when the file is a PDF. */
  pages?: number | undefined;
}

export async function parseFile(path: string, kind: FileKind, signal?: AbortSignal): Promise<ParsedFile> {
  if (kind === 'pdf') return parsePdf(path, signal);
  const html = kind === 'html' ? new HtmlText() : undefined;
  const pieces: string[] = [];
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 256 * 1024 });
  for await (const piece of stream as AsyncIterable<string>) {
    if (signal?.aborted) {
      stream.destroy();
      throw new LettaError('CONFLICT', 'the job was cancelled');
    }
    if (html) html.push(piece);
    else pieces.push(piece);
  }
  let text = html ? html.end() : pieces.join('');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (kind === 'json' && text.length <= PRETTY_JSON_BYTES) {
    try {
      text = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      throw new LettaError('VALIDATION_ERROR', 'the file is not valid JSON');
    }
  }
  return { text };
}

async function parsePdf(path: string, signal?: AbortSignal): Promise<ParsedFile> {
  const { PDFParse } = await import('pdf-parse');
  const data = new Uint8Array(await readFile(path));
  const parser = new PDFParse({ data });
  try {
    let total: number;
    try {
      total = (await parser.getInfo()).total;
    } catch (err) {
      throw new LettaError('VALIDATION_ERROR', `the file is not a readable PDF: ${(err as Error).message}`);
    }
    const pages: string[] = [];
    for (let page = 1; page <= total; page++) {
      if (signal?.aborted) throw new LettaError('CONFLICT', 'the job was cancelled');
      const result = await parser.getText({ partial: [page] });
      pages.push(result.pages.map((p) => p.text).join('\n'));
      await yieldToLoop();
    }
    return { text: pages.join('\n\n'), pages: total };
  } finally {
    await parser.destroy().catch(() => {});
  }
}
