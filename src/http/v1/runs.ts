/**
 * `/v1/runs/…`: list, retrieve, messages, steps, usage, metrics, and `POST /v1/runs/{id}/stream` (resume:
 * the events after `starting_after`, live from this process's channel when it runs the run,
 * else from the stored run events, polling until the run ends).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Services } from '../../services/services.js';
import type { RunRecord } from '../../store/records.js';
import { defineRoute, type Route } from '../route.js';
import { Id, INT32_MAX } from '../schemas.js';
import {
  liveRunSse,
  type SseOptions,
  sendSse,
  storedRunError,
  storedRunSse,
} from '../streaming/sse-stream.js';
import { RunView, runView } from '../tutorial/run-view.js';
import { pageOf } from './page.js';
import { Cursor, Order, V1Limit } from './params.js';
import { StepSchema, stepView } from './steps.js';
import { AnyObject, MessageSchema } from './views.js';

const RunParams = Type.Object({ run_id: Id('run') });
const NullableInt = Type.Union([Type.Integer(), Type.Null()]);
const NullableString = Type.Union([Type.String(), Type.Null()]);
/** Letta's `RunMetrics`. */
const RunMetricsSchema = Type.Object({
  id: Type.String(),
  agent_id: NullableString,
  project_id: NullableString,
  run_start_ns: NullableInt,
  run_ns: NullableInt,
  num_steps: NullableInt,
  tools_used: Type.Union([Type.Array(Type.String()), Type.Null()]),
  template_id: NullableString,
  base_template_id: NullableString,
});
/** Most runs `/v1/runs/active` answers (Letta's route has no pagination). */
const ACTIVE_RUNS_LIMIT = 1000;

export const ResumeBody = Type.Object({
  starting_after: Type.Optional(Type.Integer({ minimum: 0, maximum: INT32_MAX })),
  include_pings: Type.Optional(Type.Boolean()),
  // Accepted for Letta's clients and unused: bounded all the same.
  poll_interval: Type.Optional(Type.Number({ minimum: 0, maximum: 3600 })),
  batch_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
});

/** Answers an SSE resume of `run` from `startingAfter`. */
export function resumeRun(
  services: Services,
  req: FastifyRequest,
  reply: FastifyReply,
  run: RunRecord,
  startingAfter: number,
  includePings: boolean,
) {
  const opts: SseOptions = { runId: run.id, includePings, keepaliveMs: services.config.keepaliveMs };
  const channel = services.channels.get(run.id);
  const body = channel
    ? liveRunSse(channel, startingAfter, opts, async () => {
        const final = await services.runs.find(req.ctx, run.id);
        return final ? storedRunError(final) : undefined;
      })
    : storedRunSse(services.runs, req.ctx, run.id, startingAfter, opts, (wake) =>
        services.runs.onEvents(run.id, wake),
      );
  return sendSse(reply, body, run.id);
}

export function v1RunRoutes(services: Services): Route[] {
  const tags = ['runs'];
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/runs/',
      schema: {
        summary: 'List runs (newest first by default)',
        tags,
        querystring: Type.Object({
          agent_id: Type.Optional(Id('agent')),
          agent_ids: Type.Optional(Type.Array(Id('agent'), { maxItems: 100 })),
          conversation_id: Type.Optional(Id('conv')),
          statuses: Type.Optional(Type.Array(Type.String({ maxLength: 20 }), { maxItems: 10 })),
          active: Type.Optional(Type.Boolean()),
          background: Type.Optional(Type.Boolean()),
          limit: V1Limit(100),
          after: Cursor,
          before: Cursor,
          order: Type.Optional(Order),
          ascending: Type.Optional(Type.Boolean()),
        }),
        response: { 200: Type.Array(RunView) },
      },
      handler: async (req) => {
        const q = req.query;
        const runs = await services.runs.list(req.ctx, {
          agentIds: [...(q.agent_id ? [q.agent_id] : []), ...(q.agent_ids ?? [])],
          conversationId: q.conversation_id,
          statuses: q.statuses,
          active: q.active,
          background: q.background,
          limit: q.limit ?? 100,
          after: q.after,
          before: q.before,
          order: q.order ?? (q.ascending === true ? 'asc' : 'desc'),
        });
        return runs.map(runView);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/runs/active',
      schema: {
        summary: 'List active runs (created or running), newest first',
        tags,
        querystring: Type.Object({
          agent_id: Type.Optional(Id('agent')),
          background: Type.Optional(Type.Boolean()),
        }),
        response: { 200: Type.Array(RunView) },
      },
      handler: async (req) => {
        const q = req.query;
        let runs = await services.runs.listActive(req.ctx, { agentId: q.agent_id }, ACTIVE_RUNS_LIMIT);
        if (q.background !== undefined) runs = runs.filter((r) => r.background === q.background);
        return runs.map(runView);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/runs/:run_id',
      schema: { summary: 'Retrieve run', tags, params: RunParams, response: { 200: RunView } },
      handler: async (req) => runView(await services.runs.get(req.ctx, req.params.run_id)),
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/runs/:run_id/messages',
      schema: {
        summary: "List a run's messages (oldest first by default)",
        tags,
        params: RunParams,
        querystring: Type.Object({
          limit: V1Limit(100),
          after: Cursor,
          before: Cursor,
          order: Type.Optional(Order),
        }),
        response: { 200: Type.Array(MessageSchema) },
      },
      handler: async (req) => {
        const run = await services.runs.get(req.ctx, req.params.run_id);
        const q = req.query;
        return services.history.listTyped(req.ctx, {
          runId: run.id,
          limit: q.limit ?? 100,
          after: q.after,
          before: q.before,
          order: q.order ?? 'asc',
        });
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/runs/:run_id/steps',
      schema: {
        summary: "List a run's steps (oldest first by default)",
        tags,
        params: RunParams,
        querystring: Type.Object({
          limit: V1Limit(100),
          after: Cursor,
          before: Cursor,
          order: Type.Optional(Order),
          order_by: Type.Optional(Type.Literal('created_at')),
        }),
        response: { 200: Type.Array(StepSchema) },
      },
      handler: async (req) => {
        const run = await services.runs.get(req.ctx, req.params.run_id);
        const q = req.query;
        const steps = await services.runs.listRunSteps(req.ctx, run.id);
        return pageOf(steps, { ...q, limit: q.limit ?? 100 }).map(stepView);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/runs/:run_id/usage',
      schema: { summary: "A run's token usage", tags, params: RunParams, response: { 200: AnyObject } },
      handler: async (req) => {
        const run = await services.runs.get(req.ctx, req.params.run_id);
        return {
          completion_tokens: run.completion_tokens,
          prompt_tokens: run.prompt_tokens,
          total_tokens: run.total_tokens,
          step_count: run.step_count,
        };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/runs/:run_id/metrics',
      schema: {
        summary: "A run's metrics (what the store knows; timings it never measured are null)",
        tags,
        params: RunParams,
        response: { 200: RunMetricsSchema },
      },
      handler: async (req) => services.runs.runMetrics(req.ctx, req.params.run_id),
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/runs/:run_id/stream',
      optionalBody: true,
      schema: {
        summary: "Resume a run's stream (SSE) after `starting_after`",
        tags,
        params: RunParams,
        body: ResumeBody,
        response: { 200: AnyObject },
      },
      handler: async (req, reply) => {
        const run = await services.runs.get(req.ctx, req.params.run_id);
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
