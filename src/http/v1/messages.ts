/**
 * The organization's messages across agents (`GET /v1/messages/`, optionally one conversation's)
 * and one message by id (`GET /v1/messages/{message_id}`), as Letta typed messages: one stored
 * message can show as several typed ones sharing its id, so the latter answers a list.
 */
import { Type } from 'typebox';
import type { Services } from '../../services/services.js';
import { defineRoute, type Route } from '../route.js';
import { Id } from '../schemas.js';
import { Cursor, Order, V1Limit } from './params.js';
import { MessageSchema } from './views.js';

export function v1MessageRoutes(services: Services): Route[] {
  const tags = ['messages'];
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/messages/',
      schema: {
        summary: "List the organization's messages (newest first by default)",
        tags,
        querystring: Type.Object({
          limit: V1Limit(100),
          after: Cursor,
          before: Cursor,
          order: Type.Optional(Order),
          conversation_id: Type.Optional(Id('conv')),
          include_return_message_types: Type.Optional(
            Type.Array(Type.String({ maxLength: 50 }), { maxItems: 20 }),
          ),
        }),
        response: { 200: Type.Array(MessageSchema) },
      },
      handler: async (req) => {
        const q = req.query;
        return services.history.listTyped(
          req.ctx,
          {
            conversationId: q.conversation_id,
            limit: q.limit ?? 100,
            after: q.after,
            before: q.before,
            order: q.order ?? 'desc',
          },
          q.include_return_message_types,
        );
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/messages/:message_id',
      schema: {
        summary: 'Retrieve a message (its typed parts)',
        tags,
        params: Type.Object({ message_id: Id('message') }),
        response: { 200: Type.Array(MessageSchema) },
      },
      handler: async (req) => services.history.getTyped(req.ctx, req.params.message_id),
    }),
  ];
}
