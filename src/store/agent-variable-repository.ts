/**
 * An agent's tool variables (Letta's `secrets`): listed with the agent, replaced as a whole (as a
 * V1 create or update sets them), read by the sandbox for each tool call of that agent.
 */
import type { Kysely } from 'kysely';
import type { AgentVariableRecord } from './records.js';
import type { Database } from './schema.js';

export type { AgentVariableRecord };

export class AgentVariableRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async listForAgent(org: string, agentId: string): Promise<AgentVariableRecord[]> {
    return this.db
      .selectFrom('agent_tool_variables')
      .selectAll()
      .where('organization_id', '=', org)
      .where('agent_id', '=', agentId)
      .orderBy('key')
      .execute();
  }

  /** The variables as an environment (`{key: value}`). */
  async environment(org: string, agentId: string): Promise<Record<string, string>> {
    const env: Record<string, string> = {};
    for (const v of await this.listForAgent(org, agentId)) env[v.key] = v.value;
    return env;
  }

  /**
   * Makes `rows` the agent's variables: keys not in it are removed, existing keys keep their id
   * and creation time. Call inside a transaction.
   */
  async replace(org: string, agentId: string, rows: AgentVariableRecord[]): Promise<void> {
    const current = await this.listForAgent(org, agentId);
    const keep = new Set(rows.map((r) => r.key));
    const gone = current.filter((c) => !keep.has(c.key)).map((c) => c.id);
    if (gone.length > 0)
      await this.db
        .deleteFrom('agent_tool_variables')
        .where('organization_id', '=', org)
        .where('id', 'in', gone)
        .execute();
    const byKey = new Map(current.map((c) => [c.key, c]));
    for (const row of rows) {
      const old = byKey.get(row.key);
      if (old)
        await this.db
          .updateTable('agent_tool_variables')
          .set({ value: row.value, description: row.description, updated_at: row.updated_at })
          .where('organization_id', '=', org)
          .where('id', '=', old.id)
          .execute();
      else await this.db.insertInto('agent_tool_variables').values(row).execute();
    }
  }
}
