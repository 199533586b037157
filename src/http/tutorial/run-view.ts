/** How runs are shown (both APIs use Letta's `Run` shape). */
import { Type } from 'typebox';
import type { RunRecord } from '../../store/records.js';
import { NullableString } from '../schemas.js';

export const RunView = Type.Object(
  {
    id: Type.String(),
    agent_id: Type.String(),
    conversation_id: NullableString,
    status: Type.String(),
    stop_reason: NullableString,
    background: Type.Boolean(),
    callback_url: NullableString,
    metadata: Type.Record(Type.String(), Type.Unknown()),
    created_at: Type.String(),
    completed_at: NullableString,
    total_usage: Type.Object({
      prompt_tokens: Type.Integer(),
      completion_tokens: Type.Integer(),
      total_tokens: Type.Integer(),
      step_count: Type.Integer(),
    }),
  },
  { additionalProperties: true },
);

export function runView(r: RunRecord) {
  return {
    id: r.id,
    agent_id: r.agent_id,
    conversation_id: r.conversation_id,
    status: r.status,
    stop_reason: r.stop_reason,
    background: r.background,
    callback_url: r.callback_url,
    metadata: r.metadata,
    created_at: r.created_at,
    completed_at: r.completed_at,
    total_usage: {
      prompt_tokens: r.prompt_tokens,
      completion_tokens: r.completion_tokens,
      total_tokens: r.total_tokens,
      step_count: r.step_count,
    },
  };
}
