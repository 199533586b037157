/**
 * Custom tools over V1: create, upsert by name, change, delete, run from source without an agent,
 * run an agent's tool by name. Source runs only in the sandbox (never in the server's realm).
 */
import { randomUUID } from 'node:crypto';
import { type Static, Type } from 'typebox';
import { LettaError } from '../../errors.js';
import type { ToolInput } from '../../services/custom-tool-service.js';
import type { Services } from '../../services/services.js';
import { defineRoute, type Route } from '../route.js';
import { Id, Tags } from '../schemas.js';
import { AgentIdParams } from './params.js';
import { AnyObject, ToolSchema, toolView } from './views.js';

const Nullable = <T extends Parameters<typeof Type.Optional>[0]>(t: T) =>
  Type.Optional(Type.Union([t, Type.Null()]));
const Requirement = Type.Union([
  Type.String({ maxLength: 200 }),
  Type.Object({ name: Type.String({ maxLength: 200 }), version: Nullable(Type.String({ maxLength: 100 })) }),
]);
const ToolFields = {
  source_code: Type.Optional(Type.String({ maxLength: 1_000_000 })),
  source_type: Nullable(Type.String({ maxLength: 20 })),
  description: Nullable(Type.String({ maxLength: 100_000 })),
  tags: Nullable(Tags),
  json_schema: Nullable(AnyObject),
  args_json_schema: Nullable(AnyObject),
  return_char_limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  default_requires_approval: Nullable(Type.Boolean()),
  pip_requirements: Nullable(Type.Array(Requirement, { maxItems: 100 })),
  npm_requirements: Nullable(Type.Array(Requirement, { maxItems: 100 })),
};
const ToolCreate = Type.Object(
  { ...ToolFields, source_code: Type.String({ maxLength: 1_000_000 }) },
  { additionalProperties: true },
);
const ToolUpdate = Type.Object(ToolFields, { additionalProperties: true });
const ToolRun = Type.Object(
  {
    source_code: Type.String({ maxLength: 1_000_000 }),
    source_type: Nullable(Type.String({ maxLength: 20 })),
    args: Type.Optional(AnyObject),
    env_vars: Nullable(
      Type.Record(Type.String({ maxLength: 200 }), Type.String({ maxLength: 100_000 }), {
        maxProperties: 200,
      }),
    ),
    name: Nullable(Type.String({ maxLength: 200 })),
    pip_requirements: Nullable(Type.Array(Requirement, { maxItems: 100 })),
    npm_requirements: Nullable(Type.Array(Requirement, { maxItems: 100 })),
  },
  { additionalProperties: true },
);
const ToolParams = Type.Object({ tool_id: Id('tool') });
const AgentToolParams = Type.Object({
  ...AgentIdParams.properties,
  tool_name: Type.String({ maxLength: 200 }),
});

function toInput(b: Static<typeof ToolUpdate>): ToolInput {
  return {
    source_code: b.source_code,
    source_type: b.source_type ?? undefined,
    description: b.description,
    tags: b.tags,
    json_schema: b.json_schema as Record<string, unknown> | null | undefined,
    args_json_schema: b.args_json_schema as Record<string, unknown> | null | undefined,
    return_char_limit: b.return_char_limit,
    default_requires_approval: b.default_requires_approval,
    pip_requirements: b.pip_requirements,
    npm_requirements: b.npm_requirements,
  };
}

const lines = (text: string) => (text === '' ? [] : [text]);

export function v1CustomToolRoutes(services: Services): Route[] {
  const tags = ['tools'];
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/tools/',
      schema: { summary: 'Create tool', tags, body: ToolCreate, response: { 200: ToolSchema } },
      handler: async (req) => toolView(await services.customTools.create(req.ctx, toInput(req.body))),
    }),
    defineRoute({
      method: 'PUT',
      url: '/v1/tools/',
      schema: { summary: 'Upsert tool (by name)', tags, body: ToolCreate, response: { 200: ToolSchema } },
      handler: async (req) => toolView(await services.customTools.upsert(req.ctx, toInput(req.body))),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/v1/tools/:tool_id',
      schema: {
        summary: 'Modify tool',
        tags,
        params: ToolParams,
        body: ToolUpdate,
        response: { 200: ToolSchema },
      },
      handler: async (req) =>
        toolView(await services.customTools.update(req.ctx, req.params.tool_id, toInput(req.body))),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v1/tools/:tool_id',
      schema: { summary: 'Delete tool', tags, params: ToolParams },
      handler: async (req, reply) => {
        await services.customTools.delete(req.ctx, req.params.tool_id);
        return reply.send({});
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/tools/run',
      schema: {
        summary: 'Run tool from source (in the sandbox)',
        tags,
        body: ToolRun,
        response: { 200: AnyObject },
      },
      handler: async (req) => {
        const b = req.body;
        const r = await services.customTools.run(req.ctx, {
          source_code: b.source_code,
          source_type: b.source_type ?? undefined,
          args: b.args as Record<string, unknown> | undefined,
          env_vars: b.env_vars ?? undefined,
          name: b.name ?? undefined,
          pip_requirements: b.pip_requirements,
          npm_requirements: b.npm_requirements,
        });
        return {
          id: `message-${randomUUID()}`,
          date: new Date().toISOString(),
          name: r.name,
          message_type: 'tool_return_message',
          tool_return:
            r.result ?? (b.source_type === 'typescript' || b.source_type === 'javascript' ? 'null' : 'None'),
          status: r.status,
          tool_call_id: 'null',
          stdout: lines(r.stdout),
          stderr: lines(r.stderr),
        };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/agents/:agent_id/tools/:tool_name/run',
      optionalBody: true,
      schema: {
        summary: "Run one of an agent's tools",
        tags: ['agents'],
        params: AgentToolParams,
        body: Type.Optional(Type.Object({ args: Type.Optional(AnyObject) }, { additionalProperties: true })),
        response: { 200: AnyObject },
      },
      handler: async (req) => {
        const agent = await services.agents.get(req.ctx, req.params.agent_id);
        const tool = (await services.tools.listForAgent(req.ctx, agent.id)).find(
          (t) => t.name === req.params.tool_name,
        );
        if (!tool)
          throw new LettaError(
            'TOOL_NOT_FOUND',
            `Tool '${req.params.tool_name}' is not attached to this agent`,
          );
        const args = (req.body?.args ?? {}) as Record<string, unknown>;
        if (tool.tool_type === 'external_mcp') {
          const r = await services.mcpServers.runToolRow(req.ctx, tool, args);
          return { ...r, stdout: [], stderr: [] };
        }
        if (tool.tool_type !== 'custom' || !tool.source_code)
          throw new LettaError(
            'BAD_REQUEST',
            `'${tool.name}' is a built-in tool: it runs only inside a turn`,
          );
        const r = await services.customTools.runForAgent(req.ctx, agent.id, tool, args);
        return { status: r.status, func_return: r.result, stdout: lines(r.stdout), stderr: lines(r.stderr) };
      },
    }),
  ];
}
