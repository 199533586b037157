/**
 * The V1 send request (`LettaRequest` / `LettaStreamingRequest`) and how a send is answered:
 * JSON `LettaResponse`, or SSE. Shared by `/v1/agents/{id}/messages*` and
 * `/v1/conversations/{id}/messages`; the work itself is `services.messages`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import { LettaError } from '../../errors.js';
import type { LettaMessage } from '../../runtime/letta-messages.js';
import type { SendInput, SendResult } from '../../services/message-service.js';
import type { Services } from '../../services/services.js';
import type { AgentRecord } from '../../store/records.js';
import { errorTypeFor, liveRunSse, sendSse } from '../streaming/sse-stream.js';
import { logStreamFailure } from '../streaming/stream-failure-log.js';

const TextPart = Type.Object({
  type: Type.String({ maxLength: 50 }),
  text: Type.Optional(Type.String({ maxLength: 1_000_000 })),
});

/**
 * One answer of an approval message: `{type: "approval", tool_call_id, approve, reason}`, or the
 * return of a tool the client ran, `{type: "tool", tool_call_id, tool_return, status}`.
 */
const ApprovalItem = Type.Object({
  type: Type.Optional(Type.String({ maxLength: 50 })),
  tool_call_id: Type.String({ maxLength: 200 }),
  approve: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  reason: Type.Optional(Type.Union([Type.String({ maxLength: 10_000 }), Type.Null()])),
  tool_return: Type.Optional(
    Type.Union([Type.String({ maxLength: 1_000_000 }), Type.Array(TextPart, { maxItems: 100 })]),
  ),
  status: Type.Optional(Type.Union([Type.Literal('success'), Type.Literal('error')])),
  stdout: Type.Optional(
    Type.Union([Type.Array(Type.String({ maxLength: 100_000 }), { maxItems: 100 }), Type.Null()]),
  ),
  stderr: Type.Optional(
    Type.Union([Type.Array(Type.String({ maxLength: 100_000 }), { maxItems: 100 }), Type.Null()]),
  ),
});
type ApprovalItemT = Static<typeof ApprovalItem>;

/** Letta's ClientToolSchema: a tool the client runs, declared for one request. */
export const ClientToolSchema = Type.Object({
  name: Type.String({
    pattern: '^[a-zA-Z0-9_-]{1,64}$',
    maxLength: 64,
    description: 'Letters, digits, `_` and `-`, at most 64 (what model providers accept).',
  }),
  description: Type.Optional(Type.Union([Type.String({ maxLength: 10_000 }), Type.Null()])),
  parameters: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()])),
});

export const MessageCreate = Type.Object({
  type: Type.Optional(Type.String({ maxLength: 50 })),
  role: Type.Optional(Type.String({ maxLength: 20 })),
  content: Type.Optional(
    Type.Union([Type.String({ maxLength: 1_000_000 }), Type.Array(TextPart, { maxItems: 100 })]),
  ),
  name: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  otid: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  sender_id: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  // Letta's ApprovalCreate (`type: "approval"`): a list of answers, or the deprecated single one.
  approvals: Type.Optional(Type.Union([Type.Array(ApprovalItem, { maxItems: 100 }), Type.Null()])),
  // Letta's ToolReturnCreate (`type: "tool_return"`): the returns of client-side tools.
  tool_returns: Type.Optional(Type.Union([Type.Array(ApprovalItem, { maxItems: 100 }), Type.Null()])),
  approve: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  approval_request_id: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  reason: Type.Optional(Type.Union([Type.String({ maxLength: 10_000 }), Type.Null()])),
});

/** The send body; unknown fields are accepted and ignored, as Letta's clients send many. */
export const SendBody = Type.Object({
  messages: Type.Optional(Type.Union([Type.Array(MessageCreate, { maxItems: 100 }), Type.Null()])),
  input: Type.Optional(Type.Union([Type.String({ maxLength: 1_000_000 }), Type.Null()])),
  max_steps: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  streaming: Type.Optional(Type.Boolean()),
  stream_tokens: Type.Optional(Type.Boolean()),
  include_pings: Type.Optional(Type.Boolean()),
  background: Type.Optional(Type.Boolean()),
  use_assistant_message: Type.Optional(Type.Boolean()),
  include_return_message_types: Type.Optional(
    Type.Union([Type.Array(Type.String({ maxLength: 50 }), { maxItems: 20 }), Type.Null()]),
  ),
  callback_url: Type.Optional(
    Type.Union([Type.String({ maxLength: 2000, pattern: '^https?://' }), Type.Null()]),
  ),
  agent_id: Type.Optional(Type.Union([Type.String({ maxLength: 50 }), Type.Null()])),
  client_tools: Type.Optional(Type.Union([Type.Array(ClientToolSchema, { maxItems: 100 }), Type.Null()])),
});
export type SendBodyT = Static<typeof SendBody>;

/** The user messages of a send body (`input`, or the text of `messages`). */
export function inputMessages(body: SendBodyT): SendInput['messages'] {
  if (typeof body.input === 'string' && body.input.length > 0) {
    if (body.messages && body.messages.length > 0)
      throw new LettaError('VALIDATION_ERROR', 'send either `messages` or `input`, not both');
    return [{ content: body.input }];
  }
  const out: SendInput['messages'] = [];
  for (const m of body.messages ?? []) {
    if (m.type === 'approval' || m.type === 'tool_return') continue;
    if (m.type !== undefined && m.type !== 'message') {
      throw new LettaError(
        'VALIDATION_ERROR',
        `message type '${m.type}' is not supported (only plain messages)`,
      );
    }
    const content =
      typeof m.content === 'string'
        ? m.content
        : (m.content ?? [])
            .filter((p) => p.type === 'text')
            .map((p) => p.text ?? '')
            .join('\n');
    if (content.length === 0) throw new LettaError('VALIDATION_ERROR', 'a message needs text content');
    out.push({ content, name: m.name ?? undefined, otid: m.otid ?? undefined });
  }
  if (out.length === 0 && !approvalAnswers(body))
    throw new LettaError('VALIDATION_ERROR', 'send `messages` (a non-empty list) or `input`');
  return out;
}

