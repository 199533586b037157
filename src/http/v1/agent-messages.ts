/**
 * `/v1/agents/{agent_id}/messages…`: send (JSON or SSE), stream, list, async, cancel, and
 * `reset-messages`. Sends go through `services.messages` like the tutorial API's.
 */
import { Type } from 'typebox';
import { LettaError } from '../../errors.js';
import type { Services } from '../../services/services.js';
import { defineRoute, type Route } from '../route.js';
import { Id } from '../schemas.js';
import { RunView, runView } from '../tutorial/run-view.js';
import { AgentIdParams, Cursor, Order, V1Limit } from './params.js';
import { answerSend, approvalAnswers, clientTools, inputMessages, SendBody } from './send.js';
import { AgentStateSchema, AnyObject, loadAgentState, MessageSchema } from './views.js';

const tags = ['agents'];

const ListMessages = Type.Object({
  limit: V1Limit(100),
  after: Cursor,
  before: Cursor,
  order: Type.Optional(Order),
  conversation_id: Type.Optional(Type.String({ maxLength: 100 })),
  include_return_message_types: Type.Optional(Type.Array(Type.String({ maxLength: 50 }), { maxItems: 20 })),
  use_assistant_message: Type.Optional(Type.Boolean()),
});

export function v1AgentMessageRoutes(services: Services): Route[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/agents/:agent_id/messages',
      schema: {
        summary: 'Send message',
        description: 'JSON `LettaResponse`, or an SSE stream with `streaming: true`.',
        tags,
        params: AgentIdParams,
        body: SendBody,
        response: { 200: AnyObject },
      },
      handler: async (req, reply) => {
        const agent = await services.agents.get(req.ctx, req.params.agent_id);
        return answerSend(services, req, reply, agent, null, req.body, req.body.streaming === true);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/agents/:agent_id/messages/stream',
      schema: {
        summary: 'Send message (streaming, deprecated)',
        tags,
        params: AgentIdParams,
        body: SendBody,
        response: { 200: AnyObject },
      },
      handler: async (req, reply) => {
        const agent = await services.agents.get(req.ctx, req.params.agent_id);
        return answerSend(services, req, reply, agent, null, req.body, true);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/agents/:agent_id/messages',
      schema: {
        summary: 'List messages (newest first by default)',
        tags,
        params: AgentIdParams,
        querystring: ListMessages,
        response: { 200: Type.Array(MessageSchema) },
      },
      handler: async (req) => {
        const agent = await services.agents.get(req.ctx, req.params.agent_id);
        const q = req.query;
        let conversationId: string | undefined;
        if (q.conversation_id)
          conversationId = (await services.conversations.resolve(req.ctx, agent, q.conversation_id)).id;
        return services.history.listTyped(
          req.ctx,
          {
            agentId: agent.id,
            conversationId,
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
      url: '/v1/agents/:agent_id/messages/async',
      schema: {
        summary: 'Send message asynchronously',
        tags,
        params: AgentIdParams,
        body: SendBody,
        response: { 200: RunView },
      },
      handler: async (req) => {
        const agent = await services.agents.get(req.ctx, req.params.agent_id);
        const handle = await services.messages.start(req.ctx, {
          agent,
          messages: inputMessages(req.body),
          approvals: approvalAnswers(req.body),
          clientTools: clientTools(req.body),
          maxSteps: req.body.max_steps,
          background: true,
          callbackUrl: req.body.callback_url ?? undefined,
        });
        return runView(handle.run);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/agents/:agent_id/messages/cancel',
      optionalBody: true,
      schema: {
        summary: "Cancel an agent's active runs",
        tags,
        params: AgentIdParams,
        body: Type.Object({
          run_ids: Type.Optional(Type.Union([Type.Array(Id('run'), { maxItems: 100 }), Type.Null()])),
        }),
        response: { 200: AnyObject },
      },
      handler: async (req) => {
        const agent = await services.agents.get(req.ctx, req.params.agent_id);
        try {
          return await services.messages.cancel(req.ctx, agent, req.body.run_ids ?? undefined);
        } catch (err) {
          // Nothing active: an empty result, not a 409 (the SDK would retry a 409).
          if (err instanceof LettaError && err.code === 'NOTHING_TO_CANCEL') return {};
          throw err;
        }
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/v1/agents/:agent_id/reset-messages',
      optionalBody: true,
      schema: {
        summary: "Reset the agent's in-context messages (the system message stays; history stays stored)",
        tags,
        params: AgentIdParams,
        body: Type.Object({ add_default_initial_messages: Type.Optional(Type.Boolean()) }),
        response: { 200: AgentStateSchema },
      },
      handler: async (req) => {
        const agent = await services.agents.get(req.ctx, req.params.agent_id);
        await services.conversations.resetContext(req.ctx, agent);
        return loadAgentState(services, req, agent);
      },
    }),
  ];
}
