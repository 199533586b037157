/**
 * The JSON schema of a TypeScript or JavaScript tool, from its function's signature and JSDoc:
 * the first exported function (else the first top-level function, declaration or `const f =
 * (…) =>`), its parameters' TypeScript annotations (`string`, `number`, `boolean`, arrays,
 * object literals, `Record<string, T>`, literal unions), optional parameters and defaults, and
 * `@param name description` (with `{type}` used when the parameter has no annotation).
 *
 * Run on source that esbuild has already parsed (so it is valid TypeScript); this reads only the
 * signature, with comments and strings masked so brackets inside them do not count.
 *
 * @example
 * signatureSchema('/** Add. @param a first *\/\nexport function add(a: number, b = 2) { return a + b }')
 * // { name: 'add', description: 'Add.', parameters: { type: 'object', properties: { a: { type:
 * //   'number', description: 'first' }, b: { type: 'number', default: 2 } }, required: ['a'] } }
 */

export type JsonSchema = Record<string, unknown>;

export interface SignatureSchema {
  name: string;
  description: string;
  /** Parameter names in call order (the tool is called positionally). */
  params: string[];
  parameters: JsonSchema;
}

const FUNCTION_DECL =
  /\b(export\s+(?:default\s+)?)?(?:async\s+)?function\s*\*?\s*([A-Za-z_$][\w$]*)?\s*(?:<[^(]*>)?\s*\(/g;
const CONST_FN =
  /\b(export\s+)?(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]*)?=\s*(?:async\s+)?(?:function\b\s*\*?\s*[\w$]*\s*)?(?:<[^(]*>)?\s*\(/g;

/** The schema, or a message naming what cannot be read. */
export function signatureSchema(source: string): SignatureSchema | { error: string } {
  const masked = mask(source);
  const depth = braceDepths(masked);
  const found: Array<{ at: number; open: number; name: string | undefined; exported: boolean }> = [];
  for (const re of [FUNCTION_DECL, CONST_FN]) {
    re.lastIndex = 0;
    for (let m = re.exec(masked); m; m = re.exec(masked)) {
      if (depth[m.index] !== 0) continue;
      found.push({ at: m.index, open: m.index + m[0].length - 1, name: m[2], exported: Boolean(m[1]) });
    }
  }
  found.sort((a, b) => a.at - b.at);
  const fn = found.find((f) => f.exported) ?? found[0];
  if (!fn) return { error: 'the source defines no top-level function' };
  if (!fn.name) return { error: 'the tool function must have a name' };
  const close = matching(masked, fn.open);
  if (close < 0) return { error: `unbalanced parentheses in the signature of '${fn.name}'` };
  const doc = jsDoc(source, masked, fn.at);
  const props: Record<string, JsonSchema> = {};
  const required: string[] = [];
  const params: string[] = [];
  for (const [from, to] of splitTop(masked, fn.open + 1, close, ',')) {
    const text = source.slice(from, to).trim();
    if (text === '') continue;
    const p = /^([A-Za-z_$][\w$]*)\s*(\?)?/.exec(text);
    if (!p?.[1])
      return {
        error: `parameter '${text.slice(0, 40)}' of '${fn.name}' is not a plain name (destructuring and rest parameters need json_schema)`,
      };
    const name = p[1];
    const off = from + (source.slice(from, to).length - source.slice(from, to).trimStart().length);
    const colon = findTop(masked, off + p[0].length, to, ':');
    const eq = findTop(masked, off + p[0].length, to, '=');
    const typeText = colon >= 0 ? source.slice(colon + 1, eq >= 0 ? eq : to).trim() : undefined;
    const defaultText = eq >= 0 ? source.slice(eq + 1, to).trim() : undefined;
    const docParam = doc.params.get(name);
    const prop: JsonSchema = typeText
      ? typeSchema(typeText)
      : docParam?.type
        ? typeSchema(docParam.type)
        : {};
    const dflt = defaultText === undefined ? undefined : literal(defaultText);
    if (dflt !== undefined) {
      if (!('type' in prop) && !('anyOf' in prop)) {
        const t = jsonType(dflt);
        if (t) prop.type = t;
      }
      prop.default = dflt;
    }
    if (docParam?.description) prop.description = docParam.description;
    if (!p[2] && defaultText === undefined && !docParam?.optional && !optionalType(typeText))
      required.push(name);
    props[name] = orderKeys(prop);
    params.push(name);
  }
  return {
    name: fn.name,
    description: doc.description,
    params,
    parameters: { type: 'object', properties: props, required },
  };
}

/** JSON schema of a TypeScript type (best effort: an unknown type name is `{}`, any value). */
export function typeSchema(text: string): JsonSchema {
  let t = text.trim();
  while (t.startsWith('(') && matching(mask(t), 0) === t.length - 1) t = t.slice(1, -1).trim();
  if (t.startsWith('readonly ')) t = t.slice(9).trim();
  const m = mask(t);
  const union = splitTop(m, 0, t.length, '|')
    .map(([a, b]) => t.slice(a, b).trim())
    .filter((s) => s !== '');
  if (union.length > 1) {
    const kept = union.filter((s) => s !== 'undefined' && s !== 'null');
    const strings = kept.filter((s) => /^(['"]).*\1$/.test(s));
    if (strings.length === kept.length && kept.length > 0)
      return { type: 'string', enum: strings.map((s) => s.slice(1, -1)) };
    const numbers = kept.filter((s) => /^-?\d+(\.\d+)?$/.test(s));
    if (numbers.length === kept.length && kept.length > 0)
      return { type: 'number', enum: numbers.map(Number) };
    if (kept.every((s) => s === 'true' || s === 'false')) return { type: 'boolean' };
    if (kept.length === 1) return typeSchema(kept[0] ?? '');
    return { anyOf: kept.map(typeSchema) };
  }
  if (t.endsWith('[]')) return { type: 'array', items: typeSchema(t.slice(0, -2)) };
  const generic = /^([A-Za-z_$][\w$.]*)\s*<([\s\S]*)>$/.exec(t);
  if (generic) {
    const [, base, inner = ''] = generic;
    const args = splitTop(mask(inner), 0, inner.length, ',').map(([a, b]) => inner.slice(a, b).trim());
    if (base === 'Array' || base === 'ReadonlyArray' || base === 'Set')
      return { type: 'array', items: typeSchema(args[0] ?? '') };
    if (base === 'Record' || base === 'Map') {
      const value = typeSchema(args[1] ?? '');
      return Object.keys(value).length > 0
        ? { type: 'object', additionalProperties: value }
        : { type: 'object' };
    }
    if (base === 'Partial' || base === 'Readonly' || base === 'Required') return typeSchema(args[0] ?? '');
    return {};
  }
  if (t.startsWith('{') && t.endsWith('}')) return objectSchema(t);
  if (t.startsWith('[') && t.endsWith(']')) return { type: 'array' };
  if (/^(['"]).*\1$/.test(t)) return { type: 'string', enum: [t.slice(1, -1)] };
  if (/^-?\d+(\.\d+)?$/.test(t)) return { type: 'number', enum: [Number(t)] };
  switch (t) {
    case 'string':
    case 'String':
    case 'Date':
      return { type: 'string' };
    case 'number':
    case 'Number':
      return { type: 'number' };
    case 'bigint':
      return { type: 'integer' };
    case 'boolean':
    case 'Boolean':
    case 'true':
    case 'false':
      return { type: 'boolean' };
    case 'object':
    case 'Object':
      return { type: 'object' };
    case 'null':
      return { type: 'null' };
    default:
      return {};
  }
}

function objectSchema(t: string): JsonSchema {
  const inner = t.slice(1, -1);
  const m = mask(inner);
  const props: Record<string, JsonSchema> = {};
  const required: string[] = [];
  const members = splitTop(m, 0, inner.length, ';').flatMap(([a, b]) =>
    splitTop(m, a, b, ',').map(([c, d]) => [c, d] as const),
  );
  for (const [a, b] of members) {
    const text = inner.slice(a, b);
    const member = /^\s*(?:readonly\s+)?(['"]?)([A-Za-z_$][\w$-]*)\1\s*(\?)?\s*:/.exec(text);
    if (!member?.[2]) continue;
    const name = member[2];
    props[name] = typeSchema(text.slice(member[0].length));
    if (!member[3]) required.push(name);
  }
  return { type: 'object', properties: props, required };
}

function optionalType(typeText: string | undefined): boolean {
  if (!typeText) return false;
  const m = mask(typeText);
  return splitTop(m, 0, typeText.length, '|').some(([a, b]) => typeText.slice(a, b).trim() === 'undefined');
}

/** A default value written as a literal (number, string, boolean, null, JSON array/object). */
function literal(text: string): unknown {
  const t = text.trim();
  if (t === 'undefined') return undefined;
  const single = /^'((?:[^'\\]|\\.)*)'$/.exec(t) ?? /^`([^`$\\]*)`$/.exec(t);
  if (single) {
    try {
      return JSON.parse(`"${(single[1] ?? '').replace(/\\'/g, "'").replace(/"/g, '\\"')}"`);
    } catch {
      return undefined;
    }
  }
  // A JS object/array literal: single-quoted strings and bare keys made JSON.
  const json = t
    .replace(/'((?:[^'\\]|\\.)*)'/g, (_m, str: string) => JSON.stringify(str.replace(/\\'/g, "'")))
    .replace(/([{,]\s*)([A-Za-z_$][\w$]*)\s*:/g, '$1"$2":')
    .replace(/,\s*([\]}])/g, '$1');
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

function jsonType(v: unknown): string | undefined {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'boolean';
  if (Array.isArray(v)) return 'array';
  if (v && typeof v === 'object') return 'object';
  return undefined;
}

function orderKeys(p: JsonSchema): JsonSchema {
  const { type, description, default: d, ...rest } = p;
  return {
    ...(type !== undefined ? { type } : {}),
    ...rest,
    ...(description !== undefined ? { description } : {}),
    ...(d !== undefined ? { default: d } : {}),
  };
}

interface JsDoc {
  description: string;
  params: Map<string, { type?: string | undefined; description: string; optional: boolean }>;
}

/** The `/** … *\/` comment right before `at` (only blanks between), parsed. */
function jsDoc(source: string, masked: string, at: number): JsDoc {
  const out: JsDoc = { description: '', params: new Map() };
  const before = source.slice(0, at);
  const end = before.trimEnd();
  if (!end.endsWith('*/')) return out;
  const start = end.lastIndexOf('/**');
  if (start < 0 || masked.slice(start, end.length).trim() !== '') return out;
  const lines = end
    .slice(start + 3, -2)
    .split('\n')
    .map((l) => l.replace(/^\s*\*?\s?/, ''));
  const desc: string[] = [];
  let tag: { name: string; text: string[] } | undefined;
  const tags: Array<{ name: string; text: string[] }> = [];
  for (const line of lines) {
    const t = /^@(\w+)\s*(.*)$/.exec(line.trim());
    if (t) {
      tag = { name: t[1] ?? '', text: [t[2] ?? ''] };
      tags.push(tag);
    } else if (tag) tag.text.push(line.trim());
    else desc.push(line.trim());
  }
  out.description = desc.join(' ').replace(/\s+/g, ' ').trim();
  for (const tg of tags) {
    if (tg.name !== 'param' && tg.name !== 'arg' && tg.name !== 'argument') continue;
    let rest = tg.text.join(' ').replace(/\s+/g, ' ').trim();
    let type: string | undefined;
    if (rest.startsWith('{')) {
      const close = matching(mask(rest), 0);
      type = rest.slice(1, close).trim();
      rest = rest.slice(close + 1).trim();
    }
    const named = /^(\[)?([A-Za-z_$][\w$]*)(?:=[^\]]*)?\]?\s*(?:-\s*)?(.*)$/.exec(rest);
    if (!named?.[2]) continue;
    out.params.set(named[2], { type, description: (named[3] ?? '').trim(), optional: Boolean(named[1]) });
  }
  return out;
}

/** `source` with comments blanked and string/template contents blanked (quotes kept). */
function mask(source: string): string {
  const out = source.split('');
  let i = 0;
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  while (i < source.length) {
    const c = source[i];
    const n = source[i + 1];
    if (c === '/' && n === '/') {
      const e = source.indexOf('\n', i);
      const end = e < 0 ? source.length : e;
      blank(i, end);
      i = end;
    } else if (c === '/' && n === '*') {
      const e = source.indexOf('*/', i + 2);
      const end = e < 0 ? source.length : e + 2;
      blank(i, end);
      i = end;
    } else if (c === '"' || c === "'" || c === '`') {
      let k = i + 1;
      while (k < source.length && source[k] !== c) k += source[k] === '\\' ? 2 : 1;
      blank(i + 1, Math.min(k, source.length));
      i = k + 1;
    } else i++;
  }
  return out.join('');
}

function braceDepths(masked: string): Int32Array {
  const d = new Int32Array(masked.length + 1);
  let depth = 0;
  for (let i = 0; i < masked.length; i++) {
    d[i] = depth;
    const c = masked[i];
    if (c === '{' || c === '(' || c === '[') depth++;
    else if (c === '}' || c === ')' || c === ']') depth--;
  }
  return d;
}

const OPEN: Record<string, string> = { '(': ')', '[': ']', '{': '}', '<': '>' };

/** Index of the bracket closing the one at `open`, or -1. */
function matching(masked: string, open: number): number {
  let depth = 0;
  for (let i = open; i < masked.length; i++) {
    const c = masked[i] ?? '';
    if (c === '=' && masked[i + 1] === '>') {
      i++;
      continue;
    }
    if (c in OPEN) depth++;
    else if (c === ')' || c === ']' || c === '}' || c === '>') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Ranges of `masked[from, to)` between top-level `sep` characters. */
function splitTop(masked: string, from: number, to: number, sep: string): Array<[number, number]> {
  const parts: Array<[number, number]> = [];
  let depth = 0;
  let start = from;
  for (let i = from; i < to; i++) {
    const c = masked[i] ?? '';
    if (c === '=' && masked[i + 1] === '>') {
      i++;
      continue;
    }
    if (c in OPEN) depth++;
    else if (c === ')' || c === ']' || c === '}' || c === '>') depth--;
    else if (c === sep && depth === 0) {
      parts.push([start, i]);
      start = i + 1;
    }
  }
  parts.push([start, to]);
  return parts;
}

/** First top-level `ch` in `masked[from, to)` (an `=` of `=>`, `==`, `<=`, `>=` does not count). */
function findTop(masked: string, from: number, to: number, ch: string): number {
  let depth = 0;
  for (let i = from; i < to; i++) {
    const c = masked[i] ?? '';
    if (c === '=' && (masked[i + 1] === '>' || masked[i + 1] === '=')) {
      i++;
      continue;
    }
    if (c in OPEN) depth++;
    else if (c === ')' || c === ']' || c === '}' || c === '>') depth--;
    else if (c === ch && depth === 0) return i;
  }
  return -1;
}
