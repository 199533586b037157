/**
 * `POST /v1/chat/completions` request and response schemas (OpenAI's shapes, bounded). Fields of
 * OpenAI's request that an agent does not use (temperature, tools, …) are accepted and ignored.
 */
import { Type } from 'typebox';
import { idPattern } from '../../ids.js';

const ContentPart = Type.Object({
  type: Type.String({ maxLength: 50 }),
  text: Type.Optional(Type.String({ maxLength: 1_000_000 })),
});

const ChatMessage = Type.Object({
  role: Type.Enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: Type.Optional(
    Type.Union([
      Type.String({ maxLength: 1_000_000 }),
      Type.Array(ContentPart, { maxItems: 100 }),
      Type.Null(),
    ]),
  ),
  name: Type.Optional(Type.String({ maxLength: 200 })),
});

/** The header that picks a conversation when the body has no `conversation_id`. */
export const CONVERSATION_HEADER = 'x-letta-conversation-id';

/** `conv-<uuid4>` or `default`. */
export const CONVERSATION_PATTERN = `^(default|${idPattern('conv').slice(1, -1)})$`;

export const ConversationRef = Type.String({
  maxLength: 41,
  pattern: CONVERSATION_PATTERN,
  description: `A conversation of the agent (\`conv-…\`) or \`default\`; absent = the \`${CONVERSATION_HEADER}\` header, else the agent's default conversation.`,
});

export const ChatCompletionBody = Type.Object({
  model: Type.String({
    minLength: 1,
    maxLength: 200,
    description: 'The agent: its id (`agent-…`) or `agent:<name>`.',
  }),
  messages: Type.Array(ChatMessage, {
    minItems: 1,
    maxItems: 10_000,
    description: 'Only the last `user` message is sent: the agent keeps its own history.',
  }),
  stream: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  stream_options: Type.Optional(
    Type.Union([Type.Object({ include_usage: Type.Optional(Type.Boolean()) }), Type.Null()]),
  ),
  conversation_id: Type.Optional(Type.Union([ConversationRef, Type.Null()])),
  user: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
});

export const ChatUsage = Type.Object({
  prompt_tokens: Type.Integer(),
  completion_tokens: Type.Integer(),
  total_tokens: Type.Integer(),
});

export const ChatCompletion = Type.Object({
  id: Type.String(),
  object: Type.Literal('chat.completion'),
  created: Type.Integer(),
  model: Type.String(),
  choices: Type.Array(
    Type.Object({
      index: Type.Integer(),
      message: Type.Object({
        role: Type.Literal('assistant'),
        content: Type.String(),
        refusal: Type.Null(),
      }),
      finish_reason: Type.String(),
      logprobs: Type.Null(),
    }),
  ),
  usage: ChatUsage,
  system_fingerprint: Type.Null(),
});
