/**
 * How the tutorial API shows agents and conversations. An agent's `persona` and `human` are the
 * values of its blocks with those labels ('' when absent); `tools` are tool names.
 */
import { type Static, Type } from 'typebox';
import type { AgentDetails } from '../../services/agent-service.js';
import type { ConversationRecord } from '../../store/records.js';
import { NullableString } from '../schemas.js';

const JsonObject = Type.Record(Type.String(), Type.Unknown());

export const BlockView = Type.Object({
  id: Type.String(),
  label: Type.String(),
  value: Type.String(),
  limit: Type.Integer(),
  description: NullableString,
  read_only: Type.Boolean(),
  metadata: JsonObject,
});

export const AgentView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: NullableString,
  agent_type: Type.String(),
  model: NullableString,
  embedding: NullableString,
  context_window_limit: Type.Union([Type.Integer(), Type.Null()]),
  system: Type.String(),
  persona: Type.String({ description: "The value of the agent's `persona` memory block." }),
  human: Type.String({ description: "The value of the agent's `human` memory block." }),
  memory: Type.Object({ blocks: Type.Array(BlockView) }),
  tools: Type.Array(Type.String(), { description: 'Names of the tools attached to the agent.' }),
  tags: Type.Array(Type.String()),
  metadata: JsonObject,
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});

export const ConversationView = Type.Object({
  id: Type.String(),
  agent_id: Type.String(),
  summary: NullableString,
  is_default: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  last_message_at: NullableString,
});

/** A Letta typed message (`message_type` tells which); fields beyond these vary by type. */
export const LettaMessageView = Type.Object(
  { id: Type.String(), date: Type.String(), message_type: Type.String() },
  { additionalProperties: true },
);

export function agentView({ agent, blocks, tools }: AgentDetails): Static<typeof AgentView> {
  const blockValue = (label: string) => blocks.find((b) => b.label === label)?.value ?? '';
  return {
    id: agent.id,
    name: agent.name,
    description: agent.description,
    agent_type: agent.agent_type,
    model: agent.model,
    embedding: agent.embedding,
    context_window_limit: agent.context_window_limit,
    system: agent.system,
    persona: blockValue('persona'),
    human: blockValue('human'),
    memory: {
      blocks: blocks.map((b) => ({
        id: b.id,
        label: b.label,
        value: b.value,
        limit: b.limit,
        description: b.description,
        read_only: b.read_only,
        metadata: b.metadata,
      })),
    },
    tools: tools.map((t) => t.name),
    tags: agent.tags,
    metadata: agent.metadata,
    created_at: agent.created_at,
    updated_at: agent.updated_at,
  };
}

export function conversationView(c: ConversationRecord): Static<typeof ConversationView> {
  return {
    id: c.id,
    agent_id: c.agent_id,
    summary: c.summary,
    is_default: c.is_default,
    created_at: c.created_at,
    updated_at: c.updated_at,
    last_message_at: c.last_message_at,
  };
}
