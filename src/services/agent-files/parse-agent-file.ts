/**
 * Reads an agent file: the JSON object, or a JSON string holding it (what Letta's
 * `GET /v1/agents/{id}/export` answers, and how the files of Letta's agent-file repository are
 * stored). Checks shapes and the file-local references (an agent's `block_ids`, `tool_ids`,
 * `in_context_message_ids`); a bad file fails with the JSON path of the first problem
 * (422 AGENT_FILE_INVALID). Fields this server does not use are listed in `warnings`.
 *
 * @example
 * const { file, warnings } = parseAgentFile(readFileSync('memgpt_agent.af', 'utf8'));
 * file.agents[0].name; // 'memgpt_agent'
 */
import type { Json, JsonObject } from '../../store/records.js';
import {
  arr,
  checkFields,
  findNul,
  invalid,
  isObject,
  obj,
  objArr,
  optBool,
  optInt,
  optObj,
  optStr,
  str,
  strArr,
} from './file-reader.js';
import {
  AGENT_FIELDS,
  type AgentFile,
  type AgentFileAgent,
  type AgentFileBlock,
  type AgentFileMessage,
  type AgentFileTool,
  BLOCK_FIELDS,
  type ContentPart,
  type FileToolCall,
  type FileToolReturn,
  MESSAGE_FIELDS,
  TOOL_FIELDS,
  TOP_FIELDS,
} from './format.js';

export interface ParsedAgentFile {
  file: AgentFile;
  warnings: string[];
}

export function parseAgentFile(text: string): ParsedAgentFile {
  let doc = parseJson(text, 'file');
  if (typeof doc === 'string') doc = parseJson(doc, 'file (a JSON string holding the agent file)');
  const root = obj(doc, 'file');
  if (JSON.stringify(root).includes('\\u0000')) {
    invalid(findNul(root, 'file') ?? 'file', 'must not contain NUL (U+0000) characters');
  }
  const warnings: string[] = [];
  checkFields(root, TOP_FIELDS, 'file', warnings);
  if (root.agents === undefined) invalid('agents', 'missing: an agent file lists its agents');
  const blocks = objArr(root.blocks, 'blocks').map((b, i) => readBlock(b, `blocks[${i}]`, warnings));
  const tools = objArr(root.tools, 'tools').map((t, i) => readTool(t, `tools[${i}]`, warnings));
  const agents = objArr(root.agents, 'agents').map((a, i) => readAgent(a, `agents[${i}]`, warnings));
  if (agents.length === 0) invalid('agents', 'the file holds no agent');
  const file: AgentFile = {
    agents,
    blocks,
    tools,
    groups: objArr(root.groups, 'groups'),
    files: objArr(root.files, 'files'),
    sources: objArr(root.sources, 'sources'),
    mcp_servers: objArr(root.mcp_servers, 'mcp_servers'),
    skills: objArr(root.skills, 'skills'),
    metadata: optObj(root.metadata, 'metadata') ?? {},
    created_at: optStr(root.created_at, 'created_at'),
  };
  checkReferences(file);
  return { file, warnings };
}

function parseJson(text: string, where: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (err) {
    return invalid(where, `not valid JSON (${(err as Error).message})`);
  }
}

function readBlock(b: JsonObject, path: string, warnings: string[]): AgentFileBlock {
  checkFields(b, BLOCK_FIELDS, path, warnings);
  const value = str(b.value ?? '', `${path}.value`);
  return {
    id: str(b.id, `${path}.id`),
    label: str(b.label, `${path}.label`),
    value,
    limit: optInt(b.limit, `${path}.limit`) ?? Math.max(20_000, value.length),
    description: optStr(b.description, `${path}.description`),
    read_only: optBool(b.read_only, `${path}.read_only`) ?? false,
    metadata: optObj(b.metadata, `${path}.metadata`),
    tags: strArr(b.tags, `${path}.tags`),
  };
}

function readTool(t: JsonObject, path: string, warnings: string[]): AgentFileTool {
  checkFields(t, TOOL_FIELDS, path, warnings);
  const jsonSchema = optObj(t.json_schema, `${path}.json_schema`);
  const name =
    optStr(t.name, `${path}.name`) ?? (typeof jsonSchema?.name === 'string' ? jsonSchema.name : null);
  if (name === null) invalid(`${path}.name`, 'a tool needs a name (or json_schema.name)');
  return {
    id: str(t.id, `${path}.id`),
    name,
    tool_type: optStr(t.tool_type, `${path}.tool_type`) ?? 'custom',
    description: optStr(t.description, `${path}.description`),
    source_type: optStr(t.source_type, `${path}.source_type`),
    source_code: optStr(t.source_code, `${path}.source_code`),
    json_schema: jsonSchema,
    args_json_schema: optObj(t.args_json_schema, `${path}.args_json_schema`),
    tags: strArr(t.tags, `${path}.tags`),
    return_char_limit: optInt(t.return_char_limit, `${path}.return_char_limit`) ?? 6000,
    pip_requirements: t.pip_requirements == null ? null : arr(t.pip_requirements, `${path}.pip_requirements`),
    npm_requirements: t.npm_requirements == null ? null : arr(t.npm_requirements, `${path}.npm_requirements`),
    metadata_: optObj(t.metadata_, `${path}.metadata_`),
  };
}

