/**
 * Imports point down: http → services → runtime → store. Parses every import of src/**\/*.ts
 * (static `import … from`, `export … from`, side-effect `import '…'` and dynamic `import('…')`,
 * type-only ones included: a type that points up is still a dependency that points up) and fails
 * on each edge that breaks a rule, printed as `from → to`:
 *
 * - a layer imports only its own layer, the layers below it and the base modules;
 * - base modules (`errors.ts`, `ids.ts`, `logger.ts`, `config.ts`, `limits.ts`, `metrics.ts`,
 *   `telemetry.ts`, `src/net/`) may be imported from anywhere and import only base modules;
 * - the composition root (`src/cli/`, `src/core.ts`, `src/index.ts`) imports anything and is
 *   imported by nothing else;
 * - `src/client/` and `src/dev-model/` stand apart: they import base modules and their own
 *   folder, except that the client's types are `import type` of the tutorial API's schemas
 *   (`src/http/`), so renaming a field breaks the client's build;
 * - nothing under `src/http/` imports from `src/store/` except types from `store/records.ts`, or
 *   mentions `core.store`: routes reach the data through services.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Upward edges tolerated for now (none: issue 13 removed the last five). An edge listed here that
 * no longer exists fails too, so the list cannot go stale.
 */
const allowed = new Set<string>([]);

const SRC = fileURLToPath(new URL('../src', import.meta.url));
const BASE = new Set([
  'errors.ts',
  'ids.ts',
  'logger.ts',
  'config.ts',
  'limits.ts',
  'metrics.ts',
  'request-context.ts',
  'hnsw-settings.ts',
  'telemetry.ts',
]);
const RANK = { store: 1, runtime: 2, services: 3, http: 4 } as const;
type Layer = keyof typeof RANK | 'base' | 'root' | 'apart';

interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
}

/** Every .ts file under src/, by its path relative to src/ (`http/app.ts`), comments removed. */
function readSources(): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of readdirSync(SRC, { recursive: true, encoding: 'utf8' })) {
    if (!entry.endsWith('.ts')) continue;
    const text = readFileSync(join(SRC, entry), 'utf8');
    out.set(
      entry.split('\\').join('/'),
      text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1'),
    );
  }
  return out;
}

/** The module specifiers `text` imports, with whether the import is type-only. */
function importsOf(text: string): Array<{ spec: string; typeOnly: boolean }> {
  const out: Array<{ spec: string; typeOnly: boolean }> = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(type\s+)?([^;]*?)\s*from\s*['"]([^'"]+)['"]/gm)) {
    const clause = (m[2] ?? '').trim();
    let typeOnly = m[1] !== undefined;
    if (!typeOnly && clause.startsWith('{')) {
      const specifiers = clause
        .slice(1, -1)
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
      typeOnly = specifiers.length > 0 && specifiers.every((s) => s.startsWith('type '));
    }
    out.push({ spec: m[3] ?? '', typeOnly });
  }
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm))
    out.push({ spec: m[1] ?? '', typeOnly: false });
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g))
    out.push({ spec: m[1] ?? '', typeOnly: false });
  return out;
}

/** The src-relative file a relative specifier names (`../store/index.js` → `store/index.ts`). */
function resolve(from: string, spec: string, files: Map<string, string>): string | undefined {
  const path = posix.normalize(posix.join(posix.dirname(from), spec)).replace(/\.js$/, '.ts');
  return [path, `${path}.ts`, `${path}/index.ts`].find((p) => files.has(p));
}

function layerOf(path: string): Layer {
  if (BASE.has(path) || path.startsWith('net/')) return 'base';
  if (path.startsWith('cli/') || path === 'core.ts' || path === 'index.ts') return 'root';
  if (path.startsWith('client/') || path.startsWith('dev-model/')) return 'apart';
  const top = path.split('/')[0] as keyof typeof RANK;
  if (top in RANK) return top;
  throw new Error(`src/${path} belongs to no layer: add it to test/layers.test.ts`);
}

