/** Letta's stop reasons, and whether each ends a run as completed or failed. */
export type StopReason =
  | 'end_turn'
  | 'max_steps'
  | 'tool_rule'
  | 'requires_approval'
  | 'max_tokens_exceeded'
  | 'no_tool_call'
  | 'invalid_llm_response'
  | 'invalid_tool_call'
  | 'llm_api_error'
  | 'error'
  | 'cancelled';

const COMPLETED: ReadonlySet<StopReason> = new Set([
  'end_turn',
  'max_steps',
  'tool_rule',
  'requires_approval',
  'max_tokens_exceeded',
]);

export function runStatusFor(reason: StopReason): 'completed' | 'failed' | 'cancelled' {
  if (reason === 'cancelled') return 'cancelled';
  return COMPLETED.has(reason) ? 'completed' : 'failed';
}

export interface Usage {
  completion_tokens: number;
  prompt_tokens: number;
  total_tokens: number;
  step_count: number;
}

export function emptyUsage(): Usage {
  return { completion_tokens: 0, prompt_tokens: 0, total_tokens: 0, step_count: 0 };
}
