/**
 * An MCP server's configuration from a request: which fields apply to which kind, absent fields
 * keeping their value on update, and secrets masked in answers ({@link maskSecret}) so that a
 * masked value sent back keeps the stored secret.
 */
import { LettaError } from '../errors.js';
import { type McpServerRecord, type McpServerType, nowIso } from '../store/records.js';

/** A server's configuration as a request gives it (absent fields keep their value on update). */
export interface McpServerInput {
  server_type?: McpServerType | undefined;
  server_url?: string | null | undefined;
  auth_header?: string | null | undefined;
  auth_token?: string | null | undefined;
  custom_headers?: Record<string, string> | null | undefined;
  command?: string | null | undefined;
  args?: string[] | null | undefined;
  env?: Record<string, string> | null | undefined;
}

const MASK = '****';

/**
 * How a secret is answered: `****` and its last 4 characters when it has at least 12, else
 * `****`.
 *
 * @example
 * maskSecret('sk-test-1234567890'); // '****7890'
 */
export function maskSecret(value: string): string {
  return value.length >= 12 ? `${MASK}${value.slice(-4)}` : MASK;
}

export function checkName(name: string): string {
  const n = name.trim();
  if (n === '' || n.length > 200)
    throw new LettaError('VALIDATION_ERROR', '`server_name` must be 1 to 200 characters');
  return n;
}

/** An `updated_at` after `previous` (it keys the pooled connection: it must change). */
export function laterThan(previous: string): string {
  const now = nowIso();
  return now > previous ? now : new Date(Date.parse(previous) + 1).toISOString();
}

/** The configuration fields of `input` over `current` (absent = unchanged; masked = unchanged). */
export function fieldsOf(
  input: McpServerInput,
  current: McpServerRecord | undefined,
): Pick<
  McpServerRecord,
  'server_type' | 'server_url' | 'auth_header' | 'auth_token' | 'custom_headers' | 'command' | 'args' | 'env'
> {
  const pick = <K extends keyof McpServerInput>(
    k: K,
    fallback: McpServerRecord[K & keyof McpServerRecord],
  ) => (input[k] === undefined ? (current?.[k as keyof McpServerRecord] ?? fallback) : input[k]);
  const type: McpServerType =
    input.server_type ?? current?.server_type ?? (input.command ? 'stdio' : 'streamable_http');
  const token = input.auth_token;
  return {
    server_type: type,
    server_url: (pick('server_url', null) as string | null) ?? null,
    auth_header: (pick('auth_header', null) as string | null) ?? null,
    auth_token:
      token !== undefined && token !== null && current?.auth_token && token === maskSecret(current.auth_token)
        ? current.auth_token
        : ((pick('auth_token', null) as string | null) ?? null),
    custom_headers: unmaskMap(input.custom_headers, current?.custom_headers ?? null),
    command: (pick('command', null) as string | null) ?? null,
    args: (pick('args', null) as string[] | null) ?? null,
    env: unmaskMap(input.env, current?.env ?? null),
  };
}

/** A map of secrets from a request: masked values sent back keep the stored ones. */
function unmaskMap(
  given: Record<string, string> | null | undefined,
  current: Record<string, string> | null,
): Record<string, string> | null {
  if (given === undefined) return current;
  if (given === null) return null;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(given)) {
    const old = current?.[k];
    out[k] = old !== undefined && v === maskSecret(old) ? old : v;
  }
  return out;
}
