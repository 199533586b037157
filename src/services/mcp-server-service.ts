/**
 * MCP servers (`/v1/mcp-servers`, and Letta's older `/v1/tools/mcp/servers` by name): register a
 * server by URL (streamable HTTP, SSE) or by command (stdio, only with `LETTA_MCP_STDIO=1`),
 * read, change, delete; its tools become tool rows of `tool_type` `external_mcp` (the server in
 * `metadata.mcp`, the MCP tool's `inputSchema` as `json_schema.parameters`) that agents attach
 * like any tool. Tool names are unique per organization, so, as in Letta, a server that offers a
 * tool of the same name as another server's takes the row over (the latest server wins); a
 * custom or built-in tool of that name is never replaced (the MCP tool is skipped). Creating a
 * server stores its tools when it answers (a server that is down is still stored; `refresh`
 * syncs later). URLs pass the outbound address policy when given and at
 * every connection. Rows belong to the caller's organization.
 *
 * Secrets (`auth_token`, custom header values, stdio `env` values) are answered masked
 * (`maskSecret`, mcp-server-config.ts); a masked value sent back in an update keeps the secret.
 */
import { LettaError } from '../errors.js';
import { newId } from '../ids.js';
import type { Logger } from '../logger.js';
import type { OutboundClient } from '../net/index.js';
import type { McpConnections, McpToolInfo } from '../runtime/tools/mcp/mcp-connections.js';
import { stdioDisabled } from '../runtime/tools/mcp/mcp-connections.js';
import { mcpResultText } from '../runtime/tools/mcp/mcp-result.js';
import { mcpServerRef, serverOfTool } from '../runtime/tools/mcp/mcp-tool-runner.js';
import { type JsonObject, type McpServerRecord, nowIso, type ToolRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { RequestContext } from './context.js';
import { checkName, fieldsOf, laterThan, type McpServerInput } from './mcp-server-config.js';
import { DEFAULT_RETURN_CHAR_LIMIT, type ToolService } from './tool-service.js';

export { maskSecret } from './mcp-server-config.js';
export type { McpServerInput, McpToolInfo };

/** What a refresh changed, by tool name. */
export interface McpRefresh {
  message: string;
  added: string[];
  updated: string[];
  deleted: string[];
  /** Tools not stored because a tool that is not an MCP tool has the name. */
  skipped: string[];
}

export interface McpRunResult {
  status: 'success' | 'error';
  func_return: string;
}

export class McpServerService {
  constructor(
    private readonly store: Store,
    private readonly tools: ToolService,
    private readonly pool: McpConnections,
    private readonly outbound: OutboundClient,
    private readonly log: Logger,
  ) {}

  async list(ctx: RequestContext): Promise<McpServerRecord[]> {
    return this.store.mcpServers.list(ctx.org);
  }

  async get(ctx: RequestContext, id: string): Promise<McpServerRecord> {
    const server = await this.store.mcpServers.get(ctx.org, id);
    if (!server) throw new LettaError('MCP_SERVER_NOT_FOUND', `MCP server '${id}' not found`);
    return server;
  }

  async getByName(ctx: RequestContext, name: string): Promise<McpServerRecord> {
    const server = await this.store.mcpServers.getByName(ctx.org, name);
    if (!server) throw new LettaError('MCP_SERVER_NOT_FOUND', `MCP server '${name}' not found`);
    return server;
  }

  /** Stores the server, then its tools if it answers. */
  async create(ctx: RequestContext, name: string, input: McpServerInput): Promise<McpServerRecord> {
    const now = nowIso();
    const server = await this.checked({
      id: newId('mcp_server'),
      organization_id: ctx.org,
      server_name: checkName(name),
      ...fieldsOf(input, undefined),
      created_at: now,
      updated_at: now,
    });
    if (!(await this.store.mcpServers.insert(server)))
      throw new LettaError(
        'MCP_SERVER_NAME_TAKEN',
        `An MCP server named '${server.server_name}' already exists`,
      );
    await this.syncQuietly(ctx, server);
    return server;
  }

  /** Changes the server (masked secrets sent back keep the stored ones); its connection is reopened. */
  async update(
    ctx: RequestContext,
    id: string,
    name: string | null | undefined,
    input: McpServerInput,
  ): Promise<McpServerRecord> {
    const current = await this.get(ctx, id);
    const server = await this.checked({
      ...current,
      server_name: name ? checkName(name) : current.server_name,
      ...fieldsOf(input, current),
      updated_at: laterThan(current.updated_at),
    });
    const r = await this.store.mcpServers.update(ctx.org, server);
    if (r === 'not_found') throw new LettaError('MCP_SERVER_NOT_FOUND', `MCP server '${id}' not found`);
    if (r === 'name_taken')
      throw new LettaError(
        'MCP_SERVER_NAME_TAKEN',
        `An MCP server named '${server.server_name}' already exists`,
      );
    await this.pool.drop(id);
    if (server.server_name !== current.server_name) {
      for (const t of await this.storedTools(ctx, current)) {
        await this.store.tools.replaceDefinition(ctx.org, t.id, {
          ...t,
          tags: [`mcp:${server.server_name}`],
          metadata: mcpMetadata(server),
        });
      }
    }
    return server;
  }

  /** Deletes the server and its tools (detached from every agent). */
  async delete(ctx: RequestContext, id: string): Promise<McpServerRecord> {
    const server = await this.get(ctx, id);
    await this.store.transaction(async (tx) => {
      for (const t of await this.storedTools(ctx, server, tx)) await tx.tools.delete(ctx.org, t.id);
      await tx.mcpServers.delete(ctx.org, id);
    });
    await this.pool.drop(id);
    return server;
  }

  /** The server's stored tools; when none are stored yet, they are fetched and stored first. */
  async listTools(ctx: RequestContext, id: string): Promise<ToolRecord[]> {
    const server = await this.get(ctx, id);
    const stored = await this.storedTools(ctx, server);
    if (stored.length > 0) return stored;
    await this.sync(ctx, server);
    return this.storedTools(ctx, server);
  }

  async getTool(ctx: RequestContext, id: string, toolId: string): Promise<ToolRecord> {
    const server = await this.get(ctx, id);
    const tool = (await this.storedTools(ctx, server)).find((t) => t.id === toolId);
    if (!tool) throw new LettaError('TOOL_NOT_FOUND', `Tool '${toolId}' not found on MCP server '${id}'`);
    return tool;
  }

  /** Runs one of the server's tools (`status: error` when the tool fails; 502 when the server does). */
  async runTool(ctx: RequestContext, id: string, toolId: string, args: Record<string, unknown>) {
    const server = await this.get(ctx, id);
    const tool = await this.getTool(ctx, id, toolId);
    return this.call(server, tool.name, args);
  }

  /** Runs an MCP tool row (an agent's `POST /v1/agents/{id}/tools/{tool_name}/run`). */
  async runToolRow(
    ctx: RequestContext,
    tool: ToolRecord,
    args: Record<string, unknown>,
  ): Promise<McpRunResult> {
    const server = await serverOfTool(this.store, ctx.org, tool);
    if (!server)
      throw new LettaError('MCP_SERVER_NOT_FOUND', `The MCP server of tool '${tool.name}' does not exist`);
    return this.call(server, tool.name, args);
  }

  /** Calls the tool `name` on the server. */
  async call(server: McpServerRecord, name: string, args: Record<string, unknown>): Promise<McpRunResult> {
    const r = await this.pool.callTool(server, name, args);
    return { status: r.isError === true ? 'error' : 'success', func_return: mcpResultText(r) };
  }

  /** Syncs the stored tools with what the server lists now (`agent_id`: new tools attached to it). */
  async refresh(ctx: RequestContext, id: string, agentId?: string): Promise<McpRefresh> {
    const server = await this.get(ctx, id);
    const r = await this.sync(ctx, server);
    if (agentId && r.added.length > 0) {
      const added = await this.store.tools.findByNames(ctx.org, r.added);
      await this.store.tools.attach(
        ctx.org,
        agentId,
        added.map((t) => t.id),
      );
    }
    return r;
  }

  /** The tools the server lists now (Letta's `MCPTool`s; nothing stored). */
  async liveTools(ctx: RequestContext, name: string): Promise<McpToolInfo[]> {
    return this.pool.listTools(await this.getByName(ctx, name));
  }

  /** Stores (or updates) one of the server's tools as a tool row: Letta's `add_mcp_tool`. */
  async addTool(ctx: RequestContext, serverName: string, toolName: string): Promise<ToolRecord> {
    const server = await this.getByName(ctx, serverName);
    const live = (await this.pool.listTools(server)).find((t) => t.name === toolName);
    if (!live) throw new LettaError('TOOL_NOT_FOUND', `MCP server '${serverName}' has no tool '${toolName}'`);
    const [existing] = await this.store.tools.findByNames(ctx.org, [toolName]);
    if (existing && existing.tool_type !== 'external_mcp')
      throw new LettaError('TOOL_NAME_TAKEN', `A tool named '${toolName}' already exists`);
    return this.storeTool(ctx, server, live, existing);
  }

  /** Creates the server, or replaces the one of the same name (`PUT /v1/tools/mcp/servers`). */
  async upsertByName(ctx: RequestContext, name: string, input: McpServerInput): Promise<McpServerRecord> {
    const existing = await this.store.mcpServers.getByName(ctx.org, name);
    if (!existing) return this.create(ctx, name, input);
    const replaced: McpServerInput = {
      server_type: input.server_type,
      server_url: input.server_url ?? null,
      auth_header: input.auth_header ?? null,
      auth_token: input.auth_token ?? null,
      custom_headers: input.custom_headers ?? null,
      command: input.command ?? null,
      args: input.args ?? null,
      env: input.env ?? null,
    };
    return this.update(ctx, existing.id, name, replaced);
  }

  private async checked(server: McpServerRecord): Promise<McpServerRecord> {
    if (server.server_type === 'stdio') {
      if (!this.pool.config.stdioAllowed) throw stdioDisabled();
      if (!server.command) throw new LettaError('VALIDATION_ERROR', 'a stdio MCP server needs `command`');
      return { ...server, server_url: null, auth_header: null, auth_token: null, custom_headers: null };
    }
    if (!server.server_url)
      throw new LettaError('VALIDATION_ERROR', `a ${server.server_type} MCP server needs \`server_url\``);
    await this.outbound.check(server.server_url, 'server_url');
    return { ...server, command: null, args: null, env: null };
  }

  private belongs(tool: ToolRecord, server: McpServerRecord): boolean {
    if (tool.tool_type !== 'external_mcp') return false;
    const ref = mcpServerRef(tool);
    return ref.id ? ref.id === server.id : ref.name === server.server_name;
  }

  private async storedTools(ctx: RequestContext, server: McpServerRecord, store = this.store) {
    const mcp = await store.tools.list(ctx.org, { toolTypes: ['external_mcp'], limit: 100_000 });
    return mcp.filter((t) => this.belongs(t, server));
  }

  private async syncQuietly(ctx: RequestContext, server: McpServerRecord): Promise<void> {
    try {
      await this.sync(ctx, server);
    } catch (err) {
      this.log.warn(
        { server: server.server_name, err: err instanceof Error ? err.message : String(err) },
        'MCP server stored, but its tools could not be listed; PATCH /v1/mcp-servers/{id}/refresh later',
      );
    }
  }

  private async sync(ctx: RequestContext, server: McpServerRecord): Promise<McpRefresh> {
    const live = await this.pool.listTools(server);
    await this.tools.ensureBuiltins(this.store, ctx.org);
    const stored = await this.storedTools(ctx, server);
    const out: McpRefresh = { message: '', added: [], updated: [], deleted: [], skipped: [] };
    const byName = new Map(
      (
        await this.store.tools.findByNames(
          ctx.org,
          live.map((t) => t.name),
        )
      ).map((t) => [t.name, t]),
    );
    for (const tool of live) {
      const existing = byName.get(tool.name);
      if (existing && existing.tool_type !== 'external_mcp') {
        out.skipped.push(tool.name);
        continue;
      }
      await this.storeTool(ctx, server, tool, existing);
      (existing ? out.updated : out.added).push(tool.name);
    }
    const names = new Set(live.map((t) => t.name));
    for (const t of stored) {
      if (names.has(t.name)) continue;
      await this.store.tools.delete(ctx.org, t.id);
      out.deleted.push(t.name);
    }
    out.message = `Refreshed MCP server '${server.server_name}': ${out.added.length} added, ${out.updated.length} updated, ${out.deleted.length} deleted`;
    return out;
  }

  private async storeTool(
    ctx: RequestContext,
    server: McpServerRecord,
    live: McpToolInfo,
    existing: ToolRecord | undefined,
  ): Promise<ToolRecord> {
    const now = nowIso();
    const parameters: JsonObject = { type: 'object', properties: {}, ...(live.inputSchema as JsonObject) };
    const tool: ToolRecord = {
      id: existing?.id ?? newId('tool'),
      organization_id: ctx.org,
      name: live.name,
      description: live.description ?? null,
      tool_type: 'external_mcp',
      source_type: 'python',
      source_code: null,
      json_schema: { name: live.name, description: live.description ?? '', parameters },
      tags: [`mcp:${server.server_name}`],
      return_char_limit: existing?.return_char_limit ?? DEFAULT_RETURN_CHAR_LIMIT,
      args_json_schema: null,
      pip_requirements: null,
      npm_requirements: null,
      metadata: mcpMetadata(server),
      created_at: existing?.created_at ?? now,
      updated_at: now,
      default_requires_approval: existing?.default_requires_approval ?? false,
    };
    if (existing) await this.store.tools.replaceDefinition(ctx.org, existing.id, tool);
    else await this.store.tools.insert(tool);
    return tool;
  }
}

function mcpMetadata(server: McpServerRecord): JsonObject {
  return { mcp: { server_name: server.server_name, server_id: server.id } };
}
