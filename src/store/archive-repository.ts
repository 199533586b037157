/**
 * Archives (collections of archival passages) and their links to agents. An agent searches every
 * archive linked to it and writes to the first one linked (its own, created on first use, or
 * the first shared archive attached to it). Deleting an archive deletes its passages (cascade).
 * A folder's archive (migration 011) is the folder's: archive reads skip it.
 */
import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import { pageRows } from './paginate.js';
import { type JsonObject, nowIso, type PageQuery, parseJson } from './records.js';
import type { ArchiveTable, Database } from './schema.js';

export interface ArchiveRecord {
  id: string;
  organization_id: string;
  name: string;
  description: string | null;
  metadata: JsonObject;
  /** The embedding handle its passages are embedded with (null: keyword search only). */
  embedding: string | null;
  /** Set by the first embedded passage. */
  embedding_dim: number | null;
  created_at: string;
  updated_at: string | null;
}

export interface ArchiveListQuery extends PageQuery {
  /** Exact name. */
  name?: string | undefined;
  /** Only archives linked to this agent. */
  agentId?: string | undefined;
}

export type ArchivePatch = Partial<Pick<ArchiveRecord, 'name' | 'description'>>;

export class ArchiveRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(archive: ArchiveRecord): Promise<void> {
    await this.db
      .insertInto('archives')
      .values({ ...archive, metadata: JSON.stringify(archive.metadata) })
      .execute();
  }

  /** The archive; a folder's own archive (its chunks) only when `ofFolder`. */
  async get(org: string, id: string, ofFolder = false): Promise<ArchiveRecord | undefined> {
    const row = await this.db
      .selectFrom('archives')
      .selectAll()
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .$if(!ofFolder, (q) => q.where((eb) => eb.not(eb.exists(folderOf(eb)))))
      .executeTakeFirst();
    return row && fromRow(row);
  }

  async list(org: string, query: ArchiveListQuery): Promise<ArchiveRecord[]> {
    let q = this.db
      .selectFrom('archives')
      .selectAll('archives')
      .where('archives.organization_id', '=', org)
      .where((eb) => eb.not(eb.exists(folderOf(eb))));
    if (query.name !== undefined) q = q.where('archives.name', '=', query.name);
    if (query.agentId !== undefined) {
      const agentId = query.agentId;
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('archives_agents as aa')
            .select('aa.archive_id')
            .whereRef('aa.archive_id', '=', 'archives.id')
            .where('aa.agent_id', '=', agentId),
        ),
      );
    }
    return (await pageRows(q, 'archives', query, org)).map(fromRow);
  }

  /** Applies the patch; returns the updated archive (undefined: not in `org`). */
  async update(org: string, id: string, patch: ArchivePatch): Promise<ArchiveRecord | undefined> {
    await this.db
      .updateTable('archives')
      .set({ ...patch, updated_at: nowIso() })
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .execute();
    return this.get(org, id);
  }

  async delete(org: string, id: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('archives')
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async updateEmbedding(
    org: string,
    id: string,
    embedding: string | null,
    dim: number | null,
  ): Promise<void> {
    await this.db
      .updateTable('archives')
      .set({ embedding, embedding_dim: dim })
      .where('id', '=', id)
      .where('organization_id', '=', org)
      .execute();
  }

  /** Every archive linked to the agent, the one it writes to first (first linked). */
  async listForAgent(org: string, agentId: string): Promise<ArchiveRecord[]> {
    const rows = await this.db
      .selectFrom('archives as a')
      .innerJoin('archives_agents as aa', 'aa.archive_id', 'a.id')
      .selectAll('a')
      .where('aa.agent_id', '=', agentId)
      .where('a.organization_id', '=', org)
      .orderBy('aa.created_at')
      .orderBy('a.created_at')
      .orderBy('a.id')
      .execute();
    return rows.map(fromRow);
  }

  /** Links the archive to the agent (idempotent; a no-op unless both belong to `org`). */
  async attach(org: string, archiveId: string, agentId: string): Promise<void> {
    const owned = await this.db
      .selectFrom('agents')
      .innerJoin('archives', 'archives.organization_id', 'agents.organization_id')
      .select('agents.id')
      .where('agents.organization_id', '=', org)
      .where('agents.id', '=', agentId)
      .where('archives.id', '=', archiveId)
      .executeTakeFirst();
    if (!owned) return;
    await this.db
      .insertInto('archives_agents')
      .values({ archive_id: archiveId, agent_id: agentId, organization_id: org, created_at: nowIso() })
      .onConflict((oc) => oc.columns(['archive_id', 'agent_id']).doNothing())
      .execute();
  }

  async detach(org: string, archiveId: string, agentId: string): Promise<void> {
    await this.db
      .deleteFrom('archives_agents')
      .where('organization_id', '=', org)
      .where('archive_id', '=', archiveId)
      .where('agent_id', '=', agentId)
      .execute();
  }

  /** Ids of the agents linked to the archive, a page of them in the agents' creation order. */
  async listAgentIds(org: string, archiveId: string, page: PageQuery): Promise<string[]> {
    const q = this.db
      .selectFrom('agents')
      .select('agents.id')
      .where('agents.organization_id', '=', org)
      .where('agents.id', 'in', (eb) =>
        eb.selectFrom('archives_agents').select('agent_id').where('archive_id', '=', archiveId),
      );
    return (await pageRows(q, 'agents', page, org)).map((r) => r.id);
  }
}

/** The folder whose chunks an archive holds (folders' archives are not archives to the API). */
function folderOf(eb: ExpressionBuilder<Database, 'archives'>) {
  return eb.selectFrom('folders').select('folders.id').whereRef('folders.archive_id', '=', 'archives.id');
}

function fromRow(row: Selectable<ArchiveTable>): ArchiveRecord {
  return {
    id: row.id,
    organization_id: row.organization_id,
    name: row.name,
    description: row.description,
    metadata: parseJson<JsonObject>(row.metadata, {}),
    embedding: row.embedding,
    embedding_dim: row.embedding_dim === null ? null : Number(row.embedding_dim),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
