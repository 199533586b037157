/**
 * The tool definitions sent to the model with every call of a turn: each attached tool's JSON
 * schema, plus `request_heartbeat` for memgpt_v2 agents (except the tools that end a turn).
 */
import type { AgentRecord, ToolRecord } from '../../store/records.js';
import type { ToolDefinition } from '../llm/types.js';
import { countTokens, tokenizerLoaded } from '../tokens.js';
import { TERMINAL_TOOLS } from './builtin-tools.js';

export function toolDefinitions(agent: AgentRecord, tools: ToolRecord[]): ToolDefinition[] {
  return tools.map((t) => {
    const schema = t.json_schema as { description?: string; parameters?: Record<string, unknown> };
    const parameters = (schema.parameters ?? { type: 'object', properties: {} }) as {
      properties?: Record<string, unknown>;
      required?: string[];
      [k: string]: unknown;
    };
    const description = schema.description ?? t.description ?? '';
    if (agent.agent_type !== 'memgpt_v2_agent' || TERMINAL_TOOLS.has(t.name)) {
      return { name: t.name, description, parameters };
    }
    return {
      name: t.name,
      description,
      parameters: {
        ...parameters,
        properties: {
          ...(parameters.properties ?? {}),
          request_heartbeat: {
            type: 'boolean',
            description: 'Request another step after this tool returns.',
          },
        },
        required: [...(parameters.required ?? []), 'request_heartbeat'],
      },
    };
  });
}

/** The definitions of the tools a client declared for one request (it runs them itself). */
export function clientToolDefinitions(
  tools: readonly {
    name: string;
    description?: string | undefined;
    parameters?: Record<string, unknown> | undefined;
  }[],
): ToolDefinition[] {
  return tools.map((t) => ({
    name: t.name,
    description: t.description ?? '',
    parameters: t.parameters ?? { type: 'object', properties: {} },
  }));
}

/**
 * Token count of the tool definitions sent with every call. An agent's tools rarely change, and
 * their JSON is a kilobyte or more: counted once per distinct definition set, not once a send.
 */
const toolTokenCounts = new Map<string, number>();
export function toolDefinitionTokens(defs: ToolDefinition[]): number {
  const json = JSON.stringify(defs);
  let n = toolTokenCounts.get(json);
  if (n === undefined) {
    n = countTokens(json);
    // An estimate (tokenizer still loading) is not kept.
    if (!tokenizerLoaded()) return n;
    if (toolTokenCounts.size >= 256) toolTokenCounts.delete(toolTokenCounts.keys().next().value as string);
    toolTokenCounts.set(json, n);
  }
  return n;
}
