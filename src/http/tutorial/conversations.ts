/**
 * The tutorial's conversation routes under `/agents/{agent}/conversations`. `{conversation}` is
 * a conversation id or `default` (the agent's own history). Message listings are Letta typed
 * messages, oldest first; `limit` counts stored messages (one stored message can show as several
 * typed messages sharing its id), and `after` is the id of the last message already seen.
 */
import { Type } from 'typebox';
import { idPattern } from '../../ids.js';
import type { Services } from '../../services/services.js';
import { defineRoute, type Route } from '../route.js';
import { DEFAULT_LIMIT, Id, Limit, NullableText } from '../schemas.js';
import { AgentParams } from './agents.js';
import { ConversationView, conversationView, LettaMessageView } from './views.js';

const ConversationParams = Type.Object({
  ...AgentParams.properties,
  conversation: Type.String({
    maxLength: 41,
    pattern: `^(default|${idPattern('conv').slice(1, -1)})$`,
    description: 'Conversation id, or `default`',
  }),
});
const CreateConversation = Type.Object(
  { summary: Type.Optional(NullableText(10_000)) },
  { additionalProperties: false },
);
const ListConversations = Type.Object(
  { limit: Limit, after: Type.Optional(Id('conv', 'Conversation id to list after.')) },
  { additionalProperties: false },
);
const ListMessages = Type.Object(
  {
    limit: Limit,
    after: Type.Optional(Id('message', 'Message id to list after.')),
    include_system: Type.Optional(
      Type.Boolean({ default: false, description: 'Include the system message.' }),
    ),
  },
  { additionalProperties: false },
);
const tags = ['conversations'];

export function tutorialConversationRoutes(services: Services): Route[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/agents/:agent/conversations',
      optionalBody: true,
      schema: {
        summary: 'Create a conversation (the body is optional)',
        tags,
        params: AgentParams,
        body: CreateConversation,
        response: { 201: ConversationView },
      },
      handler: async ({ ctx, params, body }) => {
        const agent = await services.agents.get(ctx, params.agent);
        return conversationView(await services.conversations.create(ctx, agent, body.summary ?? null));
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/agents/:agent/conversations',
      schema: {
        summary: "List an agent's conversations, oldest first (the default one included)",
        tags,
        params: AgentParams,
        querystring: ListConversations,
        response: { 200: Type.Array(ConversationView) },
      },
      handler: async ({ ctx, params, query }) => {
        const agent = await services.agents.get(ctx, params.agent);
        const list = await services.conversations.list(ctx, {
          agentId: agent.id,
          limit: query.limit ?? DEFAULT_LIMIT,
          after: query.after,
        });
        return list.map(conversationView);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/agents/:agent/conversations/:conversation',
      schema: {
        summary: 'Get a conversation',
        tags,
        params: ConversationParams,
        response: { 200: ConversationView },
      },
      handler: async ({ ctx, params }) => {
        const agent = await services.agents.get(ctx, params.agent);
        return conversationView(await services.conversations.resolve(ctx, agent, params.conversation));
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/agents/:agent/conversations/:conversation/messages',
      schema: {
        summary: "List a conversation's messages, oldest first",
        tags,
        params: ConversationParams,
        querystring: ListMessages,
        response: { 200: Type.Array(LettaMessageView) },
      },
      handler: async ({ ctx, params, query }) => {
        const agent = await services.agents.get(ctx, params.agent);
        const conv = await services.conversations.resolve(ctx, agent, params.conversation);
        return services.history.listConversation(ctx, conv.id, {
          limit: query.limit ?? DEFAULT_LIMIT,
          after: query.after,
          includeSystem: query.include_system,
        });
      },
    }),
  ];
}
