/**
 * How MCP servers are shown: Letta's `StreamableHTTPMCPServer` / `SSEMCPServer` /
 * `StdioMCPServer` (`/v1/mcp-servers`) and the older `*ServerConfig` (`/v1/tools/mcp/servers`,
 * `type` instead of `mcp_server_type`). Secrets are masked (`auth_token`, custom header values,
 * stdio `env` values): see `maskSecret`.
 */
import { type Static, Type } from 'typebox';
import { type McpServerInput, maskSecret } from '../../services/mcp-server-service.js';
import type { McpServerRecord } from '../../store/records.js';
import { Loose } from './views.js';

const Nullable = <T extends Parameters<typeof Type.Optional>[0]>(t: T) =>
  Type.Optional(Type.Union([t, Type.Null()]));
const StringMap = Type.Record(Type.String({ maxLength: 200 }), Type.String({ maxLength: 100_000 }), {
  maxProperties: 100,
});

/** Letta's server configuration fields (any of the three kinds; the type decides which apply). */
export const McpConfigFields = {
  mcp_server_type: Type.Optional(
    Type.Union([Type.Literal('streamable_http'), Type.Literal('sse'), Type.Literal('stdio')]),
  ),
  server_url: Nullable(Type.String({ maxLength: 2000 })),
  auth_header: Nullable(Type.String({ maxLength: 200 })),
  auth_token: Nullable(Type.String({ maxLength: 100_000 })),
  custom_headers: Nullable(StringMap),
  command: Nullable(Type.String({ maxLength: 2000 })),
  args: Nullable(Type.Array(Type.String({ maxLength: 10_000 }), { maxItems: 200 })),
  env: Nullable(StringMap),
};
export const McpConfig = Type.Object(McpConfigFields, { additionalProperties: true });
export const McpServerSchema = Loose({ id: Type.String(), server_name: Type.String() });

/** A request's configuration (`config` of `/v1/mcp-servers`, or an old-style body with `type`). */
export function mcpInput(c: Static<typeof McpConfig> & { type?: unknown }): McpServerInput {
  const type = c.mcp_server_type ?? (isType(c.type) ? c.type : undefined);
  return {
    server_type: type,
    server_url: c.server_url,
    auth_header: c.auth_header,
    auth_token: c.auth_token,
    custom_headers: c.custom_headers,
    command: c.command,
    args: c.args,
    env: c.env,
  };
}

function isType(v: unknown): v is McpServerInput['server_type'] {
  return v === 'streamable_http' || v === 'sse' || v === 'stdio';
}

function maskMap(m: Record<string, string> | null): Record<string, string> | null {
  return m && Object.fromEntries(Object.entries(m).map(([k, v]) => [k, maskSecret(v)]));
}

/** The fields of one kind of server, secrets masked. */
function configOf(s: McpServerRecord) {
  if (s.server_type === 'stdio') return { command: s.command ?? '', args: s.args ?? [], env: maskMap(s.env) };
  return {
    server_url: s.server_url ?? '',
    auth_header: s.auth_header,
    auth_token: s.auth_token === null ? null : maskSecret(s.auth_token),
    custom_headers: maskMap(s.custom_headers),
  };
}

export function mcpServerView(s: McpServerRecord) {
  return { id: s.id, server_name: s.server_name, mcp_server_type: s.server_type, ...configOf(s) };
}

/** The older `*ServerConfig` shape. */
export function mcpServerConfigView(s: McpServerRecord) {
  return { server_name: s.server_name, type: s.server_type, ...configOf(s) };
}
