/**
 * `/v1/conversations/…`: threads of one agent (shared memory, own in-context messages).
 * `{conversation_id}` may be `default` (the agent's own thread; `agent_id` in the body or query)
 * or, deprecated in Letta, an agent id.
 */
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { LettaError } from '../../errors.js';
import { idPattern, isId } from '../../ids.js';
import type { Services } from '../../services/services.js';
import type { AgentRecord, ConversationRecord } from '../../store/records.js';
import { defineRoute, type Route } from '../route.js';
import { Id } from '../schemas.js';
import { Cursor, Order, V1Limit } from './params.js';
import { ResumeBody, resumeRun } from './runs.js';
import { answerSend, SendBody } from './send.js';
import { AnyObject, ConversationSchema, conversationView, MessageSchema } from './views.js';

export const ConvParams = Type.Object({
  conversation_id: Type.String({
    maxLength: 50,
    pattern: `^(default|${idPattern('conv').slice(1, -1)}|${idPattern('agent').slice(1, -1)})$`,
  }),
});
const AgentQuery = Type.Object({ agent_id: Type.Optional(Id('agent')) });

/** The conversation and its agent for a path id (`default` needs `agentId`). */
export async function target(
  services: Services,
  req: FastifyRequest,
  id: string,
  agentId: string | null | undefined,
): Promise<{ agent: AgentRecord; conv: ConversationRecord }> {
  if (id === 'default' || isId('agent', id)) {
    const ref = isId('agent', id) ? id : agentId;
    if (!ref)
      throw new LettaError('VALIDATION_ERROR', "agent_id is required when conversation_id is 'default'");
    const agent = await services.agents.get(req.ctx, ref);
    return { agent, conv: await services.conversations.resolve(req.ctx, agent, 'default') };
  }
  const conv = await services.conversations.get(req.ctx, id);
  return { agent: await services.agents.get(req.ctx, conv.agent_id), conv };
}

