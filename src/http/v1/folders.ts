/**
 * Letta V1 folders: `/v1/folders/…` and the deprecated `/v1/sources/…` (the same rows, the same
 * answers): create, list, count, by name, the organization's totals, get, modify, delete; upload
 * a file (multipart; answered once the file is on disk and its job row is written, processed in
 * the background: poll `/v1/jobs/{job_id}` or the file), the folder's files, chunks and agents.
 */
import { type Static, Type } from 'typebox';
import { LettaError } from '../../errors.js';
import type { Services } from '../../services/services.js';
import type { JsonObject } from '../../store/records.js';
import { mapWithinBudget } from '../response-budget.js';
import { defineRoute, type Route } from '../route.js';
import { Id } from '../schemas.js';
import {
  FileSchema,
  FolderPassageSchema,
  FolderSchema,
  fileView,
  folderPassageView,
  folderView,
} from './folder-views.js';
import { Cursor, Order, V1Limit } from './params.js';

const NullableStr = (max: number) =>
  Type.Optional(Type.Union([Type.String({ maxLength: max }), Type.Null()]));
const Metadata = Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]));
const EmbeddingConfig = Type.Optional(
  Type.Union([
    Type.Object(
      {
        handle: NullableStr(300),
        embedding_endpoint_type: Type.Optional(Type.String({ maxLength: 100 })),
        embedding_model: Type.Optional(Type.String({ maxLength: 300 })),
        embedding_chunk_size: Type.Optional(
          Type.Union([Type.Integer({ minimum: 50, maximum: 8000 }), Type.Null()]),
        ),
      },
      { additionalProperties: true },
    ),
    Type.Null(),
  ]),
);
const FolderCreate = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 500 }),
  description: NullableStr(10_000),
  instructions: NullableStr(100_000),
  metadata: Metadata,
  embedding: NullableStr(300),
  embedding_chunk_size: Type.Optional(
    Type.Union([Type.Integer({ minimum: 50, maximum: 8000 }), Type.Null()]),
  ),
  embedding_config: EmbeddingConfig,
});
const FolderUpdate = Type.Object({
  name: NullableStr(500),
  description: NullableStr(10_000),
  instructions: NullableStr(100_000),
  metadata: Metadata,
  embedding_config: EmbeddingConfig,
});
const Page = {
  before: Cursor,
  after: Cursor,
  limit: V1Limit(50),
  order: Type.Optional(Order),
  order_by: Type.Optional(Type.Literal('created_at')),
};
const UploadQuery = Type.Object({
  duplicate_handling: Type.Optional(
    Type.Union([
      Type.Literal('skip'),
      Type.Literal('error'),
      Type.Literal('suffix'),
      Type.Literal('replace'),
    ]),
  ),
  name: NullableStr(255),
});

function handleOf(body: Static<typeof FolderCreate>): string | undefined {
  if (body.embedding) return body.embedding;
  const c = body.embedding_config;
  if (c?.handle) return c.handle;
  if (c?.embedding_endpoint_type && c.embedding_model)
    return `${c.embedding_endpoint_type}/${c.embedding_model}`;
  return undefined;
}

const page = (q: { limit?: number; after?: string; before?: string; order?: 'asc' | 'desc' }) => ({
  limit: q.limit ?? 50,
  after: q.after,
  before: q.before,
  order: q.order ?? ('desc' as const),
});

