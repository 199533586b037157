import type { Kysely, Selectable } from 'kysely';
import type { StoreDialect } from './dialect/store-dialect.js';
import { pageRows } from './paginate.js';
import { type BlockRecord, type PageQuery, parseJson } from './records.js';
import type { BlockTable, Database } from './schema.js';
import { Statement } from './statement.js';

const FOR_AGENT = new Statement<BlockTable>(
  `SELECT blocks.* FROM agents_blocks INNER JOIN blocks ON blocks.id = agents_blocks.block_id
   WHERE agents_blocks.organization_id = ? AND agents_blocks.agent_id = ? ORDER BY agents_blocks.position`,
);

export type BlockPatch = Partial<
  Pick<BlockRecord, 'label' | 'value' | 'limit' | 'description' | 'read_only' | 'metadata' | 'tags'>
>;

export interface BlockListQuery extends PageQuery {
  label?: string | undefined;
}

/**
 * Memory blocks and their attachment to agents. Writes bump `version`; {@link compareAndSet} is
 * the only way the runtime changes a value, so concurrent edits from two conversations of one
 * agent never overwrite each other (the loser re-reads and re-applies its edit).
 */
export class BlockRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: StoreDialect,
  ) {}

  async insert(block: BlockRecord): Promise<void> {
    await this.db.insertInto('blocks').values(toRow(block)).execute();
  }

  async get(org: string, id: string): Promise<BlockRecord | undefined> {
    const row = await this.db
      .selectFrom('blocks')
      .selectAll()
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  async list(org: string, query: BlockListQuery): Promise<BlockRecord[]> {
    let q = this.db.selectFrom('blocks').selectAll().where('organization_id', '=', org);
    if (query.label !== undefined) q = q.where('label', '=', query.label);
    return (await pageRows(q, 'blocks', query, org)).map(fromRow);
  }

  /** Blocks with this label and any of `tags` (all of them with `matchAllTags`). */
  async count(
    org: string,
    filter: { label?: string | undefined; tags?: string[] | undefined; matchAllTags?: boolean | undefined },
  ): Promise<number> {
    let q = this.db.selectFrom('blocks').where('organization_id', '=', org);
    if (filter.label !== undefined) q = q.where('label', '=', filter.label);
    const wanted = filter.tags ?? [];
    if (wanted.length === 0) {
      const r = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return Number(r.n);
    }
    // Tags are JSON text: read only that column and match here.
    const rows = await q.select('tags').execute();
    const all = filter.matchAllTags === true;
    return rows.filter((r) => {
      const tags = parseJson<string[]>(r.tags, []);
      return all ? wanted.every((t) => tags.includes(t)) : wanted.some((t) => tags.includes(t));
    }).length;
  }

  /** The agent's blocks in attachment order. */
  async listForAgent(org: string, agentId: string): Promise<BlockRecord[]> {
    return (await FOR_AGENT.rows(this.db, this.dialect, [org, agentId])).map(fromRow);
  }

  async listAgentIds(org: string, blockId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('agents_blocks')
      .select('agent_id')
      .where('organization_id', '=', org)
      .where('block_id', '=', blockId)
      .execute();
    return rows.map((r) => r.agent_id);
  }

  /**
   * The largest total length of block values (characters) among the agents this block is attached
   * to: what an edit of the block adds to (0 when it is attached to none).
   */
  async largestAgentTotal(org: string, blockId: string): Promise<number> {
    const row = await this.db
      .selectFrom('agents_blocks as ab')
      .innerJoin('blocks as b', 'b.id', 'ab.block_id')
      .select(({ fn }) => fn.sum<number | string | null>(fn('length', ['b.value'])).as('total'))
      .where('ab.organization_id', '=', org)
      .where('ab.agent_id', 'in', (eb) =>
        eb
          .selectFrom('agents_blocks')
          .select('agent_id')
          .where('organization_id', '=', org)
          .where('block_id', '=', blockId),
      )
      .groupBy('ab.agent_id')
      .orderBy('total', 'desc')
      .limit(1)
      .executeTakeFirst();
    return Number(row?.total ?? 0);
  }

  /** Links the block to the agent (a no-op unless both belong to `org`). */
  async attach(org: string, agentId: string, blockId: string): Promise<void> {
    const owned = await this.db
      .selectFrom('agents')
      .innerJoin('blocks', 'blocks.organization_id', 'agents.organization_id')
      .select('agents.id')
      .where('agents.organization_id', '=', org)
      .where('agents.id', '=', agentId)
      .where('blocks.id', '=', blockId)
      .executeTakeFirst();
    if (!owned) return;
    const max = await this.db
      .selectFrom('agents_blocks')
      .select((eb) => eb.fn.max<number>('position').as('p'))
      .where('agent_id', '=', agentId)
      .executeTakeFirst();
    await this.db
      .insertInto('agents_blocks')
      .values({
        agent_id: agentId,
        block_id: blockId,
        organization_id: org,
        position: Number(max?.p ?? -1) + 1,
      })
      .onConflict((oc) => oc.columns(['agent_id', 'block_id']).doNothing())
      .execute();
  }

  async detach(org: string, agentId: string, blockId: string): Promise<void> {
    await this.db
      .deleteFrom('agents_blocks')
      .where('organization_id', '=', org)
      .where('agent_id', '=', agentId)
      .where('block_id', '=', blockId)
      .execute();
  }

  /** Applies a patch unconditionally (API edits); bumps the version. */
  async update(org: string, id: string, patch: BlockPatch, updatedAt: string): Promise<void> {
    const row: Record<string, unknown> = { updated_at: updatedAt };
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) continue;
      if (k === 'metadata' || k === 'tags') row[k] = JSON.stringify(v);
      else if (k === 'read_only') row[k] = v ? 1 : 0;
      else row[k] = v;
    }
    await this.db
      .updateTable('blocks')
      .set((eb) => ({ ...row, version: eb('version', '+', 1) }))
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .execute();
  }

  /** Sets the value only if the block is still at `version`; false when someone wrote first. */
  async compareAndSet(
    org: string,
    id: string,
    version: number,
    value: string,
    updatedAt: string,
  ): Promise<boolean> {
    const res = await this.db
      .updateTable('blocks')
      .set({ value, version: version + 1, updated_at: updatedAt })
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .where('version', '=', version)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async delete(org: string, id: string): Promise<boolean> {
    const res = await this.db
      .deleteFrom('blocks')
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}

function toRow(b: BlockRecord): BlockTable {
  return {
    ...b,
    read_only: b.read_only ? 1 : 0,
    metadata: JSON.stringify(b.metadata),
    tags: JSON.stringify(b.tags),
  };
}

function fromRow(r: Selectable<BlockTable>): BlockRecord {
  return {
    ...r,
    read_only: r.read_only === 1,
    metadata: parseJson(r.metadata, {}),
    tags: parseJson(r.tags, []),
  };
}
