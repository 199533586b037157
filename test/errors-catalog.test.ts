/** Every code in the error catalog is documented in docs/errors.md, with its status. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/errors.js';

const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
const rows = new Map(
  [...doc.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \| (.+) \|$/gm)].map((m) => [
    m[1] ?? '',
    { status: Number(m[2]), meaning: m[3] ?? '' },
  ]),
);

describe('error catalog', () => {
  it.each(Object.entries(ERROR_CODES))('documents %s (%i)', (code, status) => {
    const row = rows.get(code);
    expect(row, `${code} is missing from docs/errors.md`).toBeDefined();
    expect(row?.status, `${code}: docs/errors.md says ${row?.status}, src/errors.ts says ${status}`).toBe(
      status,
    );
    expect(row?.meaning.trim().length).toBeGreaterThan(10);
  });

  it('documents no code the catalog lacks', () => {
    expect([...rows.keys()].filter((code) => !(code in ERROR_CODES))).toEqual([]);
  });
});
