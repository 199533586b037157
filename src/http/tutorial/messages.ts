/**
 * The tutorial's send API: `POST /agents/{agent}/messages` (JSON, or NDJSON with `stream: true`),
 * `/messages/async` (202 + run), `/messages/cancel`, and `POST /agents/{agent}/batch`.
 */
import { Type } from 'typebox';
import { LettaError } from '../../errors.js';
import type { SendResult } from '../../services/message-service.js';
import type { Services } from '../../services/services.js';
import { defineRoute, type Route } from '../route.js';
import { Id } from '../schemas.js';
import { ndjsonBody } from '../streaming/ndjson-stream.js';
import { logStreamFailure } from '../streaming/stream-failure-log.js';
import { setStreamHeaders } from '../streaming/stream-headers.js';
import { RunView, runView } from './run-view.js';

const AgentParam = Type.Object({
  agent: Type.String({ minLength: 1, maxLength: 100, description: 'Agent name or id.' }),
});
const MessageText = Type.String({ minLength: 1, maxLength: 100_000, description: 'The user message.' });
const ConversationRef = Type.Union([Id('conv'), Type.Literal('default')], {
  description: "A conversation id (`conv-…`) or `default`; absent = the agent's default conversation.",
});
const MaxSteps = Type.Integer({ minimum: 1, maximum: 200, description: 'Maximum agent steps (default 50).' });

export const SendBody = Type.Object(
  {
    message: MessageText,
    conversation_id: Type.Optional(Type.Union([ConversationRef, Type.Null()])),
    max_steps: Type.Optional(MaxSteps),
    stream: Type.Optional(Type.Boolean({ description: 'Stream NDJSON lines as the model writes.' })),
  },
  { additionalProperties: false },
);

const Usage = Type.Object(
  {
    prompt_tokens: Type.Integer(),
    completion_tokens: Type.Integer(),
    total_tokens: Type.Integer(),
    step_count: Type.Integer(),
  },
  { additionalProperties: true },
);

export const SendResponse = Type.Object({
  content: Type.String({ description: "The text of the assistant's reply." }),
  messages: Type.Array(Type.Record(Type.String(), Type.Unknown()), {
    description: "This turn's typed messages (Letta shapes).",
  }),
  stop_reason: Type.String(),
  usage: Usage,
  conversation_id: Type.String(),
  run_id: Type.String(),
});

export function sendResponse(r: SendResult) {
  return {
    content: r.content,
    messages: r.messages,
    stop_reason: r.stopReason,
    usage: r.usage,
    conversation_id: r.conversationId,
    run_id: r.run.id,
  };
}

export function tutorialMessageRoutes(services: Services): Route[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/agents/:agent/messages',
      schema: {
        summary: 'Send a message to an agent',
        description:
          'Runs the agent loop on one user message and returns the reply. With `stream: true` the answer is `application/x-ndjson`: `{"content": "<delta>"}` lines as the model writes, typed lines for tool calls and returns, and a final `{"done": true, ...}` line.',
        tags: ['messages'],
        params: AgentParam,
        body: SendBody,
        response: { 200: SendResponse },
      },
      handler: async (req, reply) => {
        const agent = await services.agents.get(req.ctx, req.params.agent);
        const input = {
          agent,
          conversationId: req.body.conversation_id,
          messages: [{ content: req.body.message }],
          maxSteps: req.body.max_steps,
        };
        if (req.body.stream) {
          const handle = await services.messages.start(req.ctx, { ...input, streamTokens: true });
          setStreamHeaders(reply, 'application/x-ndjson; charset=utf-8');
          reply.header('x-run-id', handle.run.id);
          logStreamFailure(req.log, handle);
          return reply.send(ndjsonBody(handle, services.config.keepaliveMs));
        }
        const result = await services.messages.send(req.ctx, input);
        if (result.error) throw result.error;
        return sendResponse(result);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/agents/:agent/messages/async',
      schema: {
        summary: 'Send a message in the background',
        description:
          'Returns 202 with the run at once; poll `GET /v1/runs/{run_id}` or pass `callback_url` to be told when it ends.',
        tags: ['messages'],
        params: AgentParam,
        body: Type.Object(
          {
            message: MessageText,
            conversation_id: Type.Optional(Type.Union([ConversationRef, Type.Null()])),
            max_steps: Type.Optional(MaxSteps),
            callback_url: Type.Optional(
              Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2000 }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 202: RunView },
      },
      handler: async (req) => {
        const agent = await services.agents.get(req.ctx, req.params.agent);
        const handle = await services.messages.start(req.ctx, {
          agent,
          conversationId: req.body.conversation_id,
          messages: [{ content: req.body.message }],
          maxSteps: req.body.max_steps,
          background: true,
          callbackUrl: req.body.callback_url,
        });
        return runView(handle.run);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/agents/:agent/messages/cancel',
      optionalBody: true,
      schema: {
        summary: "Cancel an agent's active runs",
        tags: ['messages'],
        params: AgentParam,
        body: Type.Object(
          { run_ids: Type.Optional(Type.Array(Id('run'), { maxItems: 100 })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Record(Type.String(), Type.String()) },
      },
      handler: async (req) => {
        const agent = await services.agents.get(req.ctx, req.params.agent);
        return services.messages.cancel(req.ctx, agent, req.body.run_ids);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/agents/:agent/batch',
      schema: {
        summary: 'Send several messages in order',
        description:
          'Runs the messages one after another in one conversation and returns one result per message, in order. A message that fails yields `{"error": {"detail", "code"}}` without stopping the rest.',
        tags: ['messages'],
        params: AgentParam,
        body: Type.Object(
          {
            messages: Type.Array(MessageText, { minItems: 1, maxItems: 1000 }),
            batch_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
            conversation_id: Type.Optional(Type.Union([ConversationRef, Type.Null()])),
            max_steps: Type.Optional(MaxSteps),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Array(
            Type.Union([
              SendResponse,
              Type.Object({ error: Type.Object({ detail: Type.String(), code: Type.String() }) }),
            ]),
          ),
        },
      },
      handler: async (req) => {
        const max = services.config.maxBatchSize;
        if (req.body.messages.length > max || (req.body.batch_size ?? 0) > max) {
          throw new LettaError(
            'BATCH_TOO_LARGE',
            `a batch holds at most ${max} messages (LETTA_MAX_BATCH_SIZE)`,
          );
        }
        const agent = await services.agents.get(req.ctx, req.params.agent);
        const results: unknown[] = [];
        for (const message of req.body.messages) {
          try {
            const r = await services.messages.send(req.ctx, {
              agent,
              conversationId: req.body.conversation_id,
              messages: [{ content: message }],
              maxSteps: req.body.max_steps,
            });
            results.push(
              r.error ? { error: { detail: r.error.message, code: r.error.code } } : sendResponse(r),
            );
          } catch (err) {
            if (!(err instanceof LettaError)) throw err;
            results.push({ error: { detail: err.message, code: err.code } });
          }
        }
        return results;
      },
    }),
  ];
}
