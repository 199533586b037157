/**
 * Letta V1 archives: `/v1/archives/…` (create, list, get, modify, delete, passages one at a time
 * or in bulk, the agents an archive is attached to) and attaching an archive to an agent
 * (`/v1/agents/{agent_id}/archives/attach|detach/{archive_id}`), which makes its passages
 * searchable by that agent. `POST …/passages/batch` is the bulk load path: one transaction, and
 * on PostgreSQL a new dimension's HNSW index is built once after the rows are in.
 */
import { type Static, Type } from 'typebox';
import type { InsertPassageInput } from '../../services/archival-service.js';
import type { ArchiveRecord } from '../../services/archive-service.js';
import type { Services } from '../../services/services.js';
import type { JsonObject } from '../../store/records.js';
import { mapWithinBudget } from '../response-budget.js';
import { defineRoute, type Route } from '../route.js';
import { Id } from '../schemas.js';
import { CreatePassage, embeddingConfigOf, PassageSchema, passageView } from './archival-memory.js';
import { AgentIdParams, Cursor, Order, V1Limit } from './params.js';
import { AgentInclude, AgentStateSchema, loadAgentState } from './views.js';

const tags = ['archives'];
const NullableStr = (max: number) =>
  Type.Optional(Type.Union([Type.String({ maxLength: max }), Type.Null()]));

const ArchiveSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    description: Type.Union([Type.String(), Type.Null()]),
    vector_db_provider: Type.Literal('native'),
    embedding_config: Type.Unknown(),
    metadata: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
    organization_id: Type.String(),
    created_by_id: Type.Null(),
    last_updated_by_id: Type.Null(),
    created_at: Type.String(),
    updated_at: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: true },
);

/** Letta's `Archive`. */
function archiveView(services: Services, a: ArchiveRecord) {
  return {
    id: a.id,
    name: a.name,
    description: a.description,
    vector_db_provider: 'native' as const,
    embedding_config: a.embedding ? embeddingConfigOf(services, a.embedding, a.embedding_dim) : null,
    metadata: a.metadata,
    organization_id: a.organization_id,
    created_by_id: null,
    last_updated_by_id: null,
    created_at: a.created_at,
    updated_at: a.updated_at ?? a.created_at,
  };
}

const ArchiveCreate = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 500 }),
  description: NullableStr(10_000),
  embedding: NullableStr(300),
  embedding_config: Type.Optional(
    Type.Union([
      Type.Object(
        {
          handle: NullableStr(300),
          embedding_endpoint_type: Type.Optional(Type.String({ maxLength: 100 })),
          embedding_model: Type.Optional(Type.String({ maxLength: 300 })),
        },
        { additionalProperties: true },
      ),
      Type.Null(),
    ]),
  ),
});
const ArchiveUpdate = Type.Object({
  name: NullableStr(500),
  description: NullableStr(10_000),
});
const BatchCreate = Type.Object({
  passages: Type.Array(CreatePassage, { maxItems: 10_000, description: 'Passages to create in the archive' }),
});
const ArchiveParams = Type.Object({ archive_id: Id('archive') });
const PassageParams = Type.Object({ archive_id: Id('archive'), passage_id: Id('passage') });
// The spec gives attach/detach's archive_id no pattern: an unknown value is a 404, not a 422.
const AttachParams = Type.Object({
  ...AgentIdParams.properties,
  archive_id: Type.String({ maxLength: 100 }),
});

/** The handle an archive is created with: `embedding`, else the deprecated `embedding_config`. */
function handleOf(body: Static<typeof ArchiveCreate>): string | undefined {
  if (body.embedding) return body.embedding;
  const c = body.embedding_config;
  if (c?.handle) return c.handle;
  if (c?.embedding_endpoint_type && c.embedding_model)
    return `${c.embedding_endpoint_type}/${c.embedding_model}`;
  return undefined;
}

function toInput(p: Static<typeof CreatePassage>): InsertPassageInput {
  return {
    text: p.text,
    tags: p.tags ?? undefined,
    created_at: p.created_at ?? undefined,
    metadata: (p.metadata ?? undefined) as JsonObject | undefined,
  };
}

