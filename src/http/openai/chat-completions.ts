/**
 * `POST /v1/chat/completions` over agents, as Letta V1 defined it: `model` names an agent (its id
 * `agent-…`, or `agent:<name>`), the last `user` message of `messages` is sent to it (the agent is
 * stateful: the rest is not replayed), and the answer is a `chat.completion`, or with
 * `stream: true` `chat.completion.chunk` server-sent events ending `data: [DONE]`. The
 * conversation is `conversation_id` in the body, else the `X-Letta-Conversation-Id` header, else
 * the agent's default one. Errors use OpenAI's shape (./openai-errors.ts).
 */
import type { Static } from 'typebox';
import { LettaError } from '../../errors.js';
import { isId } from '../../ids.js';
import type { Services } from '../../services/services.js';
import { defineRoute, type Route } from '../route.js';
import { sendSse } from '../streaming/sse-stream.js';
import {
  ChatCompletion,
  ChatCompletionBody,
  CONVERSATION_HEADER,
  CONVERSATION_PATTERN,
} from './chat-schemas.js';
import { chatChunkStream, chatUsage, finishReason } from './chat-stream.js';
import { OPENAI_ERRORS } from './openai-errors.js';

type Body = Static<typeof ChatCompletionBody>;

/** The agent a `model` names: `agent-<uuid>` or `agent:<name>`. */
export function agentRefOf(model: string): string {
  if (model.startsWith('agent:') && model.length > 6) return model.slice(6);
  if (isId('agent', model)) return model;
  throw new LettaError(
    'AGENT_NOT_FOUND',
    `The model '${model}' is not an agent: use an agent id (agent-…) or agent:<name>; GET /v1/agents/ lists the agents`,
  );
}

/** The text of the last `user` message (text parts joined by newlines). */
export function lastUserMessage(messages: Body['messages']): string {
  const user = messages.findLast((m) => m.role === 'user');
  if (!user) throw new LettaError('BAD_REQUEST', 'messages has no user message to send to the agent');
  const content = user.content;
  const text =
    typeof content === 'string'
      ? content
      : (content ?? [])
          .filter((p) => p.type === 'text' && typeof p.text === 'string')
          .map((p) => p.text)
          .join('\n');
  if (text.trim() === '') throw new LettaError('BAD_REQUEST', 'the last user message has no text');
  return text;
}

const conversationPattern = new RegExp(CONVERSATION_PATTERN);

function conversationOf(body: Body, header: string | string[] | undefined): string | undefined {
  if (body.conversation_id) return body.conversation_id;
  if (typeof header !== 'string' || header === '') return undefined;
  if (!conversationPattern.test(header))
    throw new LettaError(
      'BAD_REQUEST',
      `${CONVERSATION_HEADER} must be a conversation id (conv-…) or default`,
    );
  return header;
}

export function chatCompletionRoutes(services: Services): Route[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/chat/completions',
      errorShape: OPENAI_ERRORS,
      schema: {
        summary: 'Chat with an agent through the OpenAI Chat Completions API',
        description: `\`model\` is an agent (\`agent-…\` or \`agent:<name>\`); only the last user message is sent (the agent keeps its own history). The conversation is \`conversation_id\` in the body, else the \`${CONVERSATION_HEADER}\` header, else the agent's default one. With \`stream: true\`: \`chat.completion.chunk\` server-sent events ending \`data: [DONE]\`. Errors use OpenAI's shape \`{"error": {"message", "type", "param", "code"}}\`.`,
        tags: ['openai'],
        body: ChatCompletionBody,
        response: { 200: ChatCompletion },
      },
      handler: async (req, reply) => {
        const { body } = req;
        const agent = await services.agents.get(req.ctx, agentRefOf(body.model));
        const input = {
          agent,
          conversationId: conversationOf(body, req.headers[CONVERSATION_HEADER]),
          messages: [{ content: lastUserMessage(body.messages) }],
        };
        const created = Math.floor(Date.now() / 1000);
        if (body.stream) {
          const handle = await services.messages.start(req.ctx, { ...input, streamTokens: true });
          const head = { id: chatId(handle.run.id), created, model: body.model };
          const includeUsage = body.stream_options?.include_usage === true;
          const stream = chatChunkStream(handle, head, {
            includeUsage,
            keepaliveMs: services.config.keepaliveMs,
          });
          return sendSse(reply, stream, handle.run.id);
        }
        const result = await services.messages.send(req.ctx, input);
        if (result.error) throw result.error;
        reply.header('x-run-id', result.run.id);
        return {
          id: chatId(result.run.id),
          object: 'chat.completion' as const,
          created,
          model: body.model,
          choices: [
            {
              index: 0,
              message: { role: 'assistant' as const, content: result.content, refusal: null },
              finish_reason: finishReason(result.stopReason),
              logprobs: null,
            },
          ],
          usage: chatUsage(result),
          system_fingerprint: null,
        };
      },
    }),
  ];
}

/** `chatcmpl-<uuid of the run>`: the completion is the run (`X-Run-Id` names it). */
function chatId(runId: string): string {
  return `chatcmpl-${runId.slice('run-'.length)}`;
}
