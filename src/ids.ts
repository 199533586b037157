/**
 * Letta-style ids: `<prefix>-<lowercase uuid4>` (`agent-…`, `block-…`, `conv-…`).
 * Path parameters are checked against {@link isId}; a malformed id is a 422, as in Letta.
 */
import { randomUUID } from 'node:crypto';

export type IdPrefix =
  | 'agent'
  | 'block'
  | 'conv'
  | 'message'
  | 'run'
  | 'step'
  | 'tool'
  | 'passage'
  | 'archive'
  | 'source'
  | 'file'
  | 'job'
  | 'org'
  | 'user'
  | 'key'
  | 'ping'
  | 'mcp_server';

const UUID4 = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';
const patterns = new Map<string, RegExp>();

/** A new id with the given prefix, e.g. `newId('agent')` → `agent-1b4e…`. */
export function newId(prefix: IdPrefix): string {
  return `${prefix}-${randomUUID()}`;
}

/** Whether `value` is a well-formed id of `prefix`. */
export function isId(prefix: IdPrefix, value: string): boolean {
  let re = patterns.get(prefix);
  if (!re) {
    re = new RegExp(`^${prefix}-${UUID4}$`);
    patterns.set(prefix, re);
  }
  return re.test(value);
}

/** The JSON-schema pattern for ids of `prefix` (used in route schemas). */
export function idPattern(prefix: IdPrefix): string {
  return `^${prefix}-${UUID4}$`;
}

/** The organization every request uses until API keys name another. */
export const DEFAULT_ORG_ID = 'org-00000000-0000-4000-8000-000000000000';

/** A fixed, well-formed id of `prefix`, for documentation and error messages. */
export function exampleId(prefix: IdPrefix): string {
  return `${prefix}-6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b`;
}
