/**
 * The tutorial's agent routes: `/agents` and `/agents/{agent}`, where `{agent}` is a name or an
 * id. `persona` and `human` are memory blocks; both always exist ('' when not given).
 */
import { Type } from 'typebox';
import { LettaError } from '../../errors.js';
import { isId } from '../../ids.js';
import { AGENT_TYPES } from '../../runtime/prompts.js';
import { AGENT_NAME_PATTERN } from '../../services/agent-service.js';
import {
  BLOCK_LABEL_PATTERN,
  DEFAULT_BLOCK_LIMIT,
  type NewBlockInput,
} from '../../services/block-service.js';
import type { RequestContext } from '../../services/context.js';
import type { Services } from '../../services/services.js';
import type { AgentRecord, JsonObject } from '../../store/records.js';
import { mapWithinBudget } from '../response-budget.js';
import { defineRoute, type Route } from '../route.js';
import { DEFAULT_LIMIT, Limit, Metadata, NullableText, Tags } from '../schemas.js';
import { AgentView, agentView } from './views.js';

const Name = Type.String({ minLength: 1, maxLength: 100, pattern: AGENT_NAME_PATTERN });
export const AgentParams = Type.Object({
  agent: Type.String({
    minLength: 1,
    maxLength: 100,
    pattern: AGENT_NAME_PATTERN,
    description: 'Agent name or id',
  }),
});
const BlockText = Type.String({ maxLength: DEFAULT_BLOCK_LIMIT });
const MemoryBlock = Type.Object(
  {
    label: Type.String({ maxLength: 50, pattern: BLOCK_LABEL_PATTERN }),
    value: BlockText,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    description: Type.Optional(NullableText(10_000)),
    read_only: Type.Optional(Type.Boolean()),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);
const Editable = {
  description: Type.Optional(NullableText(10_000)),
  system: Type.Optional(Type.String({ maxLength: 100_000 })),
  model: Type.Optional(
    Type.String({ minLength: 1, maxLength: 200, description: 'e.g. gpt-4o-mini or openai/gpt-4o-mini' }),
  ),
  persona: Type.Optional(Type.String({ maxLength: DEFAULT_BLOCK_LIMIT, description: 'Who the agent is.' })),
  human: Type.Optional(
    Type.String({ maxLength: DEFAULT_BLOCK_LIMIT, description: 'What the agent knows about its user.' }),
  ),
  tags: Type.Optional(Tags),
  metadata: Type.Optional(Metadata),
};
const ToolNames = Type.Optional(
  Type.Array(Type.String({ maxLength: 100 }), {
    maxItems: 100,
    description: 'Tool names (built-in or custom); on update, the whole new set.',
  }),
);
export const CreateAgent = Type.Object(
  {
    name: Name,
    ...Editable,
    agent_type: Type.Optional(Type.Enum([...AGENT_TYPES])),
    embedding: Type.Optional(NullableText(200)),
    context_window_limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
    tools: ToolNames,
    memory_blocks: Type.Optional(Type.Array(MemoryBlock, { maxItems: 50 })),
  },
  { additionalProperties: false },
);
export const UpdateAgent = Type.Object(
  { name: Type.Optional(Name), ...Editable, tools: ToolNames },
  { additionalProperties: false },
);
const ListAgents = Type.Object(
  {
    limit: Limit,
    after: Type.Optional(Type.String({ maxLength: 100, description: 'Agent id or name to list after.' })),
  },
  { additionalProperties: false },
);
export const Deleted = Type.Object({ deleted: Type.Boolean(), id: Type.String(), name: Type.String() });
const tags = ['agents'];

export function tutorialAgentRoutes(services: Services): Route[] {
  const details = async (ctx: RequestContext, agent: AgentRecord) =>
    agentView(await services.agents.details(ctx, agent));
  return [
    defineRoute({
      method: 'POST',
      url: '/agents',
      schema: { summary: 'Create an agent', tags, body: CreateAgent, response: { 201: AgentView } },
      handler: async ({ ctx, body }) => {
        const { persona, human, memory_blocks, metadata, ...rest } = body;
        const created = await services.agents.create(ctx, {
          ...rest,
          metadata: metadata as JsonObject | undefined,
          memory_blocks: tutorialBlocks(memory_blocks as NewBlockInput[] | undefined, { persona, human }),
        });
        return agentView(created);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/agents',
      schema: {
        summary: 'List agents, oldest first',
        tags,
        querystring: ListAgents,
        response: { 200: Type.Array(AgentView) },
      },
      handler: async ({ ctx, query }) => {
        let after = query.after;
        if (after !== undefined && !isId('agent', after)) {
          const agent = await services.agents.get(ctx, after).catch(() => undefined);
          if (!agent) return [];
          after = agent.id;
        }
        const agents = await services.agents.list(ctx, { limit: query.limit ?? DEFAULT_LIMIT, after });
        return mapWithinBudget(agents, (a) => details(ctx, a), services.config.limits.responseBytes);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/agents/:agent',
      schema: {
        summary: 'Get an agent by name or id',
        tags,
        params: AgentParams,
        response: { 200: AgentView },
      },
      handler: async ({ ctx, params }) => details(ctx, await services.agents.get(ctx, params.agent)),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/agents/:agent',
      schema: {
        summary: 'Update an agent',
        tags,
        params: AgentParams,
        body: UpdateAgent,
        response: { 200: AgentView },
      },
      handler: async ({ ctx, params, body }) => {
        const { persona, human, metadata, tools, ...patch } = body;
        if (tools !== undefined) {
          const target = await services.agents.get(ctx, params.agent);
          await services.tools.replaceForAgent(ctx, target.id, tools);
        }
        const agent = await services.agents.update(ctx, params.agent, {
          ...patch,
          metadata: metadata as JsonObject | undefined,
        });
        if (persona !== undefined) await setBlockValue(services, ctx, agent, 'persona', persona);
        if (human !== undefined) await setBlockValue(services, ctx, agent, 'human', human);
        return details(ctx, agent);
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/agents/:agent',
      schema: { summary: 'Delete an agent', tags, params: AgentParams, response: { 200: Deleted } },
      handler: async ({ ctx, params }) => {
        const agent = await services.agents.delete(ctx, params.agent);
        return { deleted: true, id: agent.id, name: agent.name };
      },
    }),
  ];
}

/** The blocks of a new tutorial agent: persona and human first (always), then the others. */
export function tutorialBlocks(
  given: NewBlockInput[] = [],
  fields: { persona?: string | undefined; human?: string | undefined },
): NewBlockInput[] {
  const labels = new Set<string>();
  for (const b of given) {
    if (labels.has(b.label))
      throw new LettaError('VALIDATION_ERROR', `memory_blocks has two blocks labelled '${b.label}'`);
    labels.add(b.label);
  }
  const core = (['persona', 'human'] as const).map((label) => {
    const block = given.find((b) => b.label === label) ?? { label, value: '' };
    return fields[label] === undefined ? block : { ...block, value: fields[label] };
  });
  return [...core, ...given.filter((b) => b.label !== 'persona' && b.label !== 'human')];
}

/** Sets the value of the agent's block with `label`, creating and attaching it if missing. */
async function setBlockValue(
  services: Services,
  ctx: RequestContext,
  agent: AgentRecord,
  label: string,
  value: string,
) {
  const existing = (await services.blocks.listForAgent(ctx, agent.id)).find((b) => b.label === label);
  if (existing) {
    await services.blocks.update(ctx, existing.id, { value });
    return;
  }
  const block = await services.blocks.create(ctx, { label, value });
  await services.blocks.attach(ctx, agent.id, block.id);
}
