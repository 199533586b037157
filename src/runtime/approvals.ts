/**
 * Human approval of tool calls (Letta's human-in-the-loop). A step whose model calls a tool that
 * needs approval stores the assistant message with its calls, marked `approval_request`, runs
 * nothing and ends the run with `requires_approval`. The next send answers: approved calls run,
 * denied ones return an error naming the denial to the model, and the turn goes on. A plain
 * message while a request is pending is refused (409), as Letta does.
 */
import { LettaError } from '../errors.js';
import type { MessageRecord, NewMessage, ToolRecord } from '../store/records.js';
import type { ToolCall } from './llm/types.js';
import { runStepTools, type StepToolsOutcome } from './step-tools.js';
import type { ToolEnv } from './tools/execute-tool.js';

/** The client's answer to one call (`toolCallId`), or to every call of the request (null). */
export interface ApprovalAnswer {
  toolCallId: string | null;
  approve: boolean;
  reason?: string | undefined;
}

/** Whether one of the calls is of a tool the agent set to need approval. */
export function needsApproval(tools: ToolRecord[], calls: ToolCall[]): boolean {
  return calls.some((c) => tools.find((t) => t.name === c.name)?.requires_approval === true);
}

/** The approval request the conversation waits on: its last in-context message, when marked. */
export function pendingApproval(context: MessageRecord[]): MessageRecord | undefined {
  const last = context.at(-1);
  return last?.role === 'assistant' && last.metadata.approval_request === true ? last : undefined;
}

/** A plain message sent while an approval is pending: 409, naming the request. */
export function pendingApprovalError(pending: MessageRecord): LettaError {
  return new LettaError(
    'CONFLICT',
    `the conversation is waiting for approval of tool call(s) ${(pending.tool_calls ?? [])
      .map((c) => `${c.name} (${c.id})`)
      .join(', ')}: answer with an approval message`,
    { extra: { pending_request_id: pending.id, error_code: 'PENDING_APPROVAL' } },
  );
}

/** Runs the approved calls of `pending` and returns the denied ones as errors, in call order. */
export async function answerApprovals(
  env: ToolEnv,
  tools: ToolRecord[],
  pending: MessageRecord,
  answers: ApprovalAnswer[],
  base: Omit<NewMessage, 'id' | 'role'>,
): Promise<StepToolsOutcome> {
  const calls = pending.tool_calls ?? [];
  const answerOf = (call: ToolCall) => answers.find((a) => a.toolCallId === call.id || a.toolCallId === null);
  for (const call of calls)
    if (!answerOf(call))
      throw new LettaError('VALIDATION_ERROR', `no approval answer for tool call ${call.id}`);
  return runStepTools(env, tools, calls, base, (call) => {
    const answer = answerOf(call);
    return answer?.approve
      ? undefined
      : `Error: request to call tool denied. User reason: ${answer?.reason || 'none given'}`;
  });
}
