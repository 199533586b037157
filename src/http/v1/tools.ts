/**
 * Tools: the built-in tools as Letta `Tool`s, and attaching them to agents. Custom Python tools
 * cannot be created (this server runs no Python): `POST`/`PUT /v1/tools/` answer 501.
 */
import { Type } from 'typebox';
import type { Core } from '../../core.js';
import { LettaError } from '../../errors.js';
import { defineRoute, type Route } from '../route.js';
import { Id } from '../schemas.js';
import { AgentIdParams, Cursor, Order, V1Limit } from './params.js';
import { AgentStateSchema, loadAgentState, ToolSchema, toolView } from './views.js';

const ToolParams = Type.Object({ tool_id: Id('tool') });
const AttachParams = Type.Object({ ...AgentIdParams.properties, tool_id: Id('tool') });

function noCustomTools(): never {
  throw new LettaError(
    'BAD_REQUEST',
    'Custom tools are not supported: this server does not run Python tool source code. Use the built-in tools (GET /v1/tools/).',
  );
}

export function v1ToolRoutes(core: Core): Route[] {
  const tags = ['tools'];
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/tools/',
      schema: {
        summary: 'List tools',
        tags,
        querystring: Type.Object({
          name: Type.Optional(Type.String({ maxLength: 200 })),
          limit: V1Limit(50),
          after: Cursor,
          before: Cursor,
          order: Type.Optional(Order),
        }),
        response: { 200: Type.Array(ToolSchema) },
      },
      handler: async (req) => {
        const q = req.query;
        const tools = await core.tools.list(req.ctx, {
          name: q.name,
          limit: q.limit ?? 50,
          after: q.after,
          before: q.before,
          order: q.order ?? 'asc',
        });
        return tools.map(toolView);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/tools/:tool_id',
      schema: { summary: 'Retrieve tool', tags, params: ToolParams, response: { 200: ToolSchema } },
      handler: async (req) => toolView(await core.tools.get(req.ctx, req.params.tool_id)),
    }),
    ...(['POST', 'PUT'] as const).map((method) =>
      defineRoute({
        method,
        url: '/v1/tools/',
        optionalBody: true,
        schema: {
          summary: method === 'POST' ? 'Create tool (not supported)' : 'Upsert tool (not supported)',
          tags,
        },
        handler: async () => noCustomTools(),
      }),
    ),
    defineRoute({
      method: 'GET',
      url: '/v1/agents/:agent_id/tools',
      schema: {
        summary: "List an agent's tools",
        tags: ['agents'],
        params: AgentIdParams,
        response: { 200: Type.Array(ToolSchema) },
      },
      handler: async (req) => {
        const agent = await core.agents.get(req.ctx, req.params.agent_id);
        return (await core.tools.listForAgent(req.ctx, agent.id)).map(toolView);
      },
    }),
    ...(['attach', 'detach'] as const).map((op) =>
      defineRoute({
        method: 'PATCH',
        url: `/v1/agents/:agent_id/tools/${op}/:tool_id`,
        optionalBody: true,
        schema: {
          summary: `${op === 'attach' ? 'Attach a tool to' : 'Detach a tool from'} an agent`,
          tags: ['agents'],
          params: AttachParams,
          response: { 200: AgentStateSchema },
        },
        handler: async (req) => {
          const agent = await core.agents.get(req.ctx, req.params.agent_id);
          await core.tools[op](req.ctx, agent.id, req.params.tool_id);
          return loadAgentState(core, req, agent, ['agent.blocks', 'agent.tools']);
        },
      }),
    ),
  ];
}