export function v1ConversationRoutes(services: Services): Route[] {
  const tags = ['conversations'];
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/conversations/',
      optionalBody: true,
      schema: {
        summary: 'Create a conversation (`agent_id` in the query)',
        tags,
        querystring: Type.Object({ agent_id: Id('agent') }),
        body: Type.Object({
          summary: Type.Optional(Type.Union([Type.String({ maxLength: 10_000 }), Type.Null()])),
        }),
        response: { 200: ConversationSchema },
      },
      handler: async (req) => {
        const agent = await services.agents.get(req.ctx, req.query.agent_id);
        return conversationView(
          await services.conversations.create(req.ctx, agent, req.body.summary ?? null),
        );
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/conversations/',
      schema: {
        summary: 'List conversations',
        tags,
        querystring: Type.Object({
          agent_id: Type.Optional(Id('agent')),
          limit: V1Limit(50),
          after: Cursor,
          before: Cursor,
          order: Type.Optional(Order),
          archive_status: Type.Optional(Type.String({ maxLength: 20 })),
        }),
        response: { 200: Type.Array(ConversationSchema) },
      },
      handler: async (req) => {
        const q = req.query;
        const list = await services.conversations.list(req.ctx, {
          agentId: q.agent_id,
          limit: q.limit ?? 50,
          after: q.after,
          before: q.before,
          order: q.order ?? 'desc',
          includeArchived: q.archive_status === 'all' || q.archive_status === 'archived',
        });
        return (q.archive_status === 'archived' ? list.filter((c) => c.archived) : list).map(
          conversationView,
        );
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/conversations/:conversation_id',
      schema: {
        summary: 'Retrieve conversation',
        tags,
        params: ConvParams,
        querystring: AgentQuery,
        response: { 200: ConversationSchema },
      },
      handler: async (req) =>
        conversationView((await target(services, req, req.params.conversation_id, req.query.agent_id)).conv),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/v1/conversations/:conversation_id',
      optionalBody: true,
      schema: {
        summary: 'Modify conversation',
        tags,
        params: ConvParams,
        querystring: AgentQuery,
        body: Type.Object({
          summary: Type.Optional(Type.Union([Type.String({ maxLength: 10_000 }), Type.Null()])),
        }),
        response: { 200: ConversationSchema },
      },
      handler: async (req) => {
        const { conv } = await target(services, req, req.params.conversation_id, req.query.agent_id);
        const patch = req.body.summary === undefined ? {} : { summary: req.body.summary };
        return conversationView(await services.conversations.update(req.ctx, conv.id, patch));
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v1/conversations/:conversation_id',
      schema: {
        summary: 'Delete (archive) conversation',
        tags,
        params: ConvParams,
        querystring: AgentQuery,
        response: { 200: ConversationSchema },
      },
      handler: async (req) => {
        const { conv } = await target(services, req, req.params.conversation_id, req.query.agent_id);
        return conversationView(await services.conversations.archive(req.ctx, conv.id));
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/conversations/:conversation_id/messages',
      schema: {
        summary: 'Send message to a conversation (SSE unless `streaming: false`)',
        tags,
        params: ConvParams,
        querystring: AgentQuery,
        body: SendBody,
        response: { 200: AnyObject },
      },
      handler: async (req, reply) => {
        const { agent, conv } = await target(
          services,
          req,
          req.params.conversation_id,
          req.body.agent_id ?? req.query.agent_id,
        );
        return answerSend(services, req, reply, agent, conv.id, req.body, req.body.streaming !== false);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/conversations/:conversation_id/messages',
      schema: {
        summary: "List a conversation's messages (newest first by default)",
        tags,
        params: ConvParams,
        querystring: Type.Object({
          agent_id: Type.Optional(Id('agent')),
          limit: V1Limit(100),
          after: Cursor,
          before: Cursor,
          order: Type.Optional(Order),
          include_return_message_types: Type.Optional(
            Type.Array(Type.String({ maxLength: 50 }), { maxItems: 20 }),
          ),
        }),
        response: { 200: Type.Array(MessageSchema) },
      },
      handler: async (req) => {
        const q = req.query;
        const { conv } = await target(services, req, req.params.conversation_id, q.agent_id);
        return services.history.listTyped(
          req.ctx,
          {
            conversationId: conv.id,
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
      method: 'POST',
      url: '/v1/conversations/:conversation_id/cancel',
      optionalBody: true,
      schema: {
        summary: "Cancel a conversation's active runs",
        tags,
        params: ConvParams,
        querystring: AgentQuery,
        response: { 200: AnyObject },
      },
      handler: async (req) => {
        const { agent, conv } = await target(services, req, req.params.conversation_id, req.query.agent_id);
        const active = await services.runs.listActive(req.ctx, { conversationId: conv.id }, 100);
        if (active.length === 0) return {};
        try {
          return await services.messages.cancel(
            req.ctx,
            agent,
            active.map((r) => r.id),
          );
        } catch (err) {
          if (err instanceof LettaError && err.code === 'NOTHING_TO_CANCEL') return {};
          throw err;
        }
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/conversations/:conversation_id/stream',
      optionalBody: true,
      schema: {
        summary: "Resume a conversation's run stream (its latest run unless `run_id`)",
        tags,
        params: ConvParams,
        querystring: AgentQuery,
        body: Type.Object({
          ...ResumeBody.properties,
          run_id: Type.Optional(Id('run')),
          agent_id: Type.Optional(Id('agent')),
        }),
        response: { 200: AnyObject },
      },
      handler: async (req, reply) => {
        const { conv } = await target(
          services,
          req,
          req.params.conversation_id,
          req.body.agent_id ?? req.query.agent_id,
        );
        const run = req.body.run_id
          ? await services.runs.find(req.ctx, req.body.run_id)
          : await services.runs.latestInConversation(req.ctx, conv.id);
        if (!run || run.conversation_id !== conv.id)
          throw new LettaError('RUN_NOT_FOUND', `No run to resume in conversation '${conv.id}'`);
        return resumeRun(
          services,
          req,
          reply,
          run,
          req.body.starting_after ?? 0,
          req.body.include_pings !== false,
        );
      },
    }),
  ];
}
