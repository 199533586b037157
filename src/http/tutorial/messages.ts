/**
 * The tutorial's send API: `POST /agents/{agent}/messages` (JSON, or NDJSON with `stream: true`),
 * `/messages/async` (202 + run), `/messages/cancel`, and `POST /agents/{agent}/batch`.
 */
import { type Static, Type } from 'typebox';
import { LettaError } from '../../errors.js';
import type { SendInput, SendResult } from '../../services/message-service.js';
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

const ToolCallId = Type.String({ minLength: 1, maxLength: 200 });
const Approval = Type.Object(
  {
    tool_call_id: ToolCallId,
    approve: Type.Boolean(),
    reason: Type.Optional(Type.String({ maxLength: 10_000 })),
  },
  { additionalProperties: false },
);
const ToolReturn = Type.Object(
  {
    tool_call_id: ToolCallId,
    tool_return: Type.String({ maxLength: 1_000_000 }),
    status: Type.Union([Type.Literal('success'), Type.Literal('error')]),
  },
  { additionalProperties: false },
);
const ClientTool = Type.Object(
  {
    name: Type.String({ pattern: '^[a-zA-Z0-9_-]{1,64}$', maxLength: 64 }),
    description: Type.Optional(Type.String({ maxLength: 10_000 })),
    parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);

export const SendBody = Type.Object(
  {
    message: Type.Optional(MessageText),
    approvals: Type.Optional(
      Type.Array(Approval, {
        minItems: 1,
        maxItems: 100,
        description:
          'Answers to the tool calls the run stopped for (`stop_reason: "requires_approval"`), instead of `message`.',
      }),
    ),
    tool_returns: Type.Optional(
      Type.Array(ToolReturn, {
        minItems: 1,
        maxItems: 100,
        description: 'The returns of client tools the run stopped for, instead of `message`.',
      }),
    ),
    client_tools: Type.Optional(
      Type.Array(ClientTool, {
        maxItems: 100,
        description:
          'Tools the client runs itself: a call of one stops the run until `tool_returns` answer it.',
      }),
    ),
    conversation_id: Type.Optional(Type.Union([ConversationRef, Type.Null()])),
    max_steps: Type.Optional(MaxSteps),
    stream: Type.Optional(Type.Boolean({ description: 'Stream NDJSON lines as the model writes.' })),
  },
  { additionalProperties: false },
);
type SendBodyT = Static<typeof SendBody>;

/** What a tutorial send carries: one message, or the answers to a pending request (not both). */
function sendInput(body: SendBodyT): Pick<SendInput, 'messages' | 'approvals' | 'clientTools'> {
  const given = [body.message, body.approvals, body.tool_returns].filter((x) => x !== undefined);
  if (given.length !== 1)
    throw new LettaError('VALIDATION_ERROR', 'send exactly one of `message`, `approvals` or `tool_returns`');
  const approvals = [
    ...(body.approvals ?? []).map((a) => ({
      toolCallId: a.tool_call_id,
      approve: a.approve,
      reason: a.reason,
    })),
    ...(body.tool_returns ?? []).map((r) => ({
      toolCallId: r.tool_call_id,
      approve: true,
      toolReturn: { content: r.tool_return, status: r.status },
    })),
  ];
  const names = new Set<string>();
  for (const t of body.client_tools ?? []) {
    if (names.has(t.name))
      throw new LettaError('VALIDATION_ERROR', `client tool '${t.name}' is declared twice`);
    names.add(t.name);
  }
  return {
    messages: body.message === undefined ? [] : [{ content: body.message }],
    approvals: approvals.length > 0 ? approvals : undefined,
    clientTools: body.client_tools,
  };
}

const PendingToolCall = Type.Object({
  tool_call_id: Type.String(),
  name: Type.String(),
  arguments: Type.String(),
});

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
  pending_tool_calls: Type.Optional(
    Type.Array(PendingToolCall, {
      description:
        'With `stop_reason: "requires_approval"`: the calls to answer with `approvals` (or, for client tools, `tool_returns`).',
    }),
  ),
});

/** The calls a run that stopped for approval waits on (its last approval request). */
function pendingToolCalls(r: SendResult) {
  if (r.stopReason !== 'requires_approval') return undefined;
  const request = r.messages.findLast((m) => m.message_type === 'approval_request_message');
  return (request?.tool_calls as Static<typeof PendingToolCall>[] | undefined) ?? [];
}

export function sendResponse(r: SendResult) {
  const pending = pendingToolCalls(r);
  return {
    ...(pending && { pending_tool_calls: pending }),
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
          ...sendInput(req.body),
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