/**
 * The answers of the send's approval messages (Letta's ApprovalCreate) and client tool returns
 * (ToolReturnCreate), if it has any.
 */
export function approvalAnswers(body: SendBodyT): SendInput['approvals'] {
  const out: NonNullable<SendInput['approvals']> = [];
  for (const m of body.messages ?? []) {
    if (m.type === 'tool_return') {
      if (!m.tool_returns?.length)
        throw new LettaError('VALIDATION_ERROR', 'a tool_return message needs `tool_returns`');
      out.push(...m.tool_returns.map(clientReturn));
    } else if (m.type !== 'approval') continue;
    else if (m.approvals && m.approvals.length > 0) {
      for (const a of m.approvals) {
        if (a.type === 'tool') out.push(clientReturn(a));
        else
          out.push({
            toolCallId: a.tool_call_id,
            approve: a.approve === true,
            reason: a.reason ?? undefined,
          });
      }
    } else if (typeof m.approve === 'boolean') {
      out.push({ toolCallId: null, approve: m.approve, reason: m.reason ?? undefined });
    } else throw new LettaError('VALIDATION_ERROR', 'an approval message needs `approvals` or `approve`');
  }
  return out.length > 0 ? out : undefined;
}

/** A client tool's return (`{type: "tool", tool_call_id, tool_return, status}`) as an answer. */
function clientReturn(a: ApprovalItemT): NonNullable<SendInput['approvals']>[number] {
  if (a.tool_return === undefined || a.status === undefined)
    throw new LettaError(
      'VALIDATION_ERROR',
      `the tool return for ${a.tool_call_id} needs \`tool_return\` and \`status\` ("success" or "error")`,
    );
  const content =
    typeof a.tool_return === 'string'
      ? a.tool_return
      : a.tool_return
          .map((p) => {
            if (p.type !== 'text')
              throw new LettaError(
                'VALIDATION_ERROR',
                `tool return parts of type '${p.type}' are not supported (text only)`,
              );
            return p.text ?? '';
          })
          .join('\n');
  return { toolCallId: a.tool_call_id, approve: true, toolReturn: { content, status: a.status } };
}

/** The request's client tools (Letta's `client_tools`), names checked unique. */
export function clientTools(body: SendBodyT): SendInput['clientTools'] {
  const tools = body.client_tools ?? [];
  const names = new Set<string>();
  for (const t of tools) {
    if (names.has(t.name))
      throw new LettaError('VALIDATION_ERROR', `client tool '${t.name}' is declared twice`);
    names.add(t.name);
    if (t.parameters && t.parameters.type !== undefined && t.parameters.type !== 'object')
      throw new LettaError(
        'VALIDATION_ERROR',
        `client tool '${t.name}': \`parameters\` must be a JSON schema of type "object"`,
      );
  }
  return tools.length > 0
    ? tools.map((t) => ({
        name: t.name,
        description: t.description ?? undefined,
        parameters: t.parameters ?? undefined,
      }))
    : undefined;
}

/** This turn's messages as Letta returns them: no echo of the user's input, optional type filter. */
export function responseMessages(
  messages: LettaMessage[],
  types: readonly string[] | null | undefined,
): LettaMessage[] {
  return messages.filter(
    (m) =>
      m.message_type !== 'user_message' && (!types || types.length === 0 || types.includes(m.message_type)),
  );
}

export function lettaResponse(r: SendResult, types?: readonly string[] | null) {
  return {
    messages: responseMessages(r.messages, types),
    stop_reason: { message_type: 'stop_reason', stop_reason: r.stopReason },
    usage: { message_type: 'usage_statistics', ...r.usage },
  };
}

/**
 * Runs a send and answers it: SSE when `stream`, else JSON (a failure before any output is an
 * HTTP error; a failed run is a LettaResponse with its stop reason, or the error when there is no
 * message at all).
 */
export async function answerSend(
  services: Services,
  req: FastifyRequest,
  reply: FastifyReply,
  agent: AgentRecord,
  conversationId: string | null | undefined,
  body: SendBodyT,
  stream: boolean,
): Promise<unknown> {
  const input: SendInput = {
    agent,
    conversationId,
    messages: inputMessages(body),
    approvals: approvalAnswers(body),
    clientTools: clientTools(body),
    maxSteps: body.max_steps,
    streamTokens: stream && body.stream_tokens === true,
  };
  const types = body.include_return_message_types ?? undefined;
  if (!stream) {
    const result = await services.messages.send(req.ctx, input);
    if (result.error && responseMessages(result.messages, types).length === 0) throw result.error;
    return lettaResponse(result, types);
  }
  const handle = await services.messages.start(req.ctx, input);
  logStreamFailure(req.log, handle);
  const body$ = liveRunSse(
    handle.channel,
    0,
    {
      runId: handle.run.id,
      includePings: body.include_pings !== false,
      keepaliveMs: services.config.keepaliveMs,
      streamTokens: input.streamTokens,
      messageTypes: types,
    },
    async () => {
      const r = await handle.done;
      if (!r.error)
        return {
          error_type: 'internal_error',
          message: `run ended with ${r.stopReason}`,
          detail: r.stopReason,
        };
      return { error_type: errorTypeFor(r.error.code), message: r.error.message, detail: r.error.message };
    },
  );
  return sendSse(reply, body$, handle.run.id);
}
