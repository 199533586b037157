/**
 * Letta V1 jobs (`/v1/jobs/…`): file uploads run as background jobs; a client polls one
 * (`pending` → `running` → `completed` | `failed`), lists them (all, or the active ones), cancels
 * or deletes one.
 */
import { Type } from 'typebox';
import type { Services } from '../../services/services.js';
import { defineRoute, type Route } from '../route.js';
import { Id } from '../schemas.js';
import { JobSchema, jobView } from './folder-views.js';
import { Cursor, Order, V1Limit } from './params.js';

const tags = ['jobs'];
const Params = Type.Object({ job_id: Id('job') });
const ListQuery = {
  before: Cursor,
  after: Cursor,
  limit: V1Limit(100),
  order: Type.Optional(Order),
  order_by: Type.Optional(Type.Literal('created_at')),
  source_id: Type.Optional(Type.String({ maxLength: 100 })),
  ascending: Type.Optional(Type.Boolean()),
};

export function v1JobRoutes(services: Services): Route[] {
  const list =
    (active: boolean) =>
    async ({
      ctx,
      query,
    }: {
      ctx: Parameters<Services['jobs']['list']>[0];
      query: Record<string, unknown>;
    }) => {
      const order =
        (query.order as 'asc' | 'desc' | undefined) ?? (query.ascending === true ? 'asc' : 'desc');
      const jobs = await services.jobs.list(ctx, {
        limit: (query.limit as number | undefined) ?? 100,
        after: query.after as string | undefined,
        before: query.before as string | undefined,
        order,
        active: active || query.active === true,
        folderId: query.source_id as string | undefined,
      });
      return jobs.map(jobView);
    };
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/jobs/',
      schema: {
        summary: 'List jobs',
        tags,
        querystring: Type.Object({ ...ListQuery, active: Type.Optional(Type.Boolean()) }),
        response: { 200: Type.Array(JobSchema) },
      },
      handler: list(false),
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/jobs/active',
      schema: {
        summary: 'List active jobs (pending or running)',
        tags,
        querystring: Type.Object(ListQuery),
        response: { 200: Type.Array(JobSchema) },
      },
      handler: list(true),
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/jobs/:job_id',
      schema: { summary: 'Retrieve a job', tags, params: Params, response: { 200: JobSchema } },
      handler: async ({ ctx, params }) => jobView(await services.jobs.get(ctx, params.job_id)),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/v1/jobs/:job_id/cancel',
      optionalBody: true,
      schema: { summary: 'Cancel a job', tags, params: Params, response: { 200: JobSchema } },
      handler: async ({ ctx, params }) => jobView(await services.jobs.cancel(ctx, params.job_id)),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v1/jobs/:job_id',
      schema: { summary: 'Delete a job', tags, params: Params, response: { 200: JobSchema } },
      handler: async ({ ctx, params }) => jobView(await services.jobs.delete(ctx, params.job_id)),
    }),
  ];
}
