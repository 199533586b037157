/**
 * Every code in the error catalog is raised somewhere: a file under src/ other than src/errors.ts
 * names it as a string literal (`new LettaError('CODE', …)`, a status-to-code table, a body built
 * by hand). Comments do not count, so a code that is only documented fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/errors.js';

const SRC = fileURLToPath(new URL('../src', import.meta.url));

/** The source of every .ts file under src/ except the catalog, with comments removed. */
function sources(): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of readdirSync(SRC, { recursive: true, encoding: 'utf8' })) {
    if (!entry.endsWith('.ts')) continue;
    const path = join(SRC, entry);
    const rel = relative(SRC, path).split('\\').join('/');
    if (rel === 'errors.ts') continue;
    out.set(rel, stripComments(readFileSync(path, 'utf8')));
  }
  return out;
}

/** Drops block comments and line comments (not `//` inside a string such as a URL). */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

const files = sources();

describe('error catalog codes are raised', () => {
  it('scans the sources', () => {
    expect(files.size).toBeGreaterThan(50);
    expect(files.has('core.ts')).toBe(true);
  });

  it('every code is named by some file under src/ other than src/errors.ts', () => {
    const unused: string[] = [];
    for (const code of Object.keys(ERROR_CODES)) {
      const literal = new RegExp(`(['"\`])${code}\\1`);
      if (![...files.values()].some((text) => literal.test(text))) unused.push(code);
    }
    expect(
      unused,
      `codes in src/errors.ts that nothing under src/ throws or references (raise them or remove them from the catalog and docs/errors.md): ${unused.join(', ')}`,
    ).toEqual([]);
  });
});
