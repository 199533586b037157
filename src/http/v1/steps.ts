/**
 * `/v1/steps/…`: one step is one model call of a run, with its token usage. List (oldest first by
 * default, filtered by agent, model and date), retrieve, the messages a step wrote, and its metrics
 * (only its start is known: step timings are not recorded). Feedback and traces are not recorded.
 */
import { Type } from 'typebox';
import type { Services } from '../../services/services.js';
import type { StepRecord } from '../../store/records.js';
import { defineRoute, type Route } from '../route.js';
import { Id } from '../schemas.js';
import { Cursor, Order, V1Limit } from './params.js';
import { Loose, MessageSchema } from './views.js';

export const StepSchema = Loose({ id: Type.String() });
const StepParams = Type.Object({ step_id: Id('step') });
const NullableInt = Type.Union([Type.Integer(), Type.Null()]);
const NullableString = Type.Union([Type.String(), Type.Null()]);
/** Letta's `StepMetrics`. */
const StepMetricsSchema = Type.Object({
  id: Type.String(),
  provider_id: NullableString,
  run_id: NullableString,
  agent_id: NullableString,
  step_start_ns: NullableInt,
  llm_request_start_ns: NullableInt,
  llm_request_ns: NullableInt,
  tool_execution_ns: NullableInt,
  step_ns: NullableInt,
  base_template_id: NullableString,
  template_id: NullableString,
  project_id: NullableString,
});
const IsoDate = Type.Optional(Type.String({ maxLength: 40 }));

/** Letta's `Step` for a stored step. */
export function stepView(s: StepRecord) {
  return {
    id: s.id,
    run_id: s.run_id,
    agent_id: s.agent_id,
    model: s.model,
    model_handle: s.model,
    prompt_tokens: s.prompt_tokens,
    completion_tokens: s.completion_tokens,
    total_tokens: s.total_tokens,
    stop_reason: s.stop_reason,
    status: 'success',
    origin: null,
    provider_name: s.model?.split('/')[0] ?? null,
    tags: [],
    messages: [],
    feedback: null,
    created_at: s.created_at,
  };
}

export function v1StepRoutes(services: Services): Route[] {
  const tags = ['steps'];
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/steps/',
      schema: {
        summary: 'List steps (oldest first by default)',
        tags,
        querystring: Type.Object({
          limit: V1Limit(50),
          after: Cursor,
          before: Cursor,
          order: Type.Optional(Order),
          order_by: Type.Optional(Type.Literal('created_at')),
          agent_id: Type.Optional(Id('agent')),
          model: Type.Optional(Type.String({ maxLength: 300 })),
          start_date: IsoDate,
          end_date: IsoDate,
        }),
        response: { 200: Type.Array(StepSchema) },
      },
      handler: async (req) => {
        const q = req.query;
        const steps = await services.runs.listSteps(req.ctx, {
          limit: q.limit ?? 50,
          after: q.after,
          before: q.before,
          order: q.order ?? 'asc',
          agentId: q.agent_id,
          model: q.model,
          startDate: q.start_date,
          endDate: q.end_date,
        });
        return steps.map(stepView);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/steps/:step_id',
      schema: { summary: 'Retrieve step', tags, params: StepParams, response: { 200: StepSchema } },
      handler: async (req) => stepView(await services.runs.getStep(req.ctx, req.params.step_id)),
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/steps/:step_id/messages',
      schema: {
        summary: "List a step's messages (oldest first by default)",
        tags,
        params: StepParams,
        querystring: Type.Object({
          limit: V1Limit(100),
          after: Cursor,
          before: Cursor,
          order: Type.Optional(Order),
        }),
        response: { 200: Type.Array(MessageSchema) },
      },
      handler: async (req) => {
        const step = await services.runs.getStep(req.ctx, req.params.step_id);
        const q = req.query;
        return services.history.listTyped(req.ctx, {
          runId: step.run_id,
          stepId: step.id,
          limit: q.limit ?? 100,
          after: q.after,
          before: q.before,
          order: q.order ?? 'asc',
        });
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/steps/:step_id/metrics',
      schema: {
        summary: "A step's metrics (its start; timings never measured are null)",
        tags,
        params: StepParams,
        response: { 200: StepMetricsSchema },
      },
      handler: async (req) => services.runs.stepMetrics(req.ctx, req.params.step_id),
    }),
  ];
}
