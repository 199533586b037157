/**
 * Memory blocks: an agent's core memory (`/v1/agents/{id}/core-memory/blocks…`, by label) and
 * blocks as resources (`/v1/blocks/…`).
 */
import { type Static, Type } from 'typebox';
import type { BlockPatch } from '../../services/block-service.js';
import type { Services } from '../../services/services.js';
import type { JsonObject } from '../../store/records.js';
import { mapWithinBudget } from '../response-budget.js';
import { defineRoute, type Route } from '../route.js';
import { Id, INT32_MAX, Metadata, Tags } from '../schemas.js';
import { pageOf } from './page.js';
import { AgentIdParams, Cursor, Order, V1Limit } from './params.js';
import { AgentInclude, AgentStateSchema, BlockSchema, blockView, loadAgentState } from './views.js';

const NullableStr = (max: number) =>
  Type.Optional(Type.Union([Type.String({ maxLength: max }), Type.Null()]));

const BlockFields = {
  value: Type.Optional(Type.String({ maxLength: 1_000_000 })),
  limit: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: INT32_MAX }), Type.Null()])),
  label: Type.Optional(Type.String({ maxLength: 50 })),
  description: NullableStr(10_000),
  read_only: Type.Optional(Type.Boolean()),
  metadata: Type.Optional(Type.Union([Metadata, Type.Null()])),
  tags: Type.Optional(Type.Union([Tags, Type.Null()])),
};
const BlockUpdate = Type.Object(BlockFields);
const BlockCreate = Type.Object({
  ...BlockFields,
  label: Type.String({ maxLength: 50 }),
  value: Type.String({ maxLength: 1_000_000 }),
});
const BlockParams = Type.Object({ block_id: Id('block') });
const LabelParams = Type.Object({ ...AgentIdParams.properties, block_label: Type.String({ maxLength: 50 }) });
const AttachParams = Type.Object({ ...AgentIdParams.properties, block_id: Id('block') });

function toPatch(b: Static<typeof BlockUpdate>): BlockPatch {
  const patch: BlockPatch = {};
  if (b.value !== undefined) patch.value = b.value;
  if (b.limit !== undefined && b.limit !== null) patch.limit = b.limit;
  if (b.label !== undefined) patch.label = b.label;
  if (b.description !== undefined) patch.description = b.description;
  if (b.read_only !== undefined) patch.read_only = b.read_only;
  if (b.metadata) patch.metadata = b.metadata as JsonObject;
  if (b.tags) patch.tags = b.tags;
  return patch;
}

