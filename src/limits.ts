/**
 * What one request may make the server do (README, "Limits"). Each bound is chosen above normal
 * use (Letta's own default block limit is 20,000 characters; embedding models take about 30,000
 * characters) and below what lets one tenant stall the others; each can be raised by the
 * operator. A request over a bound is 422 `LIMIT_EXCEEDED`, naming the bound and its setting.
 */
import { LettaError } from './errors.js';

export interface RequestLimits {
  /** A block's value and its `limit` (LETTA_MAX_BLOCK_CHARS). */
  blockChars: number;
  /** All block values of one agent together: its compiled memory (LETTA_MAX_AGENT_BLOCK_CHARS). */
  agentBlockChars: number;
  /** One archival passage (LETTA_MAX_PASSAGE_CHARS). */
  passageChars: number;
  /** A search query (LETTA_MAX_SEARCH_CHARS) … */
  searchChars: number;
  /** … its words (LETTA_MAX_SEARCH_TERMS) … */
  searchTerms: number;
  /** … and each word's length; also a `search=` substring filter's length (LETTA_MAX_SEARCH_TERM_CHARS). */
  searchTermChars: number;
  /** One JSON answer, in bytes (LETTA_MAX_RESPONSE_MB). */
  responseBytes: number;
  /** Nesting depth of a JSON request body (LETTA_MAX_JSON_DEPTH). */
  jsonDepth: number;
}

export const DEFAULT_LIMITS: RequestLimits = {
  blockChars: 100_000,
  agentBlockChars: 400_000,
  passageChars: 100_000,
  searchChars: 1_000,
  searchTerms: 32,
  searchTermChars: 100,
  responseBytes: 16 * 1024 * 1024,
  jsonDepth: 64,
};

/** The limits from the environment (positive integers), defaults otherwise. */
export function parseLimits(env: NodeJS.ProcessEnv): RequestLimits {
  const int = (name: string, fallback: number, scale = 1) => {
    const v = env[name];
    if (v === undefined || v === '') return fallback * scale;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n * scale > Number.MAX_SAFE_INTEGER)
      throw new LettaError('BAD_REQUEST', `invalid ${name} '${v}': expected a positive integer`);
    return n * scale;
  };
  const mb = 1024 * 1024;
  return {
    blockChars: int('LETTA_MAX_BLOCK_CHARS', DEFAULT_LIMITS.blockChars),
    agentBlockChars: int('LETTA_MAX_AGENT_BLOCK_CHARS', DEFAULT_LIMITS.agentBlockChars),
    passageChars: int('LETTA_MAX_PASSAGE_CHARS', DEFAULT_LIMITS.passageChars),
    searchChars: int('LETTA_MAX_SEARCH_CHARS', DEFAULT_LIMITS.searchChars),
    searchTerms: int('LETTA_MAX_SEARCH_TERMS', DEFAULT_LIMITS.searchTerms),
    searchTermChars: int('LETTA_MAX_SEARCH_TERM_CHARS', DEFAULT_LIMITS.searchTermChars),
    responseBytes: int('LETTA_MAX_RESPONSE_MB', DEFAULT_LIMITS.responseBytes / mb, mb),
    jsonDepth: int('LETTA_MAX_JSON_DEPTH', DEFAULT_LIMITS.jsonDepth),
  };
}

/**
 * Throws 422 `LIMIT_EXCEEDED` when `value` is over `max`.
 *
 * @example
 * overLimit('block value', value.length, limits.blockChars, 'LETTA_MAX_BLOCK_CHARS', 'characters');
 */
export function overLimit(what: string, value: number, max: number, setting: string, unit: string): void {
  if (value > max)
    throw new LettaError(
      'LIMIT_EXCEEDED',
      `${what} is ${value} ${unit}, over this server's limit of ${max} (${setting})`,
    );
}
