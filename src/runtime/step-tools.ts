/**
 * The tool calls of one step, run one after the other: each becomes a tool-return message (a
 * tool that is not attached, or fails, returns an error the model can read; it never throws to
 * the turn), and together they say how the turn goes on: memory changed (recompile the system
 * message), a heartbeat asked for, a failure, or a tool that ends the turn.
 */
import { newId } from '../ids.js';
import type { NewMessage, ToolRecord } from '../store/records.js';
import type { ToolCall } from './llm/types.js';
import { countTokensAsync } from './tokens.js';
import { TERMINAL_TOOLS } from './tools/builtin-tools.js';
import { executeTool, type ToolEnv, type ToolOutcome } from './tools/execute-tool.js';

export interface StepToolsOutcome {
  /** One tool-return message per call, in the order of the calls. */
  returns: NewMessage[];
  memoryChanged: boolean;
  heartbeat: boolean;
  failed: boolean;
  /** A tool that ends the turn (send_message, …) succeeded. */
  terminal: boolean;
}

/**
 * Runs `calls` in order. `settled` may give a call's outcome instead of running it (a denied
 * approval, the return of a tool the client ran): it goes back to the model like any return.
 */
export async function runStepTools(
  env: ToolEnv,
  tools: ToolRecord[],
  calls: ToolCall[],
  base: Omit<NewMessage, 'id' | 'role'>,
  settled?: (call: ToolCall) => ToolOutcome | undefined,
): Promise<StepToolsOutcome> {
  const out: StepToolsOutcome = {
    returns: [],
    memoryChanged: false,
    heartbeat: false,
    failed: false,
    terminal: false,
  };
  for (const call of calls) {
    const tool = tools.find((t) => t.name === call.name);
    const outcome: ToolOutcome =
      settled?.(call) ??
      (tool
        ? await executeTool(env, call, tool.return_char_limit)
        : {
            status: 'error',
            content: `Error: tool '${call.name}' is not attached to this agent`,
            memoryChanged: false,
            requestHeartbeat: false,
          });
    out.memoryChanged ||= outcome.memoryChanged;
    out.heartbeat ||= outcome.requestHeartbeat;
    out.failed ||= outcome.status === 'error';
    out.terminal ||= TERMINAL_TOOLS.has(call.name) && outcome.status === 'success';
    out.returns.push({
      ...base,
      id: newId('message'),
      role: 'tool',
      content: outcome.content,
      tool_call_id: call.id,
      name: call.name,
      status: outcome.status,
      tokens: await countTokensAsync(outcome.content),
      // Letta's tool return shows what a sandboxed tool printed, as lists of strings.
      ...(outcome.output && {
        metadata: { ...base.metadata, stdout: [outcome.output.stdout], stderr: [outcome.output.stderr] },
      }),
    });
  }
  return out;
}
