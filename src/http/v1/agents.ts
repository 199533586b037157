/** `/v1/agents/`: create, list, retrieve, update, delete (Letta's `AgentState` shape). */
import { Type } from 'typebox';
import type { AgentPatch, CreateAgentInput } from '../../services/agent-service.js';
import type { Services } from '../../services/services.js';
import type { Json, JsonObject } from '../../store/records.js';
import { mapWithinBudget } from '../response-budget.js';
import { defineRoute, type Route } from '../route.js';
import { Id, INT32_MAX, MAX_CONTEXT_WINDOW, Metadata, Tags } from '../schemas.js';
import { AgentIdParams, Cursor, Order, V1Limit } from './params.js';
import { AgentInclude, AgentStateSchema, AnyObject, loadAgentState } from './views.js';

const Str = (max: number) => Type.String({ maxLength: max });
const NullableStr = (max: number) => Type.Optional(Type.Union([Str(max), Type.Null()]));
const Obj = Type.Optional(Type.Union([Metadata, Type.Null()]));

const MemoryBlock = Type.Object({
  label: Str(50),
  value: Str(1_000_000),
  limit: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: INT32_MAX }), Type.Null()])),
  description: NullableStr(10_000),
  read_only: Type.Optional(Type.Boolean()),
  metadata: Obj,
  tags: Type.Optional(Type.Union([Tags, Type.Null()])),
});

const ModelConfig = Type.Optional(
  Type.Union([
    Type.Object({
      handle: NullableStr(300),
      model: Type.Optional(Str(300)),
      model_endpoint_type: Type.Optional(Str(100)),
      context_window: Type.Optional(
        Type.Union([Type.Integer({ minimum: 1, maximum: MAX_CONTEXT_WINDOW }), Type.Null()]),
      ),
    }),
    Type.Null(),
  ]),
);

/** An agent's tool variables (`secrets`; `tool_exec_environment_variables` is the old name). */
const ToolVariables = Type.Optional(
  Type.Union([Type.Record(Str(200), Str(100_000), { maxProperties: 200 }), Type.Null()]),
);

/** Agent fields a PATCH can change (shared with create). */
const AgentFields = {
  name: Type.Optional(Str(100)),
  description: NullableStr(10_000),
  system: NullableStr(200_000),
  model: NullableStr(300),
  embedding: NullableStr(300),
  llm_config: ModelConfig,
  embedding_config: Type.Optional(
    Type.Union([
      Type.Object({
        handle: NullableStr(300),
        embedding_model: Type.Optional(Str(300)),
        embedding_endpoint_type: Type.Optional(Str(100)),
      }),
      Type.Null(),
    ]),
  ),
  context_window_limit: Type.Optional(
    Type.Union([Type.Integer({ minimum: 1, maximum: MAX_CONTEXT_WINDOW }), Type.Null()]),
  ),
  tags: Type.Optional(Type.Union([Tags, Type.Null()])),
  metadata: Obj,
  model_settings: Obj,
  tool_rules: Type.Optional(
    Type.Union([Type.Array(Type.Record(Type.String(), Type.Unknown()), { maxItems: 100 }), Type.Null()]),
  ),
  secrets: ToolVariables,
  tool_exec_environment_variables: ToolVariables,
};

const CreateAgent = Type.Object({
  ...AgentFields,
  agent_type: Type.Optional(Str(50)),
  memory_blocks: Type.Optional(Type.Union([Type.Array(MemoryBlock, { maxItems: 100 }), Type.Null()])),
  block_ids: Type.Optional(Type.Union([Type.Array(Id('block'), { maxItems: 100 }), Type.Null()])),
  tools: Type.Optional(Type.Union([Type.Array(Str(200), { maxItems: 200 }), Type.Null()])),
  tool_ids: Type.Optional(Type.Union([Type.Array(Id('tool'), { maxItems: 200 }), Type.Null()])),
  include_base_tools: Type.Optional(Type.Boolean()),
  folder_ids: Type.Optional(Type.Union([Type.Array(Id('source'), { maxItems: 100 }), Type.Null()])),
  source_ids: Type.Optional(Type.Union([Type.Array(Id('source'), { maxItems: 100 }), Type.Null()])),
});