function readAgent(a: JsonObject, path: string, warnings: string[]): AgentFileAgent {
  checkFields(a, AGENT_FIELDS, path, warnings);
  const messages = objArr(a.messages, `${path}.messages`).map((m, i) =>
    readMessage(m, `${path}.messages[${i}]`, warnings),
  );
  return {
    id: str(a.id, `${path}.id`),
    name: optStr(a.name, `${path}.name`) ?? 'imported-agent',
    agent_type: optStr(a.agent_type, `${path}.agent_type`) ?? 'letta_v1_agent',
    system: optStr(a.system, `${path}.system`),
    description: optStr(a.description, `${path}.description`),
    metadata: optObj(a.metadata, `${path}.metadata`),
    tags: strArr(a.tags, `${path}.tags`),
    tool_rules: objArr(a.tool_rules, `${path}.tool_rules`).map((r, i) => {
      str(r.tool_name, `${path}.tool_rules[${i}].tool_name`);
      str(r.type, `${path}.tool_rules[${i}].type`);
      return r;
    }),
    block_ids: strArr(a.block_ids, `${path}.block_ids`),
    tool_ids: strArr(a.tool_ids, `${path}.tool_ids`),
    memory_blocks: objArr(a.memory_blocks, `${path}.memory_blocks`),
    llm_config: optObj(a.llm_config, `${path}.llm_config`),
    embedding_config: optObj(a.embedding_config, `${path}.embedding_config`),
    model: optStr(a.model, `${path}.model`),
    embedding: optStr(a.embedding, `${path}.embedding`),
    model_settings: optObj(a.model_settings, `${path}.model_settings`),
    context_window_limit: optInt(a.context_window_limit, `${path}.context_window_limit`),
    in_context_message_ids: strArr(a.in_context_message_ids, `${path}.in_context_message_ids`),
    messages,
    group_ids: strArr(a.group_ids, `${path}.group_ids`),
    secrets: a.secrets ?? null,
    tool_exec_environment_variables: a.tool_exec_environment_variables ?? null,
  };
}

function readMessage(m: JsonObject, path: string, warnings: string[]): AgentFileMessage {
  checkFields(m, MESSAGE_FIELDS, path, warnings);
  const content =
    typeof m.content === 'string'
      ? m.content
      : arr(m.content, `${path}.content`).map((p, i) => obj(p, `${path}.content[${i}]`) as ContentPart);
  return {
    id: str(m.id, `${path}.id`),
    type: optStr(m.type, `${path}.type`),
    role: str(m.role, `${path}.role`),
    content,
    name: optStr(m.name, `${path}.name`),
    otid: optStr(m.otid, `${path}.otid`),
    model: optStr(m.model, `${path}.model`),
    agent_id: optStr(m.agent_id, `${path}.agent_id`),
    tool_calls:
      m.tool_calls == null
        ? null
        : objArr(m.tool_calls, `${path}.tool_calls`).map((c, i) =>
            readToolCall(c, `${path}.tool_calls[${i}]`),
          ),
    tool_call_id: optStr(m.tool_call_id, `${path}.tool_call_id`),
    tool_returns: objArr(m.tool_returns, `${path}.tool_returns`).map((r, i) =>
      readToolReturn(r, `${path}.tool_returns[${i}]`),
    ),
    created_at: optStr(m.created_at, `${path}.created_at`) ?? new Date(0).toISOString(),
  };
}

function readToolCall(c: JsonObject, path: string): FileToolCall {
  const fn = obj(c.function, `${path}.function`);
  const args = fn.arguments;
  return {
    id: str(c.id, `${path}.id`),
    type: 'function',
    function: {
      name: str(fn.name, `${path}.function.name`),
      // Some writers store the arguments as an object rather than a JSON string.
      arguments: isObject(args) ? JSON.stringify(args) : (optStr(args, `${path}.function.arguments`) ?? '{}'),
    },
  };
}

function readToolReturn(r: JsonObject, path: string): FileToolReturn {
  const status = optStr(r.status, `${path}.status`) ?? 'success';
  if (status !== 'success' && status !== 'error') invalid(`${path}.status`, "expected 'success' or 'error'");
  const response = r.func_response;
  return {
    tool_call_id: optStr(r.tool_call_id, `${path}.tool_call_id`),
    status,
    func_response: isObject(response) ? JSON.stringify(response) : optStr(response, `${path}.func_response`),
    stdout: r.stdout == null ? null : strArr(r.stdout, `${path}.stdout`),
    stderr: r.stderr == null ? null : strArr(r.stderr, `${path}.stderr`),
  };
}

/** Every id an agent refers to exists in the file, and ids are unique per kind. */
function checkReferences(file: AgentFile): void {
  const blockIds = uniqueIds(file.blocks, 'blocks');
  const toolIds = uniqueIds(file.tools, 'tools');
  uniqueIds(file.agents, 'agents');
  file.agents.forEach((a, i) => {
    a.block_ids.forEach((id, j) => {
      if (!blockIds.has(id)) invalid(`agents[${i}].block_ids[${j}]`, `no block '${id}' in the file`);
    });
    a.tool_ids.forEach((id, j) => {
      if (!toolIds.has(id)) invalid(`agents[${i}].tool_ids[${j}]`, `no tool '${id}' in the file`);
    });
    const messageIds = uniqueIds(a.messages, `agents[${i}].messages`);
    a.in_context_message_ids.forEach((id, j) => {
      if (!messageIds.has(id))
        invalid(`agents[${i}].in_context_message_ids[${j}]`, `no message '${id}' in agents[${i}].messages`);
    });
  });
}

function uniqueIds(items: { id: string }[], path: string): Set<string> {
  const ids = new Set<string>();
  items.forEach((item, i) => {
    if (ids.has(item.id)) invalid(`${path}[${i}].id`, `duplicate id '${item.id}'`);
    ids.add(item.id);
  });
  return ids;
}