/** The routes of one prefix: `folders` (current) or `sources` (deprecated, same rows). */
function folderRoutes(services: Services, kind: 'folders' | 'sources'): Route[] {
  const base = `/v1/${kind}`;
  const tags = [kind];
  const idName = kind === 'folders' ? 'folder_id' : 'source_id';
  const Params = Type.Object({ [idName]: Id('source') });
  const FileParams = Type.Object({ [idName]: Id('source'), file_id: Id('file') });
  const idOf = (p: unknown) => String((p as Record<string, string>)[idName]);
  const noun = kind === 'folders' ? 'folder' : 'source';
  return [
    defineRoute({
      method: 'POST',
      url: `${base}/`,
      schema: { summary: `Create a ${noun}`, tags, body: FolderCreate, response: { 200: FolderSchema } },
      handler: async ({ ctx, body }) =>
        folderView(
          services,
          await services.folders.create(ctx, {
            name: body.name,
            description: body.description,
            instructions: body.instructions,
            metadata: body.metadata as JsonObject | null | undefined,
            embedding: handleOf(body),
            embedding_chunk_size: body.embedding_chunk_size ?? body.embedding_config?.embedding_chunk_size,
          }),
        ),
    }),
    defineRoute({
      method: 'GET',
      url: `${base}/`,
      schema: {
        summary: `List ${kind}`,
        tags,
        querystring: Type.Object({ ...Page, name: Type.Optional(Type.String({ maxLength: 500 })) }),
        response: { 200: Type.Array(FolderSchema) },
      },
      handler: async ({ ctx, query }) =>
        (await services.folders.list(ctx, { ...page(query), name: query.name })).map((f) =>
          folderView(services, f),
        ),
    }),
    defineRoute({
      method: 'GET',
      url: `${base}/count`,
      schema: { summary: `Count ${kind}`, tags, response: { 200: Type.Integer() } },
      handler: async ({ ctx }) => services.folders.count(ctx),
    }),
    defineRoute({
      method: 'GET',
      url: `${base}/metadata`,
      schema: {
        summary: `Totals of the organization's ${kind}`,
        tags,
        querystring: Type.Object({ include_detailed_per_source_metadata: Type.Optional(Type.Boolean()) }),
        response: { 200: Type.Object({}, { additionalProperties: true }) },
      },
      handler: async ({ ctx, query }) =>
        services.folders.stats(ctx, query.include_detailed_per_source_metadata === true),
    }),
    defineRoute({
      method: 'GET',
      url: `${base}/name/:name`,
      schema: {
        summary: `The id of the ${noun} with this name`,
        tags,
        params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 500 }) }),
        response: { 200: Type.String() },
      },
      handler: async ({ ctx, params }, reply) => {
        reply.type('application/json; charset=utf-8');
        return JSON.stringify((await services.folders.getByName(ctx, params.name)).id);
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${base}/:${idName}`,
      schema: { summary: `Retrieve a ${noun}`, tags, params: Params, response: { 200: FolderSchema } },
      handler: async ({ ctx, params }) => folderView(services, await services.folders.get(ctx, idOf(params))),
    }),
    defineRoute({
      method: 'PATCH',
      url: `${base}/:${idName}`,
      schema: {
        summary: `Modify a ${noun}`,
        tags,
        params: Params,
        body: FolderUpdate,
        response: { 200: FolderSchema },
      },
      handler: async ({ ctx, params, body }) => {
        const patch: Parameters<Services['folders']['update']>[2] = {};
        if (body.name) patch.name = body.name;
        if (body.description !== undefined) patch.description = body.description;
        if (body.instructions !== undefined) patch.instructions = body.instructions;
        if (body.metadata !== undefined) patch.metadata = (body.metadata ?? {}) as JsonObject;
        return folderView(services, await services.folders.update(ctx, idOf(params), patch));
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: `${base}/:${idName}`,
      schema: {
        summary: `Delete a ${noun}, its files and their chunks`,
        tags,
        params: Params,
        response: { 204: Type.Null() },
      },
      handler: async ({ ctx, params }) => {
        await services.folders.delete(ctx, idOf(params));
        return null;
      },
    }),
    defineRoute({
      method: 'POST',
      url: `${base}/:${idName}/upload`,
      multipart: true,
      schema: {
        summary: `Upload a file to a ${noun}`,
        description:
          'multipart/form-data with one part named `file` (text, Markdown, HTML, JSON, CSV or PDF; at most ' +
          'LETTA_FILE_UPLOAD_LIMIT). Streamed to disk; answered with the file (`processing_status: pending`) ' +
          'and `job_id` once its job is stored. Chunking and embedding run in the background: poll ' +
          '`GET /v1/jobs/{job_id}` (pending → running → completed | failed) or the file.',
        tags,
        params: Params,
        querystring: UploadQuery,
        response: { 200: FileSchema },
      },
      handler: async (req) => {
        if (!req.isMultipart())
          throw new LettaError(
            'VALIDATION_ERROR',
            "body/file is required: send multipart/form-data with a part named 'file'",
          );
        const limits = { fileSize: services.config.fileUploadLimit, files: 1, fields: 20, parts: 25 };
        let part: Awaited<ReturnType<typeof req.file>>;
        try {
          part = await req.file({ limits });
        } catch (err) {
          throw new LettaError(
            'BAD_REQUEST',
            `The request body is not valid multipart/form-data: ${String((err as Error).message).slice(0, 200)}`,
          );
        }
        if (part?.fieldname !== 'file') {
          part?.file.resume();
          throw new LettaError('VALIDATION_ERROR', "body/file is required: a part named 'file'");
        }
        try {
          const { file, job } = await services.uploads.upload(req.ctx, idOf(req.params), {
            fileName: part.filename,
            mimeType: part.mimetype,
            stream: part.file,
            name: req.query.name ?? undefined,
            duplicateHandling: req.query.duplicate_handling,
          });
          return fileView(file, { job_id: job?.id ?? null });
        } catch (err) {
          if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE')
            throw new LettaError(
              'PAYLOAD_TOO_LARGE',
              'the file is larger than LETTA_FILE_UPLOAD_LIMIT allows',
            );
          throw err;
        }
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${base}/:${idName}/files`,
      schema: {
        summary: `List a ${noun}'s files`,
        tags,
        params: Params,
        querystring: Type.Object({ ...Page, include_content: Type.Optional(Type.Boolean()) }),
        response: { 200: Type.Array(FileSchema) },
      },
      handler: async ({ ctx, params, query }) =>
        mapWithinBudget(
          await services.folders.listFiles(ctx, idOf(params), page(query), query.include_content === true),
          async (f) => fileView(f),
          services.config.limits.responseBytes,
        ),
    }),
    defineRoute({
      method: 'GET',
      url: `${base}/:${idName}/files/:file_id`,
      schema: {
        summary: 'Retrieve a file (its processing status, and its text with include_content)',
        tags,
        params: FileParams,
        querystring: Type.Object({ include_content: Type.Optional(Type.Boolean()) }),
        response: { 200: FileSchema },
      },
      handler: async ({ ctx, params, query }) =>
        fileView(
          await services.folders.getFile(
            ctx,
            idOf(params),
            String(params.file_id),
            query.include_content === true,
          ),
        ),
    }),
    defineRoute({
      method: 'DELETE',
      url: `${base}/:${idName}/:file_id`,
      schema: {
        summary: 'Delete a file and its chunks',
        tags,
        params: FileParams,
        response: { 204: Type.Null() },
      },
      handler: async ({ ctx, params }) => {
        await services.folders.deleteFile(ctx, idOf(params), String(params.file_id));
        return null;
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${base}/:${idName}/passages`,
      schema: {
        summary: `List the chunks of a ${noun}'s files`,
        tags,
        params: Params,
        querystring: Type.Object(Page),
        response: { 200: Type.Array(FolderPassageSchema) },
      },
      handler: async ({ ctx, params, query }) => {
        const folder = await services.folders.get(ctx, idOf(params));
        const passages = await services.folders.listPassages(ctx, folder.id, page(query));
        return passages.map((p) => folderPassageView(services, folder, p));
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${base}/:${idName}/agents`,
      schema: {
        summary: `The ids of the agents a ${noun} is attached to`,
        tags,
        params: Params,
        querystring: Type.Object(Page),
        response: { 200: Type.Array(Type.String()) },
      },
      handler: async ({ ctx, params, query }) =>
        services.folders.listAgentIds(ctx, idOf(params), page(query)),
    }),
  ];
}

export function v1FolderRoutes(services: Services): Route[] {
  return [...folderRoutes(services, 'folders'), ...folderRoutes(services, 'sources')];
}
