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
  org: 'an organization',
  user: 'a user',
  key: 'an API key',
  ping: 'a ping',
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

/** One alternative of a pattern in words, or undefined when it is not an id or a literal. */
function alternative(text: string): string | undefined {
  const id = /^([a-z]+)-\[0-9a-f\]\{8\}/.exec(text)?.[1];
  if (id && id in KINDS) return `${KINDS[id as IdPrefix]} id like ${exampleId(id as IdPrefix)}`;
  if (/^[A-Za-z_]+$/.test(text)) return `'${text}'`;
  return undefined;
}

/** "must be …" for a JSON-schema `pattern`; "has an invalid format" when it has no words. */
export function describePattern(pattern: string): string {
  const fixed = FIXED.get(pattern);
  if (fixed) return fixed;
  const inner = pattern.replace(/^\^/, '').replace(/\$$/, '');
  const body = inner.startsWith('(') && inner.endsWith(')') ? inner.slice(1, -1) : inner;
  const words = body.split('|').map(alternative);
  if (words.every((w): w is string => w !== undefined)) return `must be ${words.join(' or ')}`;
  return 'has an invalid format';
}
