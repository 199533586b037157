/**
 * Folders (Letta's sources) and their links to agents. A folder's chunks live in its own archive
 * (`archive_id`); deleting the folder deletes its files, links and (through the archive) chunks.
 */
import type { Kysely, Selectable } from 'kysely';
import { pageRows } from './paginate.js';
import { type JsonObject, type PageQuery, parseJson } from './records.js';
import type { Database, FolderTable } from './schema.js';

export interface FolderRecord {
  id: string;
  organization_id: string;
  name: string;
  description: string | null;
  instructions: string | null;
  metadata: JsonObject;
  /** The embedding handle its chunks are embedded with (null: keyword search only). */
  embedding: string | null;
  embedding_chunk_size: number;
  archive_id: string;
  created_at: string;
  updated_at: string;
}

export interface FolderListQuery extends PageQuery {
  name?: string | undefined;
}

export type FolderPatch = Partial<
  Pick<FolderRecord, 'name' | 'description' | 'instructions' | 'metadata' | 'updated_at'>
>;

export class FolderRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(folder: FolderRecord): Promise<void> {
    await this.db
      .insertInto('folders')
      .values({ ...folder, metadata: JSON.stringify(folder.metadata) })
      .execute();
  }

  async get(org: string, id: string): Promise<FolderRecord | undefined> {
    const row = await this.db
      .selectFrom('folders')
      .selectAll()
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  async getByName(org: string, name: string): Promise<FolderRecord | undefined> {
    const row = await this.db
      .selectFrom('folders')
      .selectAll()
      .where('organization_id', '=', org)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  async list(org: string, query: FolderListQuery): Promise<FolderRecord[]> {
    let q = this.db.selectFrom('folders').selectAll().where('organization_id', '=', org);
    if (query.name !== undefined) q = q.where('name', '=', query.name);
    return (await pageRows(q, 'folders', query, org)).map(fromRow);
  }

  async count(org: string): Promise<number> {
    const row = await this.db
      .selectFrom('folders')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('organization_id', '=', org)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async update(org: string, id: string, patch: FolderPatch): Promise<FolderRecord | undefined> {
    const { metadata, ...rest } = patch;
    await this.db
      .updateTable('folders')
      .set({ ...rest, ...(metadata === undefined ? {} : { metadata: JSON.stringify(metadata) }) })
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .execute();
    return this.get(org, id);
  }

  /** Deletes the folder row (its files and agent links cascade); the caller deletes its archive. */
  async delete(org: string, id: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('folders')
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Links the folder to the agent (idempotent); both must belong to `org` (checked by the caller). */
  async attach(org: string, folderId: string, agentId: string, at: string): Promise<void> {
    await this.db
      .insertInto('agents_folders')
      .values({ agent_id: agentId, folder_id: folderId, organization_id: org, created_at: at })
      .onConflict((oc) => oc.columns(['agent_id', 'folder_id']).doNothing())
      .execute();
  }

  async detach(org: string, folderId: string, agentId: string): Promise<void> {
    await this.db
      .deleteFrom('agents_folders')
      .where('organization_id', '=', org)
      .where('folder_id', '=', folderId)
      .where('agent_id', '=', agentId)
      .execute();
  }

  /** The folders attached to the agent, in the order they were attached. */
  async listForAgent(org: string, agentId: string): Promise<FolderRecord[]> {
    const rows = await this.db
      .selectFrom('folders as f')
      .innerJoin('agents_folders as af', 'af.folder_id', 'f.id')
      .selectAll('f')
      .where('af.agent_id', '=', agentId)
      .where('f.organization_id', '=', org)
      .orderBy('af.created_at')
      .orderBy('f.id')
      .execute();
    return rows.map(fromRow);
  }

  /** Ids of the agents the folder is attached to, a page in the agents' creation order. */
  async listAgentIds(org: string, folderId: string, page: PageQuery): Promise<string[]> {
    const q = this.db
      .selectFrom('agents')
      .select('agents.id')
      .where('agents.organization_id', '=', org)
      .where('agents.id', 'in', (eb) =>
        eb.selectFrom('agents_folders').select('agent_id').where('folder_id', '=', folderId),
      );
    return (await pageRows(q, 'agents', page, org)).map((r) => r.id);
  }
}

function fromRow(row: Selectable<FolderTable>): FolderRecord {
  return {
    ...row,
    metadata: parseJson<JsonObject>(row.metadata, {}),
    embedding_chunk_size: Number(row.embedding_chunk_size),
  };
}