export function v1BlockRoutes(services: Services): Route[] {
  const agentTags = ['agents'];
  const tags = ['blocks'];
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/agents/:agent_id/core-memory/blocks',
      schema: {
        summary: "List an agent's memory blocks (oldest first by default)",
        tags: agentTags,
        params: AgentIdParams,
        querystring: Type.Object({
          limit: V1Limit(100),
          after: Cursor,
          before: Cursor,
          order: Type.Optional(Order),
          order_by: Type.Optional(Type.Literal('created_at')),
        }),
        response: { 200: Type.Array(BlockSchema) },
      },
      handler: async (req) => {
        const agent = await services.agents.get(req.ctx, req.params.agent_id);
        const q = req.query;
        const blocks = await services.blocks.listForAgent(req.ctx, agent.id);
        return pageOf(blocks, { ...q, limit: q.limit ?? 100 }).map(blockView);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/agents/:agent_id/core-memory/blocks/:block_label',
      schema: {
        summary: "Retrieve an agent's block by label",
        tags: agentTags,
        params: LabelParams,
        response: { 200: BlockSchema },
      },
      handler: async (req) => {
        const agent = await services.agents.get(req.ctx, req.params.agent_id);
        return blockView(await services.blocks.getByLabel(req.ctx, agent.id, req.params.block_label));
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/v1/agents/:agent_id/core-memory/blocks/:block_label',
      schema: {
        summary: "Modify an agent's block by label",
        tags: agentTags,
        params: LabelParams,
        body: BlockUpdate,
        response: { 200: BlockSchema },
      },
      handler: async (req) => {
        const agent = await services.agents.get(req.ctx, req.params.agent_id);
        const block = await services.blocks.getByLabel(req.ctx, agent.id, req.params.block_label);
        return blockView(await services.blocks.update(req.ctx, block.id, toPatch(req.body)));
      },
    }),
    ...(['attach', 'detach'] as const).map((op) =>
      defineRoute({
        method: 'PATCH',
        url: `/v1/agents/:agent_id/core-memory/blocks/${op}/:block_id`,
        optionalBody: true,
        schema: {
          summary: `${op === 'attach' ? 'Attach a block to' : 'Detach a block from'} an agent`,
          tags: agentTags,
          params: AttachParams,
          response: { 200: AgentStateSchema },
        },
        handler: async (req) => {
          const agent = await services.agents.get(req.ctx, req.params.agent_id);
          await services.blocks[op](req.ctx, agent.id, req.params.block_id);
          return loadAgentState(services, req, agent, ['agent.blocks', 'agent.tools']);
        },
      }),
    ),
    defineRoute({
      method: 'GET',
      url: '/v1/blocks/',
      schema: {
        summary: 'List blocks',
        tags,
        querystring: Type.Object({
          label: Type.Optional(Type.String({ maxLength: 50 })),
          limit: V1Limit(50),
          after: Cursor,
          before: Cursor,
          order: Type.Optional(Order),
        }),
        response: { 200: Type.Array(BlockSchema) },
      },
      handler: async (req) => {
        const q = req.query;
        const blocks = await services.blocks.list(req.ctx, {
          label: q.label,
          limit: q.limit ?? 50,
          after: q.after,
          before: q.before,
          order: q.order ?? 'asc',
        });
        return blocks.map(blockView);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/blocks/',
      schema: { summary: 'Create block', tags, body: BlockCreate, response: { 200: BlockSchema } },
      handler: async (req) => {
        const b = req.body;
        const block = await services.blocks.create(req.ctx, {
          label: b.label,
          value: b.value,
          limit: b.limit ?? undefined,
          description: b.description,
          read_only: b.read_only,
          metadata: (b.metadata ?? undefined) as JsonObject | undefined,
          tags: b.tags ?? undefined,
        });
        return blockView(block);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/blocks/count',
      schema: {
        summary: 'Count blocks',
        tags,
        querystring: Type.Object({
          label: Type.Optional(Type.String({ maxLength: 50 })),
          tags: Type.Optional(Tags),
          match_all_tags: Type.Optional(Type.Boolean()),
          templates_only: Type.Optional(Type.Boolean()),
        }),
        response: { 200: Type.Integer() },
      },
      handler: async (req) => {
        const q = req.query;
        // No block is a template on this server.
        if (q.templates_only === true) return 0;
        return services.blocks.count(req.ctx, {
          label: q.label,
          tags: q.tags,
          matchAllTags: q.match_all_tags,
        });
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/blocks/:block_id',
      schema: { summary: 'Retrieve block', tags, params: BlockParams, response: { 200: BlockSchema } },
      handler: async (req) => blockView(await services.blocks.get(req.ctx, req.params.block_id)),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/v1/blocks/:block_id',
      schema: {
        summary: 'Modify block',
        tags,
        params: BlockParams,
        body: BlockUpdate,
        response: { 200: BlockSchema },
      },
      handler: async (req) =>
        blockView(await services.blocks.update(req.ctx, req.params.block_id, toPatch(req.body))),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v1/blocks/:block_id',
      schema: { summary: 'Delete block', tags, params: BlockParams, response: { 200: BlockSchema } },
      handler: async (req) => {
        const block = await services.blocks.get(req.ctx, req.params.block_id);
        await services.blocks.delete(req.ctx, block.id);
        return blockView(block);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/blocks/:block_id/agents',
      schema: {
        summary: 'List the agents a block is attached to',
        tags,
        params: BlockParams,
        querystring: Type.Object({ limit: V1Limit(50), after: Cursor, include: Type.Optional(AgentInclude) }),
        response: { 200: Type.Array(AgentStateSchema) },
      },
      handler: async (req) => {
        const agents = await services.blocks.listAgents(req.ctx, req.params.block_id);
        const start = req.query.after ? agents.findIndex((a) => a.id === req.query.after) + 1 : 0;
        // An unknown cursor yields an empty page (ends SDK auto-pagination).
        const page =
          req.query.after && start === 0 ? [] : agents.slice(start, start + (req.query.limit ?? 50));
        return mapWithinBudget(
          page,
          (a) => loadAgentState(services, req, a, req.query.include),
          services.config.limits.responseBytes,
        );
      },
    }),
  ];
}