/** Why `edge` breaks a rule, or undefined when it does not. */
function violation({ from, to, typeOnly }: Edge): string | undefined {
  const a = layerOf(from);
  const b = layerOf(to);
  if (a === 'http' && b === 'store' && !(typeOnly && to === 'store/records.ts'))
    return 'http may import only types from store/records.ts';
  if (a === 'root') return undefined;
  if (b === 'root') return 'imports the composition root';
  if (a === 'base') return b === 'base' ? undefined : 'a base module imports a layer';
  if (a === 'apart') {
    if (b === 'base' || from.split('/')[0] === to.split('/')[0]) return undefined;
    if (from.startsWith('client/') && b === 'http' && typeOnly) return undefined;
    return `${from.split('/')[0]} stands apart from the server`;
  }
  if (b === 'base') return undefined;
  if (b === 'apart') return `imports ${to.split('/')[0]}, which stands apart`;
  return RANK[b] > RANK[a] ? `${a} imports ${b}, which is above it` : undefined;
}

const files = readSources();
const edges: Edge[] = [];
const unresolved: string[] = [];
for (const [from, text] of files) {
  for (const { spec, typeOnly } of importsOf(text)) {
    if (!spec.startsWith('.')) continue;
    const to = resolve(from, spec, files);
    if (to === undefined) unresolved.push(`${from}: '${spec}'`);
    else edges.push({ from, to, typeOnly });
  }
}

describe('layers', () => {
  it('parses the import graph', () => {
    expect(unresolved).toEqual([]);
    expect(files.size).toBeGreaterThan(50);
    const has = (from: string, to: string, typeOnly: boolean) =>
      edges.some((e) => e.from === from && e.to === to && e.typeOnly === typeOnly);
    expect(has('http/app.ts', 'http/route.ts', false)).toBe(true); // import { … } from
    expect(has('http/route.ts', 'services/services.ts', true)).toBe(true); // import type
    expect(has('http/index.ts', 'http/app.ts', false)).toBe(true); // export { … } from
    expect(has('runtime/llm/provider-config.ts', 'runtime/llm/anthropic-provider.ts', false)).toBe(true); // import('…')
  });

  it('finds an edge that points up, with its kind', () => {
    const text = [
      "import type { Store } from '../store/store.js';",
      "import { type A, type B } from './a.js';",
      "export { c } from '../services/c.js';",
      "const d = await import('../http/d.js');",
    ].join('\n');
    expect(importsOf(text)).toEqual([
      { spec: '../store/store.js', typeOnly: true },
      { spec: './a.js', typeOnly: true },
      { spec: '../services/c.js', typeOnly: false },
      { spec: '../http/d.js', typeOnly: false },
    ]);
    expect(violation({ from: 'runtime/x.ts', to: 'services/c.ts', typeOnly: false })).toBe(
      'runtime imports services, which is above it',
    );
    expect(violation({ from: 'http/x.ts', to: 'store/store.ts', typeOnly: true })).toBeDefined();
    expect(violation({ from: 'http/x.ts', to: 'store/records.ts', typeOnly: true })).toBeUndefined();
    expect(violation({ from: 'http/x.ts', to: 'store/records.ts', typeOnly: false })).toBeDefined();
    expect(violation({ from: 'config.ts', to: 'runtime/x.ts', typeOnly: true })).toBeDefined();
    expect(violation({ from: 'services/x.ts', to: 'core.ts', typeOnly: true })).toBeDefined();
    expect(violation({ from: 'client/x.ts', to: 'http/x.ts', typeOnly: true })).toBeUndefined();
    expect(violation({ from: 'client/x.ts', to: 'http/x.ts', typeOnly: false })).toBeDefined();
    expect(violation({ from: 'cli/x.ts', to: 'http/x.ts', typeOnly: false })).toBeUndefined();
  });

  it('has no import that points up', () => {
    const found = new Map<string, string>();
    for (const edge of edges) {
      const why = violation(edge);
      const name = `${edge.from} → ${edge.to}`;
      if (why && !allowed.has(name)) found.set(name, `${name}${edge.typeOnly ? ' (type-only)' : ''}: ${why}`);
    }
    expect(
      [...found.values()].sort(),
      `imports that break the layers:\n${[...found.values()].join('\n')}`,
    ).toEqual([]);
  });

  it('lists no allowed edge that is gone', () => {
    const present = new Set(edges.filter((e) => violation(e)).map((e) => `${e.from} → ${e.to}`));
    expect([...allowed].filter((name) => !present.has(name))).toEqual([]);
  });

  it('no route module touches the store', () => {
    const touching = [...files]
      .filter(([path, text]) => path.startsWith('http/') && /\bcore\.store\b/.test(text))
      .map(([path]) => `src/${path} mentions core.store`);
    expect(touching).toEqual([]);
  });
});
