/**
 * An agent file's tools as this organization's tool rows. Letta's built-in tools (`letta_*`
 * types) map by name to ours; one we do not serve is dropped and reported. Every other tool
 * (custom Python, MCP, Composio, LangChain, or an unknown type) is stored with its source and
 * schemas; custom Python tools run in the tools sandbox, and every tool that cannot run here is
 * reported as not runnable, with the reason.
 * A stored tool of the same name is reused; `override_existing_tools` replaces its definition
 * (built-in tools are never replaced).
 */
import { newId } from '../../ids.js';
import { builtinTool } from '../../runtime/tools/builtin-tools.js';
import { nowIso, type ToolRecord } from '../../store/records.js';
import type { Store } from '../../store/store.js';
import { DEFAULT_RETURN_CHAR_LIMIT } from '../tool-service.js';
import { type AgentFileTool, type ImportResult, LETTA_TOOL_TYPES } from './format.js';

export interface ToolImport {
  /** File tool id → stored tool (absent: dropped). */
  byFileId: Map<string, ToolRecord>;
  notRunnable: ImportResult['not_runnable_tools'];
}

const isBuiltinType = (type: string) => type.startsWith('letta_');

export async function importTools(
  tx: Store,
  org: string,
  tools: AgentFileTool[],
  overrideExisting: boolean,
  warnings: string[],
): Promise<ToolImport> {
  const byFileId = new Map<string, ToolRecord>();
  const notRunnable: ImportResult['not_runnable_tools'] = [];
  const names = tools.map((t) => t.name ?? '');
  const existing = new Map((await tx.tools.findByNames(org, names)).map((t) => [t.name, t]));
  for (const [i, t] of tools.entries()) {
    const path = `tools[${i}]`;
    const name = t.name ?? '';
    const stored = existing.get(name);
    if (isBuiltinType(t.tool_type) || stored?.tool_type.startsWith('letta_')) {
      if (stored && builtinTool(name)) {
        if (!isBuiltinType(t.tool_type))
          warnings.push(
            `${path}: a ${t.tool_type} tool named '${name}' would replace a built-in tool; the built-in one is used`,
          );
        byFileId.set(t.id, stored);
      } else {
        warnings.push(
          `${path}: built-in tool '${name}' (${t.tool_type}) is not served by this server, dropped`,
        );
      }
      continue;
    }
    if (!(LETTA_TOOL_TYPES as readonly string[]).includes(t.tool_type)) {
      warnings.push(
        `${path}.tool_type: unknown tool type '${t.tool_type}'; the tool is stored, not runnable`,
      );
    }
    const record = toolRecord(org, t, stored?.id ?? newId('tool'));
    if (!stored) {
      await tx.tools.insert(record);
      existing.set(name, record);
      byFileId.set(t.id, record);
    } else if (overrideExisting) {
      await tx.tools.replaceDefinition(org, stored.id, record);
      byFileId.set(t.id, { ...record, created_at: stored.created_at });
    } else {
      warnings.push(
        `${path}: a tool named '${name}' exists; it is used as it is (override_existing_tools is false)`,
      );
      byFileId.set(t.id, stored);
    }
    if (!runsHere(t))
      notRunnable.push({ id: record.id, name, tool_type: t.tool_type, reason: notRunnableReason(t) });
  }
  return { byFileId, notRunnable };
}

function toolRecord(org: string, t: AgentFileTool, id: string): ToolRecord {
  const now = nowIso();
  const name = t.name ?? '';
  return {
    id,
    organization_id: org,
    name,
    description: t.description,
    tool_type: t.tool_type,
    source_type: t.source_type,
    source_code: t.source_code,
    json_schema: t.json_schema ?? {
      name,
      description: t.description ?? '',
      parameters: { type: 'object', properties: {} },
    },
    tags: t.tags,
    return_char_limit: t.return_char_limit || DEFAULT_RETURN_CHAR_LIMIT,
    args_json_schema: t.args_json_schema,
    pip_requirements: t.pip_requirements,
    npm_requirements: t.npm_requirements,
    metadata: t.metadata_ ?? {},
    created_at: now,
    updated_at: now,
  };
}

/** Custom Python tools with their source run in the sandbox (`runtime/tools/sandbox`). */
function runsHere(t: AgentFileTool): boolean {
  return t.tool_type === 'custom' && !!t.source_code && (t.source_type ?? 'python') === 'python';
}

function notRunnableReason(t: AgentFileTool): string {
  if (t.tool_type === 'external_mcp') {
    const mcp = t.metadata_?.mcp;
    const server =
      typeof mcp === 'object' && mcp !== null && !Array.isArray(mcp) ? mcp.server_name : undefined;
    return `MCP tool of server '${typeof server === 'string' ? server : 'unknown'}': MCP servers are not connected yet`;
  }
  if (t.tool_type === 'custom') {
    return t.source_code
      ? `custom ${t.source_type} tool: this server runs custom tools in Python only`
      : 'custom tool without source code: nothing to run';
  }
  return `${t.tool_type} tools are not run by this server`;
}
