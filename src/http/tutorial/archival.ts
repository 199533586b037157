/**
 * The tutorial's archival memory: `/agents/{agent}/archival` (list, insert) and
 * `/agents/{agent}/archival/search?query=` (hybrid search), where `{agent}` is a name or an id.
 */
import { Type } from 'typebox';
import type { PassageRecord } from '../../services/archival-service.js';
import type { Services } from '../../services/services.js';
import { defineRoute, type Route } from '../route.js';
import { DEFAULT_LIMIT, Limit, Tags } from '../schemas.js';
import { AgentParams } from './agents.js';

const tags = ['archival'];

export const PassageView = Type.Object({
  id: Type.String(),
  text: Type.String(),
  tags: Type.Array(Type.String()),
  created_at: Type.String(),
  embedding_model: Type.Union([Type.String(), Type.Null()]),
});
export const SearchResponse = Type.Object({
  search_mode: Type.String(),
  note: Type.Optional(Type.String()),
  results: Type.Array(Type.Object({ ...PassageView.properties, score: Type.Number() })),
});
const view = (p: PassageRecord) => ({
  id: p.id,
  text: p.text,
  tags: p.tags,
  created_at: p.created_at,
  embedding_model: p.embedding_model,
});

export function tutorialArchivalRoutes(services: Services): Route[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/agents/:agent/archival',
      schema: {
        summary: "List the agent's archival memory (oldest first)",
        tags,
        params: AgentParams,
        querystring: Type.Object(
          {
            limit: Limit,
            after: Type.Optional(Type.String({ maxLength: 100, description: 'Passage id to list after.' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(PassageView) },
      },
      handler: async ({ ctx, params, query }) => {
        const agent = await services.agents.get(ctx, params.agent);
        const list = await services.archival.list(ctx, agent, {
          limit: query.limit ?? DEFAULT_LIMIT,
          after: query.after,
        });
        return list.map(view);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/agents/:agent/archival',
      schema: {
        summary: "Add a passage to the agent's archival memory",
        tags,
        params: AgentParams,
        body: Type.Object(
          { text: Type.String({ minLength: 1, maxLength: 1_000_000 }), tags: Type.Optional(Tags) },
          { additionalProperties: false },
        ),
        response: { 201: PassageView },
      },
      handler: async ({ ctx, params, body }) => {
        const agent = await services.agents.get(ctx, params.agent);
        const [p] = await services.archival.insert(ctx, agent, { text: body.text, tags: body.tags });
        return p && view(p);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/agents/:agent/archival/search',
      schema: {
        summary: "Search the agent's archival memory by meaning and keywords",
        tags,
        params: AgentParams,
        querystring: Type.Object(
          {
            query: Type.String({ minLength: 1, maxLength: 10_000 }),
            top_k: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 10 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: SearchResponse },
      },
      handler: async ({ ctx, params, query }) => {
        const agent = await services.agents.get(ctx, params.agent);
        const r = await services.archival.search(ctx, agent, query.query, { top_k: query.top_k });
        return {
          search_mode: r.search_mode,
          ...(r.note ? { note: r.note } : {}),
          results: r.results.map((h) => ({ ...view(h.passage), score: h.score })),
        };
      },
    }),
  ];
}
