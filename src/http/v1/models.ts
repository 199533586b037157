/** `GET /v1/models/` and `/v1/models/embedding`: the provider registry's models as Letta `Model`s. */
import { Type } from 'typebox';
import type { Services } from '../../services/services.js';
import { defineRoute, type Route } from '../route.js';
import { Loose } from './views.js';

const ModelSchema = Loose({ handle: Type.String(), name: Type.String() });

export function v1ModelRoutes(services: Services): Route[] {
  const tags = ['models'];
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/models/',
      schema: {
        summary: 'List chat models',
        tags,
        querystring: Type.Object({
          provider_type: Type.Optional(Type.String({ maxLength: 50 })),
          provider_name: Type.Optional(Type.String({ maxLength: 100 })),
        }),
        response: { 200: Type.Array(ModelSchema) },
      },
      handler: async (req) =>
        services.providers
          .listModels()
          .filter(
            (m) =>
              (!req.query.provider_type || m.providerType === req.query.provider_type) &&
              (!req.query.provider_name || m.providerName === req.query.provider_name),
          )
          .map((m) => ({
            handle: m.handle,
            name: m.name,
            display_name: m.name,
            model: m.name,
            model_type: 'llm',
            model_endpoint_type: m.providerType,
            model_endpoint: m.endpoint,
            context_window: m.contextWindow,
            max_context_window: m.contextWindow,
            provider_type: m.providerType,
            provider_name: m.providerName,
            provider_category: 'base',
            put_inner_thoughts_in_kwargs: false,
          })),
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/models/embedding',
      schema: { summary: 'List embedding models', tags, response: { 200: Type.Array(ModelSchema) } },
      handler: async () =>
        services.providers.listEmbeddingModels().map((m) => ({
          handle: m.handle,
          name: m.name,
          display_name: m.name,
          model_type: 'embedding',
          provider_type: m.providerType,
          provider_name: m.providerName,
          embedding_endpoint_type: m.providerType,
          embedding_endpoint: m.endpoint,
          embedding_model: m.name,
          embedding_dim: m.dimension,
          embedding_chunk_size: 300,
          batch_size: 32,
        })),
    }),
  ];
}
