/**
 * `/v1/runs/…`: list, retrieve, messages, steps, usage, and `POST /v1/runs/{id}/stream` (resume:
 * the events after `starting_after`, live from this process's channel when it runs the run,
 * else from the stored run events, polling until the run ends).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Core } from '../../core.js';
import { LettaError } from '../../errors.js';
import type { RunRecord, RunStatus } from '../../store/records.js';
import { ACTIVE_STATUSES } from '../../store/run-repository.js';
import { defineRoute, type Route } from '../route.js';
import { RunView, runView } from '../routes/run-view.js';
import { Id, INT32_MAX } from '../schemas.js';
import {
  liveRunSse,
  type SseOptions,
  sendSse,
  storedRunError,
  storedRunSse,
} from '../streaming/sse-stream.js';
import { listTypedMessages } from './messages-list.js';
import { pageOf } from './page.js';
import { Cursor, Order, V1Limit } from './params.js';
import { StepSchema, stepView } from './steps.js';
import { AnyObject, MessageSchema } from './views.js';

const RunParams = Type.Object({ run_id: Id('run') });
/** Most runs `/v1/runs/active` answers (Letta's route has no pagination). */
const ACTIVE_RUNS_LIMIT = 1000;
const STATUSES = ['created', 'running', 'completed', 'failed', 'cancelled'];

export const ResumeBody = Type.Object({
  starting_after: Type.Optional(Type.Integer({ minimum: 0, maximum: INT32_MAX })),
  include_pings: Type.Optional(Type.Boolean()),
  // Accepted for Letta's clients and unused: bounded all the same.
  poll_interval: Type.Optional(Type.Number({ minimum: 0, maximum: 3600 })),
  batch_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
});

async function getRun(core: Core, org: string, id: string): Promise<RunRecord> {
  const run = await core.store.runs.get(org, id);
  if (!run) throw new LettaError('RUN_NOT_FOUND', `Run '${id}' not found`);
  return run;
}

/** Answers an SSE resume of `run` from `startingAfter`. */
export function resumeRun(
  core: Core,
  req: FastifyRequest,
  reply: FastifyReply,
  run: RunRecord,
  startingAfter: number,
  includePings: boolean,
) {
  const opts: SseOptions = { runId: run.id, includePings, keepaliveMs: core.config.keepaliveMs };
  const channel = core.channels.get(run.id);
  const body = channel
    ? liveRunSse(channel, startingAfter, opts, async () => {
        const final = await core.store.runs.get(req.ctx.org, run.id);
        return final ? storedRunError(final) : undefined;
      })
    : storedRunSse(core.store, req.ctx.org, run.id, startingAfter, opts, (wake) =>
        core.signals.on('events', run.id, wake),
      );
  return sendSse(reply, body, run.id);
}

export function v1RunRoutes(core: Core): Route[] {
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
        let statuses = (q.statuses ?? []).filter((s): s is RunStatus => STATUSES.includes(s));
        if (q.active)
          statuses =
            statuses.length > 0 ? statuses.filter((s) => ACTIVE_STATUSES.includes(s)) : [...ACTIVE_STATUSES];
        if (q.active && statuses.length === 0) return [];
        const order = q.order ?? (q.ascending === true ? 'asc' : 'desc');
        const page = {
          limit: q.limit ?? 100,
          after: q.after,
          before: q.before,
          order,
          statuses,
          conversationId: q.conversation_id,
        } as const;
        const agents = [...new Set([...(q.agent_id ? [q.agent_id] : []), ...(q.agent_ids ?? [])])];
        let runs: RunRecord[];
        if (agents.length <= 1)
          runs = await core.store.runs.list(req.ctx.org, { ...page, agentId: agents[0] });
        else {
          // Several agents: each agent's page, merged in the same (created_at, id) order.
          const all = (
            await Promise.all(
              agents.map((agentId) => core.store.runs.list(req.ctx.org, { ...page, agentId })),
            )
          ).flat();
          const dir = order === 'desc' ? -1 : 1;
          all.sort((a, b) => dir * (a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id)));
          runs = all.slice(0, page.limit);
        }
        if (q.background !== undefined) runs = runs.filter((r) => r.background === q.background);
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
        let runs = await core.store.runs.list(req.ctx.org, {
          agentId: q.agent_id,
          statuses: [...ACTIVE_STATUSES],
          limit: ACTIVE_RUNS_LIMIT,
          order: 'desc',
        });
        if (q.background !== undefined) runs = runs.filter((r) => r.background === q.background);
        return runs.map(runView);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/runs/:run_id',
      schema: { summary: 'Retrieve run', tags, params: RunParams, response: { 200: RunView } },
      handler: async (req) => runView(await getRun(core, req.ctx.org, req.params.run_id)),
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
        const run = await getRun(core, req.ctx.org, req.params.run_id);
        const q = req.query;
        return listTypedMessages(core, req.ctx.org, {
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
        const run = await getRun(core, req.ctx.org, req.params.run_id);
        const q = req.query;
        const steps = await core.store.runs.listSteps(req.ctx.org, run.id);
        return pageOf(steps, { ...q, limit: q.limit ?? 100 }).map(stepView);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/runs/:run_id/usage',
      schema: { summary: "A run's token usage", tags, params: RunParams, response: { 200: AnyObject } },
      handler: async (req) => {
        const run = await getRun(core, req.ctx.org, req.params.run_id);
        return {
          completion_tokens: run.completion_tokens,
          prompt_tokens: run.prompt_tokens,
          total_tokens: run.total_tokens,
          step_count: run.step_count,
        };
      },
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
        const run = await getRun(core, req.ctx.org, req.params.run_id);
        return resumeRun(
          core,
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