const AgentFilter = {
  name: Type.Optional(Str(100)),
  tags: Type.Optional(Tags),
  match_all_tags: Type.Optional(Type.Boolean()),
  query_text: Type.Optional(Str(100)),
};

const ListAgents = Type.Object({
  ...AgentFilter,
  limit: V1Limit(50),
  after: Cursor,
  before: Cursor,
  order: Type.Optional(Order),
  ascending: Type.Optional(Type.Boolean()),
  include: Type.Optional(AgentInclude),
});

const tags = ['agents'];

/** `model` wins; else `llm_config.handle`, else `provider/model` from llm_config. */
function modelHandle(body: {
  model?: string | null;
  llm_config?: { handle?: string | null; model?: string; model_endpoint_type?: string } | null;
}) {
  if (body.model) return body.model;
  const c = body.llm_config;
  if (!c) return undefined;
  if (c.handle) return c.handle;
  if (c.model) return c.model_endpoint_type ? `${c.model_endpoint_type}/${c.model}` : c.model;
  return undefined;
}

/** `context_window_limit` wins; else `llm_config.context_window` (what a client read back from Letta). */
function contextWindow(body: {
  context_window_limit?: number | null;
  llm_config?: { context_window?: number | null } | null;
}): number | undefined {
  return body.context_window_limit ?? body.llm_config?.context_window ?? undefined;
}

function embeddingHandle(body: {
  embedding?: string | null;
  embedding_config?: {
    handle?: string | null;
    embedding_model?: string;
    embedding_endpoint_type?: string;
  } | null;
}) {
  if (body.embedding) return body.embedding;
  const c = body.embedding_config;
  if (!c) return undefined;
  if (c.handle) return c.handle;
  if (c.embedding_model)
    return c.embedding_endpoint_type
      ? `${c.embedding_endpoint_type}/${c.embedding_model}`
      : c.embedding_model;
  return undefined;
}

