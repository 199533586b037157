/**
 * Letta V1 archival memory: `/v1/agents/{agent_id}/archival-memory` (insert, list, hybrid
 * search, delete). Passages are answered in Letta's `Passage` shape (`embedding` is null: vectors
 * stay in the database).
 */

import { Type } from 'typebox';
import { embeddingConfig } from '../../runtime/llm/embedding-config.js';
import type { PassageRecord } from '../../services/archival-service.js';
import type { Services } from '../../services/services.js';
import type { JsonObject } from '../../store/records.js';
import { defineRoute, type Route } from '../route.js';
import { Id, Metadata, Tags } from '../schemas.js';
import { AgentIdParams, Cursor } from './params.js';

const tags = ['archival-memory'];

export const PassageSchema = Type.Object(
  {
    id: Type.String(),
    text: Type.String(),
    embedding: Type.Null(),
    embedding_config: Type.Unknown(),
    archive_id: Type.Union([Type.String(), Type.Null()]),
    organization_id: Type.Union([Type.String(), Type.Null()]),
    source_id: Type.Null(),
    file_id: Type.Null(),
    file_name: Type.Null(),
    created_by_id: Type.Null(),
    last_updated_by_id: Type.Null(),
    created_at: Type.String(),
    updated_at: Type.String(),
    is_deleted: Type.Boolean(),
    tags: Type.Array(Type.String()),
    metadata: Type.Record(Type.String(), Type.Unknown()),
  },
  { additionalProperties: true },
);

/** Letta's `Passage` for a stored passage. */
export function passageView(services: Services, p: PassageRecord) {
  return {
    id: p.id,
    text: p.text,
    embedding: null,
    embedding_config: p.embedding_model
      ? embeddingConfigOf(services, p.embedding_model, p.embedding_dim)
      : null,
    archive_id: p.archive_id,
    organization_id: p.organization_id,
    source_id: null,
    file_id: null,
    file_name: null,
    created_by_id: null,
    last_updated_by_id: null,
    created_at: p.created_at,
    updated_at: p.created_at,
    is_deleted: false,
    tags: p.tags,
    metadata: p.metadata,
  };
}

/** Letta's `EmbeddingConfig` for a stored handle and dimension (the handle as stored if its provider is gone). */
/** The `embedding_config` of stored vectors (an archive's, a passage's) of dimension `dim`. */
export function embeddingConfigOf(services: Services, handle: string, dim: number | null) {
  return embeddingConfig(services.providers, handle, { dimension: dim, unknownDimension: 0 });
}

const DateTime = Type.String({ maxLength: 64, description: 'ISO-8601 date-time.' });
/** Letta's `PassageCreateRequest` (also the archives API's). */
export const CreatePassage = Type.Object({
  text: Type.String({ minLength: 1, maxLength: 1_000_000 }),
  tags: Type.Optional(Type.Union([Tags, Type.Null()])),
  created_at: Type.Optional(Type.Union([DateTime, Type.Null()])),
  metadata: Type.Optional(Type.Union([Metadata, Type.Null()])),
});
const ListQuery = Type.Object({
  after: Cursor,
  before: Cursor,
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  ascending: Type.Optional(Type.Boolean({ default: true })),
  search: Type.Optional(Type.String({ maxLength: 1000 })),
});
const SearchQuery = Type.Object({
  query: Type.String({ maxLength: 10_000 }),
  tags: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 100 })),
  tag_match_mode: Type.Optional(Type.Union([Type.Literal('any'), Type.Literal('all')], { default: 'any' })),
  top_k: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  start_datetime: Type.Optional(DateTime),
  end_datetime: Type.Optional(DateTime),
});
const SearchResponse = Type.Object({
  results: Type.Array(
    Type.Object({
      id: Type.String(),
      timestamp: Type.String(),
      content: Type.String(),
      tags: Type.Array(Type.String()),
    }),
  ),
  count: Type.Integer(),
  search_mode: Type.String({
    description: "'hybrid' (vectors + keywords) or 'keyword' (no embedding model / vector extension).",
  }),
});
const MemoryParams = Type.Object({ ...AgentIdParams.properties, memory_id: Id('passage') });

export function v1ArchivalRoutes(services: Services): Route[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/agents/:agent_id/archival-memory',
      schema: {
        summary: 'Insert into archival memory',
        tags,
        params: AgentIdParams,
        body: CreatePassage,
        response: { 200: Type.Array(PassageSchema) },
      },
      handler: async ({ ctx, params, body }) => {
        const agent = await services.agents.get(ctx, params.agent_id);
        const passages = await services.archival.insert(ctx, agent, {
          text: body.text,
          tags: body.tags ?? undefined,
          created_at: body.created_at ?? undefined,
          metadata: (body.metadata ?? undefined) as JsonObject | undefined,
        });
        return passages.map((p) => passageView(services, p));
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/agents/:agent_id/archival-memory',
      schema: {
        summary: 'List archival memory',
        tags,
        params: AgentIdParams,
        querystring: ListQuery,
        response: { 200: Type.Array(PassageSchema) },
      },
      handler: async ({ ctx, params, query }) => {
        const agent = await services.agents.get(ctx, params.agent_id);
        const passages = await services.archival.list(ctx, agent, {
          limit: query.limit ?? 100,
          after: query.after,
          before: query.before,
          order: query.ascending === false ? 'desc' : 'asc',
          search: query.search,
        });
        return passages.map((p) => passageView(services, p));
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/agents/:agent_id/archival-memory/search',
      schema: {
        summary: 'Search archival memory (hybrid: vectors and keywords)',
        tags,
        params: AgentIdParams,
        querystring: SearchQuery,
        response: { 200: SearchResponse },
      },
      handler: async ({ ctx, params, query }) => {
        const agent = await services.agents.get(ctx, params.agent_id);
        const r = await services.archival.search(ctx, agent, query.query, query);
        const results = r.results.map(({ passage }) => ({
          id: passage.id,
          timestamp: passage.created_at,
          content: passage.text,
          tags: passage.tags,
        }));
        return { results, count: results.length, search_mode: r.search_mode };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v1/agents/:agent_id/archival-memory/:memory_id',
      schema: { summary: 'Delete a passage from archival memory', tags, params: MemoryParams },
      handler: async ({ ctx, params }) => {
        const agent = await services.agents.get(ctx, params.agent_id);
        await services.archival.delete(ctx, agent, params.memory_id);
        return null;
      },
    }),
  ];
}
