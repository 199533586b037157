/**
 * The kinds of file a folder takes, told by the name's extension, else by the part's media type.
 *
 * @example
 * fileKind('notes.md', 'application/octet-stream') // { kind: 'markdown', mime: 'text/markdown' }
 */
import { LettaError } from '../../errors.js';

export type FileKind = 'text' | 'markdown' | 'html' | 'json' | 'csv' | 'pdf';

const BY_EXTENSION: Record<string, FileKind> = {
  txt: 'text',
  text: 'text',
  log: 'text',
  md: 'markdown',
  markdown: 'markdown',
  mdx: 'markdown',
  html: 'html',
  htm: 'html',
  json: 'json',
  jsonl: 'text',
  csv: 'csv',
  tsv: 'csv',
  pdf: 'pdf',
};

const BY_MIME: Record<string, FileKind> = {
  'text/plain': 'text',
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'text/html': 'html',
  'application/json': 'json',
  'text/csv': 'csv',
  'application/pdf': 'pdf',
};

const MIME_OF: Record<FileKind, string> = {
  text: 'text/plain',
  markdown: 'text/markdown',
  html: 'text/html',
  json: 'application/json',
  csv: 'text/csv',
  pdf: 'application/pdf',
};

export function fileKind(fileName: string, mimeType: string | undefined): { kind: FileKind; mime: string } {
  const ext = /\.([A-Za-z0-9]+)$/.exec(fileName)?.[1]?.toLowerCase();
  const kind =
    (ext === undefined ? undefined : BY_EXTENSION[ext]) ??
    BY_MIME[(mimeType ?? '').split(';')[0]?.trim().toLowerCase() ?? ''];
  if (!kind) {
    throw new LettaError(
      'FILE_TYPE_UNSUPPORTED',
      `'${fileName}' (${mimeType || 'no media type'}) is not a supported file type: text, Markdown, HTML, JSON, CSV or PDF`,
    );
  }
  return { kind, mime: MIME_OF[kind] };
}

export function kindOfMime(mime: string): FileKind {
  return BY_MIME[mime] ?? 'text';
}