export function v1AgentRoutes(services: Services): Route[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/agents/',
      optionalBody: true,
      schema: { summary: 'Create agent', tags, body: CreateAgent, response: { 200: AgentStateSchema } },
      handler: async (req) => {
        const b = req.body;
        const input: CreateAgentInput = {
          name: b.name,
          description: b.description,
          agent_type: b.agent_type,
          system: b.system ?? undefined,
          model: modelHandle(b),
          embedding: embeddingHandle(b),
          context_window_limit: contextWindow(b),
          memory_blocks: (b.memory_blocks ?? []).map((m) => ({
            label: m.label,
            value: m.value,
            limit: m.limit ?? undefined,
            description: m.description,
            read_only: m.read_only,
            metadata: (m.metadata ?? undefined) as JsonObject | undefined,
            tags: m.tags ?? undefined,
          })),
          block_ids: b.block_ids ?? undefined,
          tools: b.tools ?? undefined,
          tool_ids: b.tool_ids ?? undefined,
          include_base_tools: b.include_base_tools,
          tags: b.tags ?? undefined,
          metadata: (b.metadata ?? undefined) as JsonObject | undefined,
          model_settings: (b.model_settings ?? undefined) as JsonObject | undefined,
          tool_rules: (b.tool_rules ?? undefined) as Json[] | undefined,
        };
        const variables = b.secrets ?? b.tool_exec_environment_variables;
        if (variables) services.customTools.checkAgentVariables(variables);
        // Folders to attach (checked before the agent is made: an unknown one is a 404 and no agent).
        const folderIds = [...new Set([...(b.folder_ids ?? []), ...(b.source_ids ?? [])])];
        for (const id of folderIds) await services.folders.get(req.ctx, id);
        // Letta V1 names are not unique (the tutorial API's are).
        const { agent } = await services.agents.create(req.ctx, input, { uniqueName: false });
        if (variables) await services.customTools.setAgentVariables(req.ctx, agent.id, variables);
        for (const id of folderIds) await services.folders.attach(req.ctx, agent.id, id);
        // A create answers with everything, as Letta does for every caller.
        return loadAgentState(services, req, agent, ['agent.blocks', 'agent.tools', 'agent.secrets']);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/agents/',
      schema: {
        summary: 'List agents (newest first by default)',
        tags,
        querystring: ListAgents,
        response: { 200: Type.Array(AgentStateSchema) },
      },
      handler: async (req) => {
        const q = req.query;
        const order = q.order ?? (q.ascending === true ? 'asc' : 'desc');
        const agents = await services.agents.list(req.ctx, {
          name: q.name,
          tags: q.tags,
          matchAllTags: q.match_all_tags,
          queryText: q.query_text,
          limit: q.limit ?? 50,
          after: q.after,
          before: q.before,
          order,
        });
        return mapWithinBudget(
          agents,
          (a) => loadAgentState(services, req, a, q.include),
          services.config.limits.responseBytes,
        );
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/agents/count',
      schema: {
        summary: 'Count agents',
        tags,
        querystring: Type.Object(AgentFilter),
        response: { 200: Type.Integer() },
      },
      handler: async (req) => {
        const q = req.query;
        return services.agents.count(req.ctx, {
          name: q.name,
          tags: q.tags,
          matchAllTags: q.match_all_tags,
          queryText: q.query_text,
        });
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/agents/:agent_id',
      schema: {
        summary: 'Retrieve agent',
        tags,
        params: AgentIdParams,
        querystring: Type.Object({ include: Type.Optional(AgentInclude) }),
        response: { 200: AgentStateSchema },
      },
      handler: async (req) => {
        const agent = await services.agents.get(req.ctx, req.params.agent_id);
        return loadAgentState(services, req, agent, req.query.include);
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/v1/agents/:agent_id',
      optionalBody: true,
      schema: {
        summary: 'Modify agent',
        tags,
        params: AgentIdParams,
        body: Type.Object(AgentFields),
        response: { 200: AgentStateSchema },
      },
      handler: async (req) => {
        const b = req.body;
        const patch: AgentPatch = {};
        if (b.name !== undefined) patch.name = b.name;
        if (b.description !== undefined) patch.description = b.description;
        if (typeof b.system === 'string') patch.system = b.system;
        const model = modelHandle(b);
        if (model !== undefined) patch.model = model;
        const embedding = embeddingHandle(b);
        if (embedding !== undefined) patch.embedding = embedding;
        const window = contextWindow(b);
        if (window !== undefined) patch.context_window_limit = window;
        else if (b.context_window_limit === null) patch.context_window_limit = null;
        if (b.tags) patch.tags = b.tags;
        if (b.metadata) patch.metadata = b.metadata as JsonObject;
        if (b.model_settings) patch.model_settings = b.model_settings as JsonObject;
        if (b.tool_rules) patch.tool_rules = b.tool_rules as Json[];
        const variables = b.secrets ?? b.tool_exec_environment_variables;
        if (variables) services.customTools.checkAgentVariables(variables);
        const agent = await services.agents.update(req.ctx, req.params.agent_id, patch, {
          uniqueName: false,
        });
        if (variables) await services.customTools.setAgentVariables(req.ctx, agent.id, variables);
        return loadAgentState(services, req, agent);
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v1/agents/:agent_id',
      schema: { summary: 'Delete agent', tags, params: AgentIdParams, response: { 200: AnyObject } },
      handler: async (req) => {
        const agent = await services.agents.delete(req.ctx, req.params.agent_id);
        return { message: `Agent id=${agent.id} successfully deleted` };
      },
    }),
  ];
}
