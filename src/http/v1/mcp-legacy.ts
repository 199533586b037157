/**
 * Letta's older MCP routes, by server name (`/v1/tools/mcp/servers…`): list the servers as a map
 * of configurations, add or replace one (`PUT`), change, delete, list a server's live tools, store
 * one of them as a tool (`POST …/{server}/{tool}`), execute one, resync. Not served: `test`,
 * `connect` and the OAuth callback (the OAuth flow is not implemented).
 */
import { Type } from 'typebox';
import type { Services } from '../../services/services.js';
import { defineRoute, type Route } from '../route.js';
import { Id } from '../schemas.js';
import { McpConfig, mcpInput, mcpServerConfigView } from './mcp-views.js';
import { AnyObject, ToolSchema, toolView } from './views.js';

const Name = Type.String({ minLength: 1, maxLength: 200 });
const ServerParams = Type.Object({ mcp_server_name: Name });
const ToolParams = Type.Object({ mcp_server_name: Name, mcp_tool_name: Name });

export function v1McpLegacyRoutes(services: Services): Route[] {
  const tags = ['tools'];
  const mcp = services.mcpServers;
  const all = async (ctx: Parameters<typeof mcp.list>[0]) => (await mcp.list(ctx)).map(mcpServerConfigView);
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/tools/mcp/servers',
      schema: { summary: 'List MCP servers (by name)', tags, response: { 200: AnyObject } },
      handler: async (req) =>
        Object.fromEntries((await all(req.ctx)).map((c) => [c.server_name, c])) as Record<string, unknown>,
    }),
    defineRoute({
      method: 'PUT',
      url: '/v1/tools/mcp/servers',
      schema: {
        summary: 'Add (or replace) an MCP server',
        tags,
        body: Type.Object({ ...McpConfig.properties, server_name: Name }, { additionalProperties: true }),
        response: { 200: Type.Array(AnyObject) },
      },
      handler: async (req) => {
        await mcp.upsertByName(req.ctx, req.body.server_name, mcpInput(req.body));
        return all(req.ctx);
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/v1/tools/mcp/servers/:mcp_server_name',
      schema: {
        summary: 'Update an MCP server',
        tags,
        params: ServerParams,
        body: Type.Object(
          {
            ...McpConfig.properties,
            server_name: Type.Optional(Type.Union([Name, Type.Null()])),
            token: Type.Optional(Type.Union([Type.String({ maxLength: 100_000 }), Type.Null()])),
          },
          { additionalProperties: true },
        ),
        response: { 200: AnyObject },
      },
      handler: async (req) => {
        const server = await mcp.getByName(req.ctx, req.params.mcp_server_name);
        const input = mcpInput(req.body);
        if (req.body.token !== undefined && input.auth_token === undefined) input.auth_token = req.body.token;
        const updated = await mcp.update(req.ctx, server.id, req.body.server_name, input);
        return mcpServerConfigView(updated);
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v1/tools/mcp/servers/:mcp_server_name',
      schema: {
        summary: 'Delete an MCP server',
        tags,
        params: ServerParams,
        response: { 200: Type.Array(AnyObject) },
      },
      handler: async (req) => {
        const server = await mcp.getByName(req.ctx, req.params.mcp_server_name);
        await mcp.delete(req.ctx, server.id);
        return all(req.ctx);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/tools/mcp/servers/:mcp_server_name/tools',
      schema: {
        summary: "List an MCP server's tools (live)",
        tags,
        params: ServerParams,
        response: { 200: Type.Array(AnyObject) },
      },
      handler: async (req) =>
        (await mcp.liveTools(req.ctx, req.params.mcp_server_name)) as unknown as Record<string, unknown>[],
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/tools/mcp/servers/:mcp_server_name/:mcp_tool_name',
      optionalBody: true,
      schema: {
        summary: 'Add an MCP tool as a tool',
        tags,
        params: ToolParams,
        response: { 200: ToolSchema },
      },
      handler: async (req) =>
        toolView(await mcp.addTool(req.ctx, req.params.mcp_server_name, req.params.mcp_tool_name)),
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/tools/mcp/servers/:mcp_server_name/tools/:mcp_tool_name/execute',
      optionalBody: true,
      schema: {
        summary: 'Execute an MCP tool',
        tags,
        params: ToolParams,
        body: Type.Optional(Type.Object({ args: Type.Optional(AnyObject) }, { additionalProperties: true })),
        response: { 200: AnyObject },
      },
      handler: async (req) => {
        const server = await mcp.getByName(req.ctx, req.params.mcp_server_name);
        const args = (req.body?.args ?? {}) as Record<string, unknown>;
        return mcp.call(server, req.params.mcp_tool_name, args);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/tools/mcp/servers/:mcp_server_name/resync',
      optionalBody: true,
      schema: {
        summary: "Resync an MCP server's stored tools",
        tags,
        params: ServerParams,
        querystring: Type.Object({ agent_id: Type.Optional(Id('agent')) }),
        response: { 200: AnyObject },
      },
      handler: async (req) => {
        const server = await mcp.getByName(req.ctx, req.params.mcp_server_name);
        if (req.query.agent_id) await services.agents.get(req.ctx, req.query.agent_id);
        return mcp.refresh(req.ctx, server.id, req.query.agent_id);
      },
    }),
  ];
}
