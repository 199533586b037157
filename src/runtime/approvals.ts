/**
 * Human approval of tool calls (Letta's human-in-the-loop) and client-side tools. A step whose
 * model calls a tool that needs approval, or a tool the client declared in the request
 * (`client_tools`, executed by the client), stores the assistant message with its calls, marked
 * `approval_request`, runs nothing and ends the run with `requires_approval`. The next send
 * answers: approved calls run, denied ones return an error naming the denial to the model, client
 * tool calls take the return the client sends, calls that needed nothing run, and the turn goes on.
 * A plain message while a request is pending is refused (409), as Letta does.
 */
import { LettaError } from '../errors.js';
import type { MessageRecord, NewMessage, ToolRecord } from '../store/records.js';
import type { ToolCall } from './llm/types.js';
import { runStepTools, type StepToolsOutcome } from './step-tools.js';
import type { ToolEnv, ToolOutcome } from './tools/execute-tool.js';

/**
 * The client's answer to one call (`toolCallId`), or to every call of the request (null): an
 * approval (`approve`), or the return of a tool the client ran itself (`toolReturn`).
 */
export interface ApprovalAnswer {
  toolCallId: string | null;
  approve: boolean;
  reason?: string | undefined;
  toolReturn?: { content: string; status: 'success' | 'error' } | undefined;
}

/** A tool declared by the client for one request (Letta's ClientToolSchema); the client runs it. */
export interface ClientTool {
  name: string;
  description?: string | undefined;
  parameters?: Record<string, unknown> | undefined;
}

/**
 * Whether the step waits for the client: one of the calls is of a tool the agent set to need
 * approval, or of a tool the client runs.
 */
export function needsApproval(
  tools: ToolRecord[],
  calls: ToolCall[],
  clientTools: ClientTool[] = [],
): boolean {
  return calls.some(
    (c) =>
      clientTools.some((t) => t.name === c.name) ||
      tools.find((t) => t.name === c.name)?.requires_approval === true,
  );
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

/**
 * Settles the calls of `pending` in call order: approved calls run, denied ones return the
 * denial as an error, client tool calls take the client's return, and calls of attached tools
 * that need no approval (held only because another call of the step did) run. A call that needs
 * an answer and has none is a 422 naming it.
 */
export async function answerApprovals(
  env: ToolEnv,
  tools: ToolRecord[],
  pending: MessageRecord,
  answers: ApprovalAnswer[],
  base: Omit<NewMessage, 'id' | 'role'>,
): Promise<StepToolsOutcome> {
  const calls = pending.tool_calls ?? [];
  const answerOf = (call: ToolCall) => answers.find((a) => a.toolCallId === call.id || a.toolCallId === null);
  for (const answer of answers) {
    if (answer.toolCallId !== null && !calls.some((c) => c.id === answer.toolCallId))
      throw new LettaError(
        'VALIDATION_ERROR',
        `tool call ${answer.toolCallId} is not part of the pending request (${calls.map((c) => c.id).join(', ')})`,
      );
  }
  for (const call of calls) {
    const tool = tools.find((t) => t.name === call.name);
    if (!answerOf(call) && (tool === undefined || tool.requires_approval))
      throw new LettaError(
        'VALIDATION_ERROR',
        `no answer for tool call ${call.id} (${call.name}): send an approval or, for a client-side tool, its tool return`,
      );
  }
  return runStepTools(env, tools, calls, base, (call): ToolOutcome | undefined => {
    const answer = answerOf(call);
    if (answer?.toolReturn) return settled(answer.toolReturn.status, answer.toolReturn.content);
    if (answer === undefined || answer.approve) return undefined;
    return settled(
      'error',
      `Error: request to call tool denied. User reason: ${answer.reason || 'none given'}`,
    );
  });
}

function settled(status: 'success' | 'error', content: string): ToolOutcome {
  return { status, content, memoryChanged: false, requestHeartbeat: false };
}
