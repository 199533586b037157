/**
 * Human words for the `pattern` of a schema, so a validation error says "must be a conversation
 * id like conv-6f1c…" instead of printing the regular expression.
 *
 * @example
 * describePattern(idPattern('conv')); // "must be a conversation id like conv-6f1c2a9e-…"
 */
import { exampleId, type IdPrefix } from '../ids.js';
import { AGENT_NAME_PATTERN } from '../services/agent-service.js';
import { BLOCK_LABEL_PATTERN } from '../services/block-service.js';

const KINDS: Readonly<Record<IdPrefix, string>> = {
  agent: 'an agent',
  block: 'a block',
  conv: 'a conversation',
  message: 'a message',
  run: 'a run',
  step: 'a step',
  tool: 'a tool',
  passage: 'a passage',
  archive: 'an archive',
  source: 'a folder',
  file: 'a file',
  job: 'a job',
  org: 'an organization',
  user: 'a user',
  key: 'an API key',
  ping: 'a ping',
  mcp_server: 'an MCP server',
};

const FIXED: ReadonlyMap<string, string> = new Map([
  [
    AGENT_NAME_PATTERN,
    'must be an agent name or id: 1-100 letters, digits, spaces, dots, underscores or dashes, starting with a letter or digit',
  ],
  [
    BLOCK_LABEL_PATTERN,
    'must be a block label: up to 50 letters, digits, underscores or dashes, starting with a letter or underscore',
  ],
  ['^https?://', 'must be an http:// or https:// URL'],
]);

const FIXED_EXAMPLES: ReadonlyMap<string, string> = new Map([
  [AGENT_NAME_PATTERN, 'sam'],
  [BLOCK_LABEL_PATTERN, 'human'],
  ['^https?://', 'https://example.com/letta-callback'],
  ['^[a-z0-9][a-z0-9.-]*$', 'app.js'],
]);

/** The alternatives of `^(a|b)$`, or of `^a$`. */
function alternatives(pattern: string): string[] {
  const inner = pattern.replace(/^\^/, '').replace(/\$$/, '');
  return (inner.startsWith('(') && inner.endsWith(')') ? inner.slice(1, -1) : inner).split('|');
}

/**
 * A value that matches `pattern`, for the OpenAPI document (so Swagger UI shows a real id, not
 * a string generated from the regular expression); undefined when we have none.
 *
 * @example
 * patternExample(idPattern('run')); // "run-6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b"
 */
export function patternExample(pattern: string): string | undefined {
  const fixed = FIXED_EXAMPLES.get(pattern);
  if (fixed) return fixed;
  const first = alternatives(pattern)[0] ?? '';
  const id = /^([a-z_]+)-\[0-9a-f\]\{8\}/.exec(first)?.[1];
  if (id && id in KINDS) return exampleId(id as IdPrefix);
  return /^[A-Za-z_]+$/.test(first) ? first : undefined;
}

/** One alternative of a pattern in words, or undefined when it is not an id or a literal. */
function alternative(text: string): string | undefined {
  const id = /^([a-z_]+)-\[0-9a-f\]\{8\}/.exec(text)?.[1];
  if (id && id in KINDS) return `${KINDS[id as IdPrefix]} id like ${exampleId(id as IdPrefix)}`;
  if (/^[A-Za-z_]+$/.test(text)) return `'${text}'`;
  return undefined;
}

/** "must be …" for a JSON-schema `pattern`; "has an invalid format" when it has no words. */
export function describePattern(pattern: string): string {
  const fixed = FIXED.get(pattern);
  if (fixed) return fixed;
  const words = alternatives(pattern).map(alternative);
  if (words.every((w): w is string => w !== undefined)) return `must be ${words.join(' or ')}`;
  return 'has an invalid format';
}
