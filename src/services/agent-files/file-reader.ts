/**
 * Small typed readers over parsed JSON that fail with the JSON path of the bad value
 * (`agents[0].block_ids[1]: expected a string`), as 422 AGENT_FILE_INVALID.
 *
 * @example
 * const name = str(agent.name, 'agents[0].name'); // throws "agents[0].name: expected a string"
 */
import { LettaError } from '../../errors.js';
import type { Json, JsonObject } from '../../store/records.js';
import type { FieldPolicy } from './format.js';

const MAX_INT32 = 2_147_483_647;

export function invalid(path: string, message: string): never {
  throw new LettaError('AGENT_FILE_INVALID', `${path}: ${message}`, { extra: { path } });
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function obj(v: unknown, path: string): JsonObject {
  if (!isObject(v)) invalid(path, 'expected an object');
  return v;
}

export function optObj(v: unknown, path: string): JsonObject | null {
  return v === undefined || v === null ? null : obj(v, path);
}

export function str(v: unknown, path: string): string {
  if (typeof v !== 'string') invalid(path, 'expected a string');
  return v;
}

export function optStr(v: unknown, path: string): string | null {
  return v === undefined || v === null ? null : str(v, path);
}

export function optInt(v: unknown, path: string): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v)) invalid(path, 'expected an integer');
  // Stored in 32-bit integer columns (limits, context windows).
  if (v < 0 || v > MAX_INT32) invalid(path, `expected an integer from 0 to ${MAX_INT32}`);
  return v;
}

export function optBool(v: unknown, path: string): boolean | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'boolean') invalid(path, 'expected true or false');
  return v;
}

/** An array (null or absent: empty). */
export function arr(v: unknown, path: string): Json[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) invalid(path, 'expected an array');
  return v as Json[];
}

export function strArr(v: unknown, path: string): string[] {
  return arr(v, path).map((x, i) => str(x, `${path}[${i}]`));
}

export function objArr(v: unknown, path: string): JsonObject[] {
  return arr(v, path).map((x, i) => obj(x, `${path}[${i}]`));
}

/** Whether a dropped field holds something worth reporting (not null, empty or false). */
export function hasValue(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isObject(v)) return Object.keys(v).length > 0;
  return true;
}

/** Reports the fields of `o` that the policy does not use: unknown ones, and set `report` ones. */
export function checkFields(o: JsonObject, policy: FieldPolicy, path: string, warnings: string[]): void {
  for (const [key, value] of Object.entries(o)) {
    if (policy.used.includes(key) || policy.quiet.includes(key)) continue;
    if (policy.report.includes(key)) {
      if (hasValue(value)) warnings.push(`${path}.${key}: not supported by this server, dropped`);
      continue;
    }
    warnings.push(`${path}.${key}: unknown field, ignored`);
  }
}

/**
 * The path of the first string or key holding U+0000 (PostgreSQL cannot store it in text), or
 * undefined: such a file is refused on every database alike.
 */
export function findNul(v: unknown, path: string, depth = 0): string | undefined {
  if (typeof v === 'string') return v.includes('\u0000') ? path : undefined;
  if (typeof v !== 'object' || v === null || depth > 64) return undefined;
  if (Array.isArray(v)) {
    for (const [i, item] of v.entries()) {
      const found = findNul(item, `${path}[${i}]`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(v)) {
    const here = path === 'file' ? key : `${path}.${key}`;
    if (key.includes('\u0000')) return here;
    const found = findNul(item, here, depth + 1);
    if (found) return found;
  }
  return undefined;
}
