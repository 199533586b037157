/**
 * Custom tools: created from source (Python, TypeScript or JavaScript), their JSON schema derived
 * from the function's signature and docstring/JSDoc (or given as `json_schema`), run in the
 * sandbox. Built-in tools (`letta-base`) cannot be overwritten, changed or deleted. Rows belong
 * to the caller's organization like every other. Also an agent's tool variables (`secrets`),
 * the environment its tools run with.
 */
import { randomUUID } from 'node:crypto';
import { LettaError } from '../errors.js';
import { newId } from '../ids.js';
import { BUILTIN_TOOLS } from '../runtime/tools/builtin-tools.js';
import { runCustomTool } from '../runtime/tools/sandbox/custom-tool-runner.js';
import type { SandboxResult, ToolSandbox } from '../runtime/tools/sandbox/tool-sandbox.js';
import { compileTool, isJsSourceType } from '../runtime/tools/sandbox/typescript-tool.js';
import type { AgentVariableRecord } from '../store/records.js';
import { type JsonObject, nowIso, type ToolRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { RequestContext } from './context.js';
import { DEFAULT_RETURN_CHAR_LIMIT, type ToolService } from './tool-service.js';

export interface ToolInput {
  source_code?: string | undefined;
  source_type?: string | undefined;
  json_schema?: Record<string, unknown> | null | undefined;
  args_json_schema?: Record<string, unknown> | null | undefined;
  description?: string | null | undefined;
  tags?: string[] | null | undefined;
  return_char_limit?: number | undefined;
  default_requires_approval?: boolean | null | undefined;
  pip_requirements?: Array<{ name: string; version?: string | null } | string> | null | undefined;
  npm_requirements?: Array<{ name: string; version?: string | null } | string> | null | undefined;
}

export interface ToolRunInput {
  source_code: string;
  source_type?: string | undefined;
  args?: Record<string, unknown> | undefined;
  env_vars?: Record<string, string> | undefined;
  name?: string | undefined;
  pip_requirements?: ToolInput['pip_requirements'];
  npm_requirements?: ToolInput['npm_requirements'];
}

const BUILTIN_NAMES = new Set(BUILTIN_TOOLS.map((t) => t.name));

export class CustomToolService {
  constructor(
    private readonly store: Store,
    private readonly tools: ToolService,
    readonly sandbox: ToolSandbox,
  ) {}

  async create(ctx: RequestContext, input: ToolInput): Promise<ToolRecord> {
    const tool = await this.build(ctx, input, undefined);
    await this.tools.ensureBuiltins(this.store, ctx.org);
    if ((await this.store.tools.findByNames(ctx.org, [tool.name])).length > 0)
      throw new LettaError('TOOL_NAME_TAKEN', `A tool named '${tool.name}' already exists`);
    await this.store.tools.insert(tool);
    return tool;
  }

  /** Creates the tool, or replaces the custom tool of the same name. */
  async upsert(ctx: RequestContext, input: ToolInput): Promise<ToolRecord> {
    const fresh = await this.build(ctx, input, undefined);
    const [existing] = await this.store.tools.findByNames(ctx.org, [fresh.name]);
    if (!existing) return this.create(ctx, input);
    const tool = { ...fresh, id: existing.id, created_at: existing.created_at };
    await this.store.tools.update(ctx.org, tool);
    return tool;
  }

  async update(ctx: RequestContext, id: string, patch: ToolInput): Promise<ToolRecord> {
    const current = writable(await this.tools.get(ctx, id));
    const merged: ToolInput = {
      source_code: patch.source_code ?? current.source_code ?? '',
      source_type: patch.source_type ?? current.source_type ?? 'python',
      json_schema: patch.json_schema ?? (patch.source_code === undefined ? current.json_schema : undefined),
      args_json_schema: patch.args_json_schema,
      description: patch.description === undefined ? current.description : patch.description,
      tags: patch.tags ?? current.tags,
      return_char_limit: patch.return_char_limit ?? current.return_char_limit,
      default_requires_approval: patch.default_requires_approval ?? current.default_requires_approval,
      pip_requirements: patch.pip_requirements,
      npm_requirements: patch.npm_requirements,
    };
    const tool = {
      ...(await this.build(ctx, merged, current)),
      id: current.id,
      created_at: current.created_at,
    };
    if (tool.name !== current.name && (await this.store.tools.findByNames(ctx.org, [tool.name])).length > 0)
      throw new LettaError('TOOL_NAME_TAKEN', `A tool named '${tool.name}' already exists`);
    await this.store.tools.update(ctx.org, tool);
    return tool;
  }

  async delete(ctx: RequestContext, id: string): Promise<void> {
    writable(await this.tools.get(ctx, id));
    await this.store.tools.delete(ctx.org, id);
  }

  /** Runs source with arguments, without an agent (`POST /v1/tools/run`). */
  async run(ctx: RequestContext, input: ToolRunInput): Promise<SandboxResult & { name: string }> {
    const type = checkSourceType(input.source_type);
    checkRequirements(input.pip_requirements, 'pip');
    checkRequirements(input.npm_requirements, 'npm');
    if (isJsSourceType(type)) {
      const compiled = await compileTool(input.source_code, type);
      if ('error' in compiled)
        throw new LettaError('INVALID_TOOL_SOURCE', `Tool source is invalid: ${compiled.error}`);
      const result = await this.sandbox.runJsTool({
        code: compiled.code,
        entry: compiled.entry,
        params: compiled.params,
        args: input.args ?? {},
        env: input.env_vars ?? {},
      });
      return { ...result, name: compiled.entry };
    }
    const schema = await this.sandbox.pythonSchema(input.source_code, ctx.org);
    if ('error' in schema)
      throw new LettaError('INVALID_TOOL_SOURCE', `Tool source is invalid: ${schema.error}`);
    const entry = input.name && input.name !== schema.name ? input.name : schema.name;
    const result = await this.sandbox.runPython({
      source: input.source_code,
      entry,
      args: input.args ?? {},
      env: input.env_vars ?? {},
      owner: ctx.org,
    });
    return { ...result, name: entry };
  }

  /** Runs one of an agent's custom tools with the agent's variables (`…/tools/{name}/run`). */
  async runForAgent(
    ctx: RequestContext,
    agentId: string,
    tool: ToolRecord,
    args: Record<string, unknown>,
  ): Promise<SandboxResult> {
    const env = await this.store.agentVariables.environment(ctx.org, agentId);
    return runCustomTool(this.sandbox, tool, args, env, ctx.org);
  }

  /** The agent's tool variables (the caller has checked the agent is the caller's). */
  agentVariables(ctx: RequestContext, agentId: string): Promise<AgentVariableRecord[]> {
    return this.store.agentVariables.listForAgent(ctx.org, agentId);
  }

  /** Refuses variable names an environment cannot have (before anything is written). */
  checkAgentVariables(vars: Record<string, string>): void {
    for (const key of Object.keys(vars))
      if (!/^[A-Za-z_][A-Za-z0-9_]{0,199}$/.test(key))
        throw new LettaError(
          'BAD_REQUEST',
          `secrets: '${key.slice(0, 60)}' is not a valid environment variable name`,
        );
  }

  /** Makes `vars` the agent's tool variables (Letta's `secrets`: the whole set is replaced). */
  async setAgentVariables(ctx: RequestContext, agentId: string, vars: Record<string, string>): Promise<void> {
    this.checkAgentVariables(vars);
    const now = nowIso();
    const rows = Object.entries(vars).map(([key, value]) => ({
      id: `agent-env-${randomUUID()}`,
      organization_id: ctx.org,
      agent_id: agentId,
      key,
      value,
      description: null,
      created_at: now,
      updated_at: now,
    }));
    await this.store.transaction((tx) => tx.agentVariables.replace(ctx.org, agentId, rows));
  }

  private async build(
    ctx: RequestContext,
    input: ToolInput,
    current: ToolRecord | undefined,
  ): Promise<ToolRecord> {
    const type = checkSourceType(input.source_type);
    checkRequirements(input.pip_requirements, 'pip');
    checkRequirements(input.npm_requirements, 'npm');
    const source = input.source_code ?? '';
    if (source.trim() === '') throw new LettaError('INVALID_TOOL_SOURCE', 'source_code must not be empty');
    const derived = isJsSourceType(type)
      ? await compileTool(source, type, input.json_schema).then((c) => ('error' in c ? c : c.schema))
      : await this.sandbox.pythonSchema(source, ctx.org);
    if ('error' in derived)
      throw new LettaError('INVALID_TOOL_SOURCE', `Tool source is invalid: ${derived.error}`);
    const given = input.json_schema ?? undefined;
    const name = typeof given?.name === 'string' ? given.name : derived.name;
    if (BUILTIN_NAMES.has(name))
      throw new LettaError(
        'BUILTIN_TOOL_READ_ONLY',
        `'${name}' is a built-in tool and cannot be overwritten`,
      );
    const description =
      input.description ?? (given?.description as string | undefined) ?? derived.description;
    const parameters = input.args_json_schema ?? given?.parameters ?? derived.parameters;
    const sourceType = type;
    const now = nowIso();
    return {
      id: current?.id ?? newId('tool'),
      organization_id: ctx.org,
      name,
      description: description || null,
      tool_type: 'custom',
      source_type: sourceType,
      source_code: source,
      json_schema: { name, description: description ?? '', parameters } as unknown as JsonObject,
      args_json_schema: (input.args_json_schema as JsonObject | undefined) ?? null,
      pip_requirements: null,
      npm_requirements: null,
      metadata: current?.metadata ?? {},
      tags: input.tags ?? [],
      return_char_limit: input.return_char_limit ?? DEFAULT_RETURN_CHAR_LIMIT,
      default_requires_approval: input.default_requires_approval === true,
      created_at: current?.created_at ?? now,
      updated_at: now,
    };
  }
}

function writable(tool: ToolRecord): ToolRecord {
  if (tool.tool_type !== 'custom')
    throw new LettaError('BUILTIN_TOOL_READ_ONLY', `'${tool.name}' is a built-in tool and cannot be changed`);
  return tool;
}

function checkSourceType(type: string | undefined): 'python' | 'typescript' | 'javascript' {
  if (type === undefined || type === 'python') return 'python';
  if (type === 'typescript' || type === 'javascript') return type;
  throw new LettaError(
    'INVALID_TOOL_SOURCE',
    `source_type '${type}' is not supported: this server runs python, typescript and javascript tools`,
  );
}

/** The sandbox installs nothing from the network: any requirement is refused, by name. */
function checkRequirements(list: ToolInput['pip_requirements'], kind: 'pip' | 'npm'): void {
  if (!list || list.length === 0) return;
  const names = list.map((r) => (typeof r === 'string' ? r : r.name));
  throw new LettaError(
    'TOOL_REQUIREMENT_UNAVAILABLE',
    `The sandbox cannot install ${kind} package(s) ${names.map((n) => `'${n}'`).join(', ')}: it installs nothing (Python tools have the standard library, JavaScript tools the language's built-ins)`,
  );
}
