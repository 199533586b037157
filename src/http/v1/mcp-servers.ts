/**
 * MCP servers over V1 (`/v1/mcp-servers/…`, by id): create, list, read, change, delete; a
 * server's tools (stored as `external_mcp` tool rows that agents attach with
 * `PATCH /v1/agents/{id}/tools/attach/{tool_id}`), running one, refreshing them. The OAuth flow
 * (`GET /v1/mcp-servers/connect/{id}`) is not served.
 */
import { Type } from 'typebox';
import type { Services } from '../../services/services.js';
import { defineRoute, type Route } from '../route.js';
import { Id } from '../schemas.js';
import { McpConfig, McpServerSchema, mcpInput, mcpServerView } from './mcp-views.js';
import { AnyObject, ToolSchema, toolView } from './views.js';

const ServerParams = Type.Object({ mcp_server_id: Id('mcp_server') });
const ToolParams = Type.Object({ mcp_server_id: Id('mcp_server'), tool_id: Id('tool') });

export function v1McpServerRoutes(services: Services): Route[] {
  const tags = ['mcp-servers'];
  const mcp = services.mcpServers;
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/mcp-servers/',
      schema: {
        summary: 'Create MCP server (and store its tools)',
        tags,
        body: Type.Object(
          { server_name: Type.String({ maxLength: 200 }), config: McpConfig },
          { additionalProperties: true },
        ),
        response: { 200: McpServerSchema },
      },
      handler: async (req) =>
        mcpServerView(await mcp.create(req.ctx, req.body.server_name, mcpInput(req.body.config))),
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/mcp-servers/',
      schema: { summary: 'List MCP servers', tags, response: { 200: Type.Array(McpServerSchema) } },
      handler: async (req) => (await mcp.list(req.ctx)).map(mcpServerView),
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/mcp-servers/:mcp_server_id',
      schema: {
        summary: 'Retrieve MCP server',
        tags,
        params: ServerParams,
        response: { 200: McpServerSchema },
      },
      handler: async (req) => mcpServerView(await mcp.get(req.ctx, req.params.mcp_server_id)),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/v1/mcp-servers/:mcp_server_id',
      schema: {
        summary: 'Modify MCP server (masked secrets sent back are kept)',
        tags,
        params: ServerParams,
        body: Type.Object(
          {
            server_name: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
            config: Type.Optional(McpConfig),
          },
          { additionalProperties: true },
        ),
        response: { 200: McpServerSchema },
      },
      handler: async (req) =>
        mcpServerView(
          await mcp.update(
            req.ctx,
            req.params.mcp_server_id,
            req.body.server_name,
            mcpInput(req.body.config ?? {}),
          ),
        ),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v1/mcp-servers/:mcp_server_id',
      schema: { summary: 'Delete MCP server (and its tools)', tags, params: ServerParams },
      handler: async (req, reply) => {
        await mcp.delete(req.ctx, req.params.mcp_server_id);
        return reply.code(204).send();
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/mcp-servers/:mcp_server_id/tools',
      schema: {
        summary: "List an MCP server's tools",
        tags,
        params: ServerParams,
        response: { 200: Type.Array(ToolSchema) },
      },
      handler: async (req) => (await mcp.listTools(req.ctx, req.params.mcp_server_id)).map(toolView),
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/mcp-servers/:mcp_server_id/tools/:tool_id',
      schema: { summary: 'Retrieve MCP tool', tags, params: ToolParams, response: { 200: ToolSchema } },
      handler: async (req) =>
        toolView(await mcp.getTool(req.ctx, req.params.mcp_server_id, req.params.tool_id)),
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/mcp-servers/:mcp_server_id/tools/:tool_id/run',
      optionalBody: true,
      schema: {
        summary: 'Run MCP tool',
        tags,
        params: ToolParams,
        body: Type.Optional(Type.Object({ args: Type.Optional(AnyObject) }, { additionalProperties: true })),
        response: { 200: AnyObject },
      },
      handler: async (req) => {
        const r = await mcp.runTool(
          req.ctx,
          req.params.mcp_server_id,
          req.params.tool_id,
          (req.body?.args ?? {}) as Record<string, unknown>,
        );
        return { ...r, stdout: null, stderr: null };
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/v1/mcp-servers/:mcp_server_id/refresh',
      optionalBody: true,
      schema: {
        summary: "Refresh an MCP server's tools (added, updated, deleted)",
        tags,
        params: ServerParams,
        querystring: Type.Object({ agent_id: Type.Optional(Id('agent')) }),
        response: { 200: AnyObject },
      },
      handler: async (req) => {
        const agentId = req.query.agent_id;
        if (agentId) await services.agents.get(req.ctx, agentId);
        return mcp.refresh(req.ctx, req.params.mcp_server_id, agentId);
      },
    }),
  ];
}
