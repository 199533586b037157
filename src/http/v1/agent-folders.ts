/**
 * The agent's side of folders: attach and detach (`/v1/agents/{id}/folders/attach|detach/{id}`,
 * and the deprecated `sources` forms), the agent's folders, and its view of their files (list,
 * open, close, close all). Attaching gives the agent the file tools; its open files are shown in
 * its context window.
 */
import { Type } from 'typebox';
import type { Services } from '../../services/services.js';
import { defineRoute, type Route } from '../route.js';
import { Id } from '../schemas.js';
import { FolderSchema, folderView } from './folder-views.js';
import { pageOf } from './page.js';
import { AgentIdParams, Cursor, Order, V1Limit } from './params.js';
import { AgentStateSchema, loadAgentState } from './views.js';

const tags = ['agents'];
const FileParams = Type.Object({ ...AgentIdParams.properties, file_id: Id('file') });
const AttachmentSchema = Type.Object(
  {
    id: Type.String(),
    file_id: Type.String(),
    file_name: Type.String(),
    folder_id: Type.String(),
    folder_name: Type.String(),
    is_open: Type.Boolean(),
  },
  { additionalProperties: true },
);

export function v1AgentFolderRoutes(services: Services): Route[] {
  const attachRoutes = (['folders', 'sources'] as const).flatMap((kind) => {
    const idName = kind === 'folders' ? 'folder_id' : 'source_id';
    const Params = Type.Object({ ...AgentIdParams.properties, [idName]: Type.String({ maxLength: 100 }) });
    return (['attach', 'detach'] as const).map((op) =>
      defineRoute({
        method: 'PATCH',
        url: `/v1/agents/:agent_id/${kind}/${op}/:${idName}`,
        optionalBody: true,
        schema: {
          summary: `${op === 'attach' ? 'Attach a folder to' : 'Detach a folder from'} an agent`,
          tags,
          params: Params,
          response: { 200: AgentStateSchema },
        },
        handler: async (req) => {
          const params = req.params as Record<string, string>;
          const agent = await services.agents.get(req.ctx, String(params.agent_id));
          await services.folders[op](req.ctx, agent.id, String(params[idName]));
          return loadAgentState(services, req, await services.agents.get(req.ctx, agent.id));
        },
      }),
    );
  });
  const listFolders = (['folders', 'sources'] as const).map((kind) =>
    defineRoute({
      method: 'GET',
      url: `/v1/agents/:agent_id/${kind}`,
      schema: {
        summary: "List an agent's folders",
        tags,
        params: AgentIdParams,
        querystring: Type.Object({
          before: Cursor,
          after: Cursor,
          limit: V1Limit(50),
          order: Type.Optional(Order),
        }),
        response: { 200: Type.Array(FolderSchema) },
      },
      handler: async ({ ctx, params, query }) => {
        const agent = await services.agents.get(ctx, params.agent_id);
        const folders = await services.folders.listForAgent(ctx, agent.id);
        return pageOf(folders, {
          limit: query.limit ?? 50,
          after: query.after,
          before: query.before,
          order: query.order ?? 'desc',
        }).map((f) => folderView(services, f));
      },
    }),
  );
  return [
    ...attachRoutes,
    ...listFolders,
    defineRoute({
      method: 'GET',
      url: '/v1/agents/:agent_id/files',
      schema: {
        summary: "List the files of an agent's folders, open or closed",
        tags,
        params: AgentIdParams,
        querystring: Type.Object({
          before: Cursor,
          after: Cursor,
          cursor: Cursor,
          limit: V1Limit(20),
          order: Type.Optional(Order),
          order_by: Type.Optional(Type.Literal('created_at')),
          is_open: Type.Optional(Type.Boolean()),
        }),
        response: {
          200: Type.Object({
            files: Type.Array(AttachmentSchema),
            next_cursor: Type.Union([Type.String(), Type.Null()]),
            has_more: Type.Boolean(),
          }),
        },
      },
      handler: async ({ ctx, params, query }) => {
        const agent = await services.agents.get(ctx, params.agent_id);
        const all = await services.agentFileViews.list(ctx, agent.id, query.is_open);
        const limit = query.limit ?? 20;
        const files = pageOf(all, {
          limit: limit + 1,
          after: query.after ?? query.cursor,
          before: query.before,
          order: query.order ?? 'desc',
        });
        const has_more = files.length > limit;
        const shown = files.slice(0, limit);
        return { files: shown, next_cursor: has_more ? (shown.at(-1)?.id ?? null) : null, has_more };
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/v1/agents/:agent_id/files/:file_id/open',
      optionalBody: true,
      schema: {
        summary: 'Open a file for the agent (answers the names of files closed to make room)',
        tags,
        params: FileParams,
        response: { 200: Type.Array(Type.String()) },
      },
      handler: async ({ ctx, params }) => {
        const agent = await services.agents.get(ctx, params.agent_id);
        return services.agentFileViews.open(ctx, agent.id, params.file_id);
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/v1/agents/:agent_id/files/:file_id/close',
      optionalBody: true,
      schema: {
        summary: 'Close a file for the agent',
        tags,
        params: FileParams,
        response: { 200: Type.Null() },
      },
      handler: async ({ ctx, params }) => {
        const agent = await services.agents.get(ctx, params.agent_id);
        await services.agentFileViews.close(ctx, agent.id, params.file_id);
        return null;
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/v1/agents/:agent_id/files/close-all',
      optionalBody: true,
      schema: {
        summary: "Close all of the agent's open files (answers their names)",
        tags,
        params: AgentIdParams,
        response: { 200: Type.Array(Type.String()) },
      },
      handler: async ({ ctx, params }) => {
        const agent = await services.agents.get(ctx, params.agent_id);
        return services.agentFileViews.closeAll(ctx, agent.id);
      },
    }),
  ];
}
