/**
 * Runs an agent's MCP tools (`tool_type` `external_mcp`) during a turn: the tool row names its
 * server in `metadata.mcp` (`server_id`, else `server_name`, as Letta's rows do); the call goes
 * to that server through the pooled connection with the tool deadline. Every failure (server
 * unknown or unreachable, stdio disabled, timeout, a tool that answers `isError`) becomes a
 * failed tool return the model can read; the turn goes on.
 */
import type { JsonObject, McpServerRecord, ToolRecord } from '../../../store/records.js';
import type { Store } from '../../../store/store.js';
import { ToolError } from '../memory-edits.js';
import type { McpConnections } from './mcp-connections.js';
import { mcpResultText } from './mcp-result.js';

export type McpToolRunner = (
  name: string,
  args: Record<string, unknown>,
  org: string,
) => Promise<{ content: string; memoryChanged: boolean }> | undefined;

/** The server an MCP tool row belongs to, as its metadata names it. */
export function mcpServerRef(tool: Pick<ToolRecord, 'metadata'>): { id?: string; name?: string } {
  const mcp = tool.metadata.mcp as JsonObject | undefined;
  if (!mcp || typeof mcp !== 'object' || Array.isArray(mcp)) return {};
  return {
    ...(typeof mcp.server_id === 'string' && { id: mcp.server_id }),
    ...(typeof mcp.server_name === 'string' && { name: mcp.server_name }),
  };
}

/** Finds the MCP server of `tool` in its organization. */
export async function serverOfTool(
  store: Store,
  org: string,
  tool: Pick<ToolRecord, 'metadata'>,
): Promise<McpServerRecord | undefined> {
  const ref = mcpServerRef(tool);
  const byId = ref.id ? await store.mcpServers.get(org, ref.id) : undefined;
  return byId ?? (ref.name ? await store.mcpServers.getByName(org, ref.name) : undefined);
}

export function mcpToolRunner(
  pool: McpConnections | undefined,
  store: Store,
  tools: ToolRecord[],
): McpToolRunner {
  const mcp = new Map(tools.filter((t) => t.tool_type === 'external_mcp').map((t) => [t.name, t]));
  return (name, args, org) => {
    const tool = mcp.get(name);
    if (!tool) return undefined;
    const { request_heartbeat: _h, ...rest } = args;
    return (async () => {
      if (!pool) throw new ToolError('MCP servers are not available on this server');
      const server = await serverOfTool(store, org, tool);
      if (!server) {
        const ref = mcpServerRef(tool);
        throw new ToolError(`the MCP server '${ref.name ?? ref.id ?? '?'}' of tool '${name}' does not exist`);
      }
      let result: Awaited<ReturnType<McpConnections['callTool']>>;
      try {
        result = await pool.callTool(server, name, rest);
      } catch (err) {
        throw new ToolError(err instanceof Error ? err.message : String(err));
      }
      const text = mcpResultText(result);
      if (result.isError === true) throw new ToolError(text || `MCP tool '${name}' failed`);
      return { content: text, memoryChanged: false };
    })();
  };
}
