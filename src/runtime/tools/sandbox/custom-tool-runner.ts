/**
 * Runs an agent's custom tools in the sandbox during a turn. A failure (exception, timeout,
 * memory, unserialisable return) becomes a failed tool return whose message carries the end of
 * the tool's stderr, so the model can correct itself; the turn goes on.
 */
import type { ToolRecord } from '../../../store/records.js';
import { ToolError } from '../memory-edits.js';
import type { ToolSandbox } from './tool-sandbox.js';

export type CustomToolRunner = (
  name: string,
  args: Record<string, unknown>,
) => Promise<{ content: string; memoryChanged: boolean }> | undefined;

export function customToolRunner(sandbox: ToolSandbox | undefined, tools: ToolRecord[]): CustomToolRunner {
  const custom = new Map(
    tools.filter((t) => t.tool_type === 'custom' && t.source_code).map((t) => [t.name, t]),
  );
  return (name, args) => {
    const tool = custom.get(name);
    if (!tool || !sandbox) return undefined;
    const { request_heartbeat: _h, ...rest } = args;
    return sandbox.runPython({ source: tool.source_code ?? '', entry: tool.name, args: rest }).then((r) => {
      if (r.status === 'success') return { content: r.result ?? 'None', memoryChanged: false };
      const tail = r.stderr.trim().split('\n').slice(-6).join('\n');
      throw new ToolError(tail ? `${r.result}\n${tail}` : String(r.result));
    });
  };
}
