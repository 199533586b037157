/**
 * Recompile, compact (summarize) and fork: `POST /v1/agents/{id}/recompile` (and
 * `…/system-prompt/recompile`), `POST /v1/agents/{id}/summarize`, and
 * `POST /v1/conversations/{id}/recompile|compact|fork`. The agent routes act on the agent's
 * default conversation. Recompile and compact answer 409 CONVERSATION_BUSY while a run holds the
 * conversation.
 */
import { Type } from 'typebox';
import type { Services } from '../../services/services.js';
import { defineRoute, type Route } from '../route.js';
import { Id } from '../schemas.js';
import { ConvParams, target } from './conversations.js';
import { ConversationSchema, conversationView } from './views.js';

const AgentParams = Type.Object({ agent_id: Id('agent') });
const RecompileQuery = Type.Object({
  update_timestamp: Type.Optional(Type.Boolean()),
  dry_run: Type.Optional(Type.Boolean()),
});
/** `CompactionSettings`: the mode and the sliding window's share are used; the rest is accepted. */
const CompactionSettings = Type.Union([
  Type.Object(
    {
      mode: Type.Optional(
        Type.Union([
          Type.Literal('sliding_window'),
          Type.Literal('all'),
          Type.Literal('self_compact_all'),
          Type.Literal('self_compact_sliding_window'),
        ]),
      ),
      sliding_window_percentage: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    },
    { additionalProperties: true },
  ),
  Type.Null(),
]);
const AgentCompactionBody = Type.Union([
  Type.Object({ compaction_settings: Type.Optional(CompactionSettings) }),
  Type.Null(),
]);
const ConvCompactionBody = Type.Union([
  Type.Object({
    agent_id: Type.Optional(Type.Union([Id('agent'), Type.Null()])),
    compaction_settings: Type.Optional(CompactionSettings),
  }),
  Type.Null(),
]);
const CompactionResponse = Type.Object({
  summary: Type.String(),
  num_messages_before: Type.Integer(),
  num_messages_after: Type.Integer(),
});

function compactionOptions(
  settings: { mode?: string; sliding_window_percentage?: number } | null | undefined,
) {
  const mode = settings?.mode?.replace('self_compact_', '');
  return { mode, share: settings?.sliding_window_percentage };
}

export function v1ContextMaintenanceRoutes(services: Services): Route[] {
  const ops = services.contextMaintenance;
  const recompileAgent = (url: string, summary: string) =>
    defineRoute({
      method: 'POST',
      url,
      optionalBody: true,
      schema: {
        summary,
        tags: ['agents'],
        params: AgentParams,
        querystring: RecompileQuery,
        response: { 200: Type.String() },
      },
      handler: async (req) => {
        const agent = await services.agents.get(req.ctx, req.params.agent_id);
        const conv = await services.conversations.resolve(req.ctx, agent, 'default');
        return ops.recompile(req.ctx, agent, conv, req.query.dry_run === true);
      },
    });
  return [
    recompileAgent(
      '/v1/agents/:agent_id/recompile',
      "Recompile the agent's system message from its current memory",
    ),
    recompileAgent(
      '/v1/agents/:agent_id/system-prompt/recompile',
      "Recompile the agent's system message from its current memory",
    ),
    defineRoute({
      method: 'POST',
      url: '/v1/agents/:agent_id/summarize',
      optionalBody: true,
      schema: {
        summary: "Compact the agent's default conversation now (summarise its oldest messages)",
        tags: ['agents'],
        params: AgentParams,
        body: AgentCompactionBody,
        response: { 200: CompactionResponse },
      },
      handler: async (req) => {
        const agent = await services.agents.get(req.ctx, req.params.agent_id);
        const conv = await services.conversations.resolve(req.ctx, agent, 'default');
        return ops.compact(req.ctx, agent, conv, compactionOptions(req.body?.compaction_settings));
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/conversations/:conversation_id/recompile',
      optionalBody: true,
      schema: {
        summary: "Recompile the conversation's system message from the agent's current memory",
        tags: ['conversations'],
        params: ConvParams,
        querystring: Type.Object({
          dry_run: Type.Optional(Type.Boolean()),
          agent_id: Type.Optional(Id('agent')),
        }),
        body: ConvCompactionBody,
        response: { 200: Type.String() },
      },
      handler: async (req) => {
        const agentId = req.body?.agent_id ?? req.query.agent_id;
        const { agent, conv } = await target(services, req, req.params.conversation_id, agentId);
        return ops.recompile(req.ctx, agent, conv, req.query.dry_run === true);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/conversations/:conversation_id/compact',
      optionalBody: true,
      schema: {
        summary: 'Compact the conversation now (summarise its oldest messages)',
        tags: ['conversations'],
        params: ConvParams,
        querystring: Type.Object({ agent_id: Type.Optional(Id('agent')) }),
        body: ConvCompactionBody,
        response: { 200: CompactionResponse },
      },
      handler: async (req) => {
        const agentId = req.body?.agent_id ?? req.query.agent_id;
        const { agent, conv } = await target(services, req, req.params.conversation_id, agentId);
        return ops.compact(req.ctx, agent, conv, compactionOptions(req.body?.compaction_settings));
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/conversations/:conversation_id/fork',
      optionalBody: true,
      schema: {
        summary: 'Fork the conversation: a new one with copies of its in-context messages',
        tags: ['conversations'],
        params: ConvParams,
        querystring: Type.Object({ agent_id: Type.Optional(Id('agent')) }),
        response: { 200: ConversationSchema },
      },
      handler: async (req) => {
        const { agent, conv } = await target(services, req, req.params.conversation_id, req.query.agent_id);
        return conversationView(await ops.fork(req.ctx, agent, conv));
      },
    }),
  ];
}
