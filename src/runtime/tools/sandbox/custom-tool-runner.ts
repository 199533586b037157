/**
 * Runs an agent's custom tools in the sandbox during a turn: Python tools in Pyodide, TypeScript
 * and JavaScript tools in QuickJS, each with the agent's tool variables as its only environment
 * and on a worker of the agent's organization. A failure (exception, timeout, memory,
 * unserialisable return) becomes a failed tool return whose message carries the end of the
 * tool's stderr, so the model can correct itself; the turn goes on.
 */
import type { ToolRecord } from '../../../store/records.js';
import { ToolError, type ToolOutput } from '../memory-edits.js';
import type { SandboxResult, ToolSandbox } from './tool-sandbox.js';
import { compileTool, isJsSourceType } from './typescript-tool.js';

/** What the runner needs of the call: whose it is and the agent's variables. */
export interface CustomToolCall {
  org: string;
  /** The agent's tool variables (read for each call, so an update applies at once). */
  variables: () => Promise<Record<string, string>>;
}

export type CustomToolRunner = (
  name: string,
  args: Record<string, unknown>,
  call?: CustomToolCall,
) => Promise<{ content: string; memoryChanged: boolean; output: ToolOutput }> | undefined;

/** Runs one custom tool (any source type) with `args` and `env`; never throws for guest errors. */
export async function runCustomTool(
  sandbox: ToolSandbox,
  tool: ToolRecord,
  args: Record<string, unknown>,
  env: Record<string, string>,
  owner: string,
): Promise<SandboxResult> {
  const source = tool.source_code ?? '';
  if (isJsSourceType(tool.source_type)) {
    const compiled = await compileTool(source, tool.source_type, tool.json_schema);
    if ('error' in compiled)
      return {
        status: 'error',
        result: `Error: the tool source is invalid: ${compiled.error}`,
        stdout: '',
        stderr: '',
      };
    return sandbox.runJsTool({
      code: compiled.code,
      entry: compiled.entry,
      params: compiled.params,
      args,
      env,
    });
  }
  return sandbox.runPython({ source, entry: tool.name, args, env, owner });
}

/** The value a successful call returns to the model when the function returned nothing. */
export function emptyReturn(tool: ToolRecord): string {
  return isJsSourceType(tool.source_type) ? 'null' : 'None';
}

export function customToolRunner(sandbox: ToolSandbox | undefined, tools: ToolRecord[]): CustomToolRunner {
  const custom = new Map(
    tools.filter((t) => t.tool_type === 'custom' && t.source_code).map((t) => [t.name, t]),
  );
  return (name, args, call) => {
    const tool = custom.get(name);
    if (!tool || !sandbox) return undefined;
    const { request_heartbeat: _h, ...rest } = args;
    return (async () => {
      const env = call ? await call.variables() : {};
      const r = await runCustomTool(sandbox, tool, rest, env, call?.org ?? '');
      const output = { stdout: r.stdout, stderr: r.stderr };
      if (r.status === 'success')
        return { content: r.result ?? emptyReturn(tool), memoryChanged: false, output };
      const tail = r.stderr.trim().split('\n').slice(-6).join('\n');
      throw new ToolError(tail ? `${r.result}\n${tail}` : String(r.result), output);
    })();
  };
}
