/** Tools: the built-in set (seeded per organization) plus lookups, attach and detach. */
import { LettaError } from '../errors.js';
import { newId } from '../ids.js';
import { BUILTIN_TOOLS } from '../runtime/tools/builtin-tools.js';
import { nowIso, type ToolRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { ToolFilter, ToolListQuery } from '../store/tool-repository.js';
import type { RequestContext } from './context.js';

export type { ToolFilter };

export const DEFAULT_RETURN_CHAR_LIMIT = 50_000;

export class ToolService {
  private readonly seeded = new Set<string>();

  constructor(private readonly store: Store) {}

  /** Makes sure the organization has rows for every built-in tool (once per process and org). */
  async ensureBuiltins(store: Store, org: string): Promise<void> {
    if (this.seeded.has(org)) return;
    const now = nowIso();
    await store.tools.insertMissing(
      BUILTIN_TOOLS.map((t) => ({
        id: newId('tool'),
        organization_id: org,
        name: t.name,
        description: t.description,
        tool_type: t.toolType,
        source_type: 'python',
        source_code: null,
        json_schema: {
          name: t.name,
          description: t.description,
          parameters: t.parameters as ToolRecord['json_schema'],
        },
        tags: ['letta-base'],
        return_char_limit: DEFAULT_RETURN_CHAR_LIMIT,
        args_json_schema: null,
        pip_requirements: null,
        npm_requirements: null,
        metadata: {},
        created_at: now,
        updated_at: now,
      })),
    );
    if (!store.db.isTransaction) this.seeded.add(org);
  }

  /** Tool rows for names and ids, failing on unknown ones. */
  async resolveForAgent(
    store: Store,
    ctx: RequestContext,
    names: string[],
    ids: string[],
  ): Promise<ToolRecord[]> {
    await this.ensureBuiltins(store, ctx.org);
    const unique = [...new Set(names)];
    const byName = await store.tools.findByNames(ctx.org, unique);
    const missing = unique.filter((n) => !byName.some((t) => t.name === n));
    if (missing.length > 0) throw new LettaError('TOOL_NOT_FOUND', `Unknown tool(s): ${missing.join(', ')}`);
    const out = [...byName];
    for (const id of ids) {
      const t = await store.tools.get(ctx.org, id);
      if (!t) throw new LettaError('TOOL_NOT_FOUND', `Tool '${id}' not found`);
      if (!out.some((o) => o.id === t.id)) out.push(t);
    }
    return out;
  }

  async list(ctx: RequestContext, query: ToolListQuery): Promise<ToolRecord[]> {
    await this.ensureBuiltins(this.store, ctx.org);
    return this.store.tools.list(ctx.org, query);
  }

  async count(ctx: RequestContext, filter: ToolFilter): Promise<number> {
    await this.ensureBuiltins(this.store, ctx.org);
    return this.store.tools.count(ctx.org, filter);
  }

  async get(ctx: RequestContext, id: string): Promise<ToolRecord> {
    const tool = await this.store.tools.get(ctx.org, id);
    if (!tool) throw new LettaError('TOOL_NOT_FOUND', `Tool '${id}' not found`);
    return tool;
  }

  listForAgent(ctx: RequestContext, agentId: string): Promise<ToolRecord[]> {
    return this.store.tools.listForAgent(ctx.org, agentId);
  }

  /** Whether the agent's calls of its tool `name` wait for a human's approval. */
  async setApproval(ctx: RequestContext, agentId: string, name: string, requires: boolean): Promise<void> {
    if (!(await this.store.tools.setApproval(ctx.org, agentId, name, requires)))
      throw new LettaError('TOOL_NOT_FOUND', `tool '${name}' is not attached to agent ${agentId}`);
  }

  async attach(ctx: RequestContext, agentId: string, toolId: string): Promise<void> {
    await this.get(ctx, toolId);
    await this.store.tools.attach(ctx.org, agentId, [toolId]);
  }

  /** Makes `names` the agent's whole tool set (tutorial `PATCH /agents/{agent}`); unknown names: 404, nothing changed. */
  async replaceForAgent(ctx: RequestContext, agentId: string, names: string[]): Promise<void> {
    const wanted = await this.resolveForAgent(this.store, ctx, names, []);
    await this.store.transaction(async (tx) => {
      for (const t of await tx.tools.listForAgent(ctx.org, agentId)) {
        if (!wanted.some((w) => w.id === t.id)) await tx.tools.detach(ctx.org, agentId, t.id);
      }
      await tx.tools.attach(
        ctx.org,
        agentId,
        wanted.map((t) => t.id),
      );
    });
  }

  async detach(ctx: RequestContext, agentId: string, toolId: string): Promise<void> {
    await this.get(ctx, toolId);
    await this.store.tools.detach(ctx.org, agentId, toolId);
  }
}