export function v1ArchiveRoutes(services: Services): Route[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/archives/',
      schema: { summary: 'Create an archive', tags, body: ArchiveCreate, response: { 200: ArchiveSchema } },
      handler: async ({ ctx, body }) =>
        archiveView(
          services,
          await services.archives.create(ctx, {
            name: body.name,
            description: body.description,
            embedding: handleOf(body),
          }),
        ),
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/archives/',
      schema: {
        summary: 'List archives',
        tags,
        querystring: Type.Object({
          before: Cursor,
          after: Cursor,
          limit: V1Limit(50),
          order: Type.Optional(Order),
          order_by: Type.Optional(Type.Literal('created_at')),
          name: Type.Optional(Type.String({ maxLength: 500 })),
          agent_id: Type.Optional(Type.String({ maxLength: 100 })),
        }),
        response: { 200: Type.Array(ArchiveSchema) },
      },
      handler: async ({ ctx, query }) => {
        const archives = await services.archives.list(ctx, {
          limit: query.limit ?? 50,
          after: query.after,
          before: query.before,
          order: query.order ?? 'desc',
          name: query.name,
          agentId: query.agent_id,
        });
        return archives.map((a) => archiveView(services, a));
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/archives/:archive_id',
      schema: {
        summary: 'Retrieve an archive',
        tags,
        params: ArchiveParams,
        response: { 200: ArchiveSchema },
      },
      handler: async ({ ctx, params }) =>
        archiveView(services, await services.archives.get(ctx, params.archive_id)),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/v1/archives/:archive_id',
      schema: {
        summary: "Modify an archive's name and/or description",
        tags,
        params: ArchiveParams,
        body: ArchiveUpdate,
        response: { 200: ArchiveSchema },
      },
      handler: async ({ ctx, params, body }) => {
        const patch: { name?: string; description?: string | null } = {};
        if (body.name !== undefined && body.name !== null) patch.name = body.name;
        if (body.description !== undefined) patch.description = body.description;
        return archiveView(services, await services.archives.update(ctx, params.archive_id, patch));
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v1/archives/:archive_id',
      schema: {
        summary: 'Delete an archive and its passages',
        tags,
        params: ArchiveParams,
        response: { 204: Type.Null() },
      },
      handler: async ({ ctx, params }) => {
        await services.archives.delete(ctx, params.archive_id);
        return null;
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/archives/:archive_id/passages',
      schema: {
        summary: 'Create a passage in an archive',
        tags,
        params: ArchiveParams,
        body: CreatePassage,
        response: { 200: PassageSchema },
      },
      handler: async ({ ctx, params, body }) => {
        const [p] = await services.archives.insertPassages(ctx, params.archive_id, [toInput(body)]);
        return p && passageView(services, p);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/archives/:archive_id/passages/batch',
      schema: {
        summary: 'Create passages in an archive (bulk load)',
        description:
          'All or none, in one transaction. On PostgreSQL, when no vector index exists yet for the ' +
          "passages' dimension, it is built once after the rows are in.",
        tags,
        params: ArchiveParams,
        body: BatchCreate,
        response: { 200: Type.Array(PassageSchema) },
      },
      handler: async ({ ctx, params, body }) => {
        const passages = await services.archives.insertPassages(
          ctx,
          params.archive_id,
          body.passages.map(toInput),
        );
        return passages.map((p) => passageView(services, p));
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v1/archives/:archive_id/passages/:passage_id',
      schema: {
        summary: 'Delete a passage from an archive',
        tags,
        params: PassageParams,
        response: { 204: Type.Null() },
      },
      handler: async ({ ctx, params }) => {
        await services.archives.deletePassage(ctx, params.archive_id, params.passage_id);
        return null;
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/archives/:archive_id/agents',
      schema: {
        summary: 'List the agents an archive is attached to',
        tags,
        params: ArchiveParams,
        querystring: Type.Object({
          before: Cursor,
          after: Cursor,
          limit: V1Limit(50),
          order: Type.Optional(Order),
          include: Type.Optional(AgentInclude),
        }),
        response: { 200: Type.Array(AgentStateSchema) },
      },
      handler: async (req) => {
        const { query } = req;
        const ids = await services.archives.listAgentIds(req.ctx, req.params.archive_id, {
          limit: query.limit ?? 50,
          after: query.after,
          before: query.before,
          order: query.order ?? 'desc',
        });
        const agents = await Promise.all(ids.map((id) => services.agents.get(req.ctx, id)));
        return mapWithinBudget(
          agents,
          (a) => loadAgentState(services, req, a, query.include),
          services.config.limits.responseBytes,
        );
      },
    }),
    ...(['attach', 'detach'] as const).map((op) =>
      defineRoute({
        method: 'PATCH',
        url: `/v1/agents/:agent_id/archives/${op}/:archive_id`,
        optionalBody: true,
        schema: {
          summary: `${op === 'attach' ? 'Attach an archive to' : 'Detach an archive from'} an agent`,
          tags: ['agents'],
          params: AttachParams,
          response: { 200: Type.Null() },
        },
        handler: async ({ ctx, params }) => {
          const agent = await services.agents.get(ctx, params.agent_id);
          await services.archives[op](ctx, agent.id, params.archive_id);
          return null;
        },
      }),
    ),
  ];
}
