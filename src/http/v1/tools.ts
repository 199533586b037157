/**
 * Tools: listing and reading tools (built-in and custom), and attaching them to agents. Custom
 * tools are created and run in `custom-tools.ts`.
 */

import { type Static, Type } from 'typebox';
import { LettaError } from '../../errors.js';
import type { Services } from '../../services/services.js';
import type { ToolFilter } from '../../services/tool-service.js';
import { defineRoute, type Route } from '../route.js';
import { Id } from '../schemas.js';
import { pageOf } from './page.js';
import { AgentIdParams, Cursor, Order, V1Limit } from './params.js';
import { AgentStateSchema, loadAgentState, ToolSchema, toolView } from './views.js';

const ToolParams = Type.Object({ tool_id: Id('tool') });
const AttachParams = Type.Object({ ...AgentIdParams.properties, tool_id: Id('tool') });

const Names = Type.Array(Type.String({ maxLength: 200 }), { maxItems: 200 });
const ToolFilterQuery = {
  name: Type.Optional(Type.String({ maxLength: 200 })),
  names: Type.Optional(Names),
  tool_ids: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 200 })),
  search: Type.Optional(Type.String({ maxLength: 200 })),
  tool_types: Type.Optional(Names),
  exclude_tool_types: Type.Optional(Names),
  return_only_letta_tools: Type.Optional(Type.Boolean()),
};

/** Letta's list parameters as a store filter (repeated or comma-separated lists both work). */
function toolFilter(q: Static<Type.TObject<typeof ToolFilterQuery>>): ToolFilter {
  const list = (v: string[] | undefined) => v?.flatMap((s) => s.split(',')).filter((s) => s !== '');
  return {
    name: q.name,
    names: list(q.names),
    ids: list(q.tool_ids),
    search: q.search,
    toolTypes: list(q.tool_types),
    excludeToolTypes: list(q.exclude_tool_types),
    lettaTools: q.return_only_letta_tools === true ? true : undefined,
  };
}

export function v1ToolRoutes(services: Services): Route[] {
  const tags = ['tools'];
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/tools/',
      schema: {
        summary: 'List tools',
        tags,
        querystring: Type.Object({
          ...ToolFilterQuery,
          limit: V1Limit(50),
          after: Cursor,
          before: Cursor,
          order: Type.Optional(Order),
        }),
        response: { 200: Type.Array(ToolSchema) },
      },
      handler: async (req) => {
        const q = req.query;
        const tools = await services.tools.list(req.ctx, {
          ...toolFilter(q),
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
      url: '/v1/tools/count',
      schema: {
        summary: 'Count tools',
        tags,
        querystring: Type.Object({ ...ToolFilterQuery, exclude_letta_tools: Type.Optional(Type.Boolean()) }),
        response: { 200: Type.Integer() },
      },
      handler: async (req) => {
        const filter = toolFilter(req.query);
        if (req.query.exclude_letta_tools === true) filter.lettaTools = false;
        return services.tools.count(req.ctx, filter);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/tools/:tool_id',
      schema: { summary: 'Retrieve tool', tags, params: ToolParams, response: { 200: ToolSchema } },
      handler: async (req) => toolView(await services.tools.get(req.ctx, req.params.tool_id)),
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/agents/:agent_id/tools',
      schema: {
        summary: "List an agent's tools (oldest first by default)",
        tags: ['agents'],
        params: AgentIdParams,
        querystring: Type.Object({
          limit: V1Limit(10),
          after: Cursor,
          before: Cursor,
          order: Type.Optional(Order),
          order_by: Type.Optional(Type.Literal('created_at')),
        }),
        response: { 200: Type.Array(ToolSchema) },
      },
      handler: async (req) => {
        const agent = await services.agents.get(req.ctx, req.params.agent_id);
        const q = req.query;
        const tools = await services.tools.listForAgent(req.ctx, agent.id);
        return pageOf(tools, { ...q, limit: q.limit ?? 10 }).map(toolView);
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/v1/agents/:agent_id/tools/approval/:tool_name',
      optionalBody: true,
      schema: {
        summary: "Set whether an agent's calls of a tool wait for human approval",
        tags: ['agents'],
        params: Type.Object({ ...AgentIdParams.properties, tool_name: Type.String({ maxLength: 200 }) }),
        querystring: Type.Object({ requires_approval: Type.Optional(Type.Boolean()) }),
        // The official TypeScript client sends its parameter's name, `body_requires_approval`.
        body: Type.Optional(
          Type.Object({
            requires_approval: Type.Optional(Type.Boolean()),
            body_requires_approval: Type.Optional(Type.Boolean()),
          }),
        ),
        response: { 200: AgentStateSchema },
      },
      handler: async (req) => {
        const agent = await services.agents.get(req.ctx, req.params.agent_id);
        const requires =
          req.body?.requires_approval ?? req.body?.body_requires_approval ?? req.query.requires_approval;
        if (requires === undefined) throw new LettaError('VALIDATION_ERROR', 'send `requires_approval`');
        await services.tools.setApproval(req.ctx, agent.id, req.params.tool_name, requires);
        return loadAgentState(services, req, agent, ['agent.blocks', 'agent.tools']);
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
          const agent = await services.agents.get(req.ctx, req.params.agent_id);
          await services.tools[op](req.ctx, agent.id, req.params.tool_id);
          return loadAgentState(services, req, agent, ['agent.blocks', 'agent.tools']);
        },
      }),
    ),
  ];
}
