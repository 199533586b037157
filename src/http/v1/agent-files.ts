/**
 * Agent files: `GET|POST /v1/agents/{agent_id}/export` answer the agent file as a JSON string
 * holding the indented document (as Letta does; the official client's `exportFile` returns that
 * string), and `POST /v1/agents/import` takes one as multipart/form-data and answers Letta's
 * `{agent_ids}` plus `warnings` and `not_runnable_tools`.
 */
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { LettaError } from '../../errors.js';
import type { Services } from '../../services/services.js';
import type { JsonObject } from '../../store/records.js';
import { defineRoute, type Route } from '../route.js';
import { readImportForm } from './import-form.js';
import { AgentIdParams } from './params.js';

const tags = ['agents'];
const ConversationId = Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()]));

const ExportQuery = Type.Object({
  conversation_id: ConversationId,
  scrub_messages: Type.Optional(Type.Boolean()),
  use_legacy_format: Type.Optional(Type.Boolean()),
  max_steps: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
});

const ExportBody = Type.Object({
  conversation_id: ConversationId,
  scrub_messages: Type.Optional(Type.Boolean()),
  skills: Type.Optional(
    Type.Array(
      Type.Object({
        name: Type.String({ maxLength: 200 }),
        files: Type.Optional(
          Type.Union([
            Type.Record(Type.String({ maxLength: 1000 }), Type.String({ maxLength: 1_000_000 })),
            Type.Null(),
          ]),
        ),
        source_url: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
      }),
      { maxItems: 100 },
    ),
  ),
});

const ImportedAgents = Type.Object({
  agent_ids: Type.Array(Type.String()),
  warnings: Type.Array(Type.String()),
  not_runnable_tools: Type.Array(
    Type.Object({ id: Type.String(), name: Type.String(), tool_type: Type.String(), reason: Type.String() }),
  ),
});

export function v1AgentFileRoutes(services: Services): Route[] {
  /** The indented document as a JSON string (`application/json`), as Letta answers it. */
  const exportAs = async (
    reply: FastifyReply,
    ctx: Parameters<Services['agentFiles']['export']>[0],
    agentId: string,
    options: Parameters<Services['agentFiles']['export']>[2],
  ) => {
    const doc = JSON.stringify(await services.agentFiles.export(ctx, agentId, options), null, 2);
    // A string payload with a JSON type is sent as is: encode it once more so it is a JSON string.
    reply.type('application/json; charset=utf-8');
    return JSON.stringify(doc);
  };
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/agents/:agent_id/export',
      schema: {
        summary: 'Export agent',
        description:
          "The agent as an agent file (Letta's multi-entity format), answered as a JSON string holding the indented document.",
        tags,
        params: AgentIdParams,
        querystring: ExportQuery,
        response: { 200: Type.String() },
      },
      handler: async (req, reply) => {
        if (req.query.use_legacy_format === true) {
          throw new LettaError(
            'VALIDATION_ERROR',
            "use_legacy_format: Letta's legacy v1 agent format is not written by this server",
          );
        }
        return exportAs(reply, req.ctx, req.params.agent_id, {
          conversationId: req.query.conversation_id,
          scrubMessages: req.query.scrub_messages,
        });
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/agents/:agent_id/export',
      optionalBody: true,
      schema: {
        summary: 'Export agent with skills',
        description: 'As `GET`, with the options (and skills to carry in the file) in the body.',
        tags,
        params: AgentIdParams,
        body: ExportBody,
        response: { 200: Type.String() },
      },
      handler: async (req, reply) =>
        exportAs(reply, req.ctx, req.params.agent_id, {
          conversationId: req.body.conversation_id,
          scrubMessages: req.body.scrub_messages,
          skills: req.body.skills as JsonObject[] | undefined,
        }),
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/agents/import',
      multipart: true,
      schema: {
        summary: 'Import agent file',
        description:
          'multipart/form-data: `file` (the agent file: the JSON object or a JSON string holding it), and optional ' +
          '`name`, `model`, `embedding`, `strip_messages`, `override_existing_tools` (default true), `secrets` ' +
          '(a JSON object as a string). Answers the new agent ids, what did not come across (`warnings`, each ' +
          'starting with its JSON path) and the stored tools that cannot run here yet. A malformed file is 422 ' +
          '`AGENT_FILE_INVALID` naming the JSON path.',
        tags,
        response: { 200: ImportedAgents },
      },
      handler: async (req) => {
        const form = await readImportForm(req);
        return services.agentFiles.import(req.ctx, form.text, form.options);
      },
    }),
  ];
}
