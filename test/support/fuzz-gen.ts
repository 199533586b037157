/**
 * Deterministic request generation for the fuzz test: a seeded PRNG, values that satisfy a JSON
 * schema, and hostile mutations of them (wrong types, huge and empty values, unicode, NUL bytes,
 * prototype keys, broken JSON, wrong content types).
 */
import type { Schema } from './openapi-walk.js';

export type Rng = () => number;

/** mulberry32: small, fast, deterministic. */
export function seeded(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;
export const chance = (rng: Rng, p: number): boolean => rng() < p;

const WEIRD_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\u0000'.repeat(50),
  '💥🔥👩‍👩‍👧‍👦',
  '\u202Eevil\u202C',
  'e\u0301\u0301\u0301',
  '\uFFFD\uFEFF',
  '\uD800',
  '../../etc/passwd',
  "'; DROP TABLE agents; --",
  '%00%2e%2e%2f',
  '<script>alert(1)</script>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log-injection payload, meant literally
  '${jndi:ldap://x}',
  '{{7*7}}',
  'null',
  'undefined',
  '-1',
  '1e309',
  'NaN',
  '\r\nX-Injected: 1',
];

export function weirdString(rng: Rng): string {
  const r = rng();
  if (r < 0.08) return 'x'.repeat(pick(rng, [1_000, 70_000, 200_000]));
  if (r < 0.12) return '🙂'.repeat(pick(rng, [100, 10_000]));
  return pick(rng, WEIRD_STRINGS);
}

/** A hostile value of any type. */
export function hostile(rng: Rng): unknown {
  const r = rng();
  if (r < 0.35) return weirdString(rng);
  return pick(rng, [
    0,
    -1,
    1.5,
    -1e308,
    Number.MAX_SAFE_INTEGER + 2,
    true,
    false,
    null,
    [],
    {},
    [null],
    Array.from({ length: 5000 }, (_, i) => i),
    { __proto__: { polluted: true } },
    JSON.parse('{"__proto__": {"polluted": true}}') as unknown,
    { constructor: { prototype: { polluted: true } } },
    nest(200),
  ]);
}

function nest(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = { a: [v] };
  return v;
}

/** A value meant to satisfy `schema` (optional properties sometimes filled). */
export function generate(schema: Schema | undefined, rng: Rng, depth = 0): unknown {
  if (!schema || depth > 6) return {};
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum)) return pick(rng, schema.enum);
  for (const k of ['anyOf', 'oneOf'] as const) {
    const alts = schema[k];
    if (Array.isArray(alts) && alts.length > 0) return generate(pick(rng, alts as Schema[]), rng, depth + 1);
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0)
    return generate(schema.allOf[0] as Schema, rng, depth + 1);
  const type = pick(rng, [schema.type ?? 'object'].flat() as string[]);
  switch (type) {
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, Schema>;
      const required = new Set((schema.required as string[] | undefined) ?? []);
      const out: Record<string, unknown> = {};
      for (const [name, sub] of Object.entries(props)) {
        if (required.has(name) || chance(rng, 0.4)) out[name] = generate(sub, rng, depth + 1);
      }
      return out;
    }
    case 'array': {
      const min = typeof schema.minItems === 'number' ? schema.minItems : 0;
      const max = Math.min(typeof schema.maxItems === 'number' ? schema.maxItems : 3, min + 3);
      const n = min + Math.floor(rng() * (max - min + 1));
      return Array.from({ length: n }, () => generate(schema.items as Schema, rng, depth + 1));
    }
    case 'string': {
      const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
      const max = typeof schema.maxLength === 'number' ? Math.min(schema.maxLength, 40) : 40;
      const n = Math.max(min, Math.floor(rng() * (max + 1)), 1);
      const alphabet = 'abcdefghij ÄéΩ中🙂-_';
      return Array.from({ length: n }, () => pick(rng, [...alphabet])).join('');
    }
    case 'integer':
    case 'number': {
      const lo = typeof schema.minimum === 'number' ? schema.minimum : 0;
      const hi = typeof schema.maximum === 'number' ? schema.maximum : lo + 100;
      const v = lo + rng() * (hi - lo);
      return type === 'integer' ? Math.floor(v) : v;
    }
    case 'boolean':
      return chance(rng, 0.5);
    case 'null':
      return null;
    default:
      return {};
  }
}

/** `value` with one place (the root or a nested property/item) replaced by a hostile value. */
export function mutate(value: unknown, rng: Rng): unknown {
  if (chance(rng, 0.15) || value === null || typeof value !== 'object') return hostile(rng);
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value)
    ? [...value]
    : { ...(value as object) };
  const keys = Object.keys(copy);
  if (keys.length === 0 || chance(rng, 0.15)) {
    (copy as Record<string, unknown>)[
      pick(rng, ['extra', '__proto__', 'constructor', 'id', 'organization_id'])
    ] = hostile(rng);
    return copy;
  }
  const key = pick(rng, keys);
  const inner = (copy as Record<string, unknown>)[key];
  (copy as Record<string, unknown>)[key] = chance(rng, 0.5) ? mutate(inner, rng) : hostile(rng);
  return copy;
}

/** Raw bodies that are not valid JSON (or not what a JSON route wants). */
export const BROKEN_BODIES: ReadonlyArray<string | Uint8Array> = [
  '{',
  '{"a":',
  '{"name": "x",}',
  "{'name': 'x'}",
  '[]',
  'null',
  '"just a string"',
  '123',
  'true',
  '{"name":"\\ud800"}',
  '{"name":"x"} trailing',
  '\u0000',
  '{"a":1,"a":2}',
  `${'['.repeat(5000)}${']'.repeat(5000)}`,
  new Uint8Array([0xff, 0xfe, 0xfd, 0x7b, 0x7d]),
  new Uint8Array([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
];

export const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/json; charset=utf-16',
  'application/xml',
  'application/jsonx',
  '',
  'application/json;;;',
];
