/**
 * `GET /v1/agents/{agent_id}/context`: what the next model call of the agent's default
 * conversation (or `conversation_id`) will contain, by part, with token counts and the window
 * (Letta's `ContextWindowOverview`; deprecated in Letta, still used by its ADE and the console).
 */
import { Type } from 'typebox';
import type { Services } from '../../services/services.js';
import { defineRoute, type Route } from '../route.js';
import { AgentIdParams } from './params.js';
import { Loose } from './views.js';

const Int = Type.Integer({ minimum: 0 });
const Text = Type.String();
const NullableText = Type.Union([Type.String(), Type.Null()]);

const ContextWindowOverview = Loose({
  context_window_size_max: Int,
  context_window_size_current: Int,
  num_messages: Int,
  num_archival_memory: Int,
  num_recall_memory: Int,
  num_tokens_external_memory_summary: Int,
  external_memory_summary: Text,
  num_tokens_system: Int,
  system_prompt: Text,
  num_tokens_core_memory: Int,
  core_memory: Text,
  num_tokens_summary_memory: Int,
  summary_memory: NullableText,
  num_tokens_functions_definitions: Int,
  functions_definitions: Type.Array(Loose({ type: Type.Literal('function'), function: Loose() })),
  num_tokens_messages: Int,
  messages: Type.Array(Loose({ id: Type.String(), role: Type.String() })),
  conversation_id: Type.String(),
});

export function v1AgentContextRoutes(services: Services): Route[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/agents/:agent_id/context',
      schema: {
        summary: "Retrieve the agent's context window",
        description:
          'What the next model call will contain, by part (system prompt, core memory, memory metadata, summary, messages, tool definitions), with token counts; the parts add up to `context_window_size_current`.',
        tags: ['agents'],
        params: AgentIdParams,
        querystring: Type.Object({
          conversation_id: Type.Optional(
            Type.String({
              maxLength: 100,
              description: 'A conversation of the agent (default: its default one).',
            }),
          ),
        }),
        response: { 200: ContextWindowOverview },
      },
      handler: async (req) => {
        const agent = await services.agents.get(req.ctx, req.params.agent_id);
        return services.contextWindows.overview(req.ctx, agent, req.query.conversation_id);
      },
    }),
  ];
}
