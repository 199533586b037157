/**
 * `POST /v1/messages/search` (the official client's `messages.search`): Letta's message search,
 * over one agent's history here (`agent_id` is required; Letta Cloud searches a whole
 * organization). Keyword matching only: `search_mode` is accepted and answered the same way.
 */
import { Type } from 'typebox';
import { LettaError } from '../../errors.js';
import type { Services } from '../../services/services.js';
import { defineRoute, type Route } from '../route.js';
import { Id } from '../schemas.js';
import { Loose } from './views.js';

const DateTime = Type.String({ maxLength: 64, description: 'ISO-8601 date-time.' });

export const SearchAllMessagesRequest = Type.Object({
  query: Type.String({ maxLength: 10_000 }),
  search_mode: Type.Optional(
    Type.Union([Type.Literal('vector'), Type.Literal('fts'), Type.Literal('hybrid')]),
  ),
  agent_id: Type.Optional(Type.Union([Id('agent'), Type.Null()])),
  conversation_id: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
  start_date: Type.Optional(Type.Union([DateTime, Type.Null()])),
  end_date: Type.Optional(Type.Union([DateTime, Type.Null()])),
});

const MessageListResult = Loose({
  message_type: Type.String(),
  message_id: Type.String(),
  content: Type.String(),
  created_at: Type.String(),
});

export function v1MessageSearchRoutes(services: Services): Route[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/messages/search',
      schema: {
        summary: "Search an agent's messages (newest first)",
        description:
          'Case-insensitive keyword search over the user and assistant messages of `agent_id`, in every conversation (any word of `query`), filtered by date.',
        tags: ['messages'],
        body: SearchAllMessagesRequest,
        response: { 200: Type.Array(MessageListResult) },
      },
      handler: async ({ ctx, body }) => {
        if (!body.agent_id)
          throw new LettaError(
            'VALIDATION_ERROR',
            'agent_id is required: this server searches one agent at a time',
          );
        if (body.conversation_id)
          throw new LettaError(
            'VALIDATION_ERROR',
            "conversation_id is not supported: search covers all of the agent's conversations",
          );
        const agent = await services.agents.get(ctx, body.agent_id);
        return services.messageSearch.search(ctx, agent, {
          query: body.query,
          startDate: body.start_date ?? undefined,
          endDate: body.end_date ?? undefined,
          limit: body.limit ?? 50,
        });
      },
    }),
  ];
}
