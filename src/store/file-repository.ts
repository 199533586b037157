/**
 * Files of folders (their metadata, processing state and parsed text) and each agent's view of
 * them (`files_agents`: open or closed, the visible window). A file's content is read only when
 * asked for (`withContent`): listings stay small however large the files are.
 */
import type { Kysely, Selectable } from 'kysely';
import { pageRows } from './paginate.js';
import type { PageQuery } from './records.js';
import type { Database, FileAgentTable, FileTable } from './schema.js';

export type FileProcessingStatus = 'pending' | 'parsing' | 'embedding' | 'completed' | 'error';

export interface FileRecord {
  id: string;
  organization_id: string;
  folder_id: string;
  file_name: string;
  original_file_name: string;
  file_type: string;
  file_size: number;
  processing_status: FileProcessingStatus;
  error_message: string | null;
  total_chunks: number | null;
  chunks_embedded: number | null;
  /** Only when read `withContent`. */
  content?: string | null | undefined;
  created_at: string;
  updated_at: string;
}

export type FilePatch = Partial<
  Pick<
    FileRecord,
    'processing_status' | 'error_message' | 'total_chunks' | 'chunks_embedded' | 'content' | 'updated_at'
  >
>;

/** An agent's state of one file. */
export interface FileAgentRecord {
  agent_id: string;
  file_id: string;
  organization_id: string;
  is_open: boolean;
  visible_content: string | null;
  start_line: number | null;
  end_line: number | null;
  last_accessed_at: string;
}

const META = [
  'id',
  'organization_id',
  'folder_id',
  'file_name',
  'original_file_name',
  'file_type',
  'file_size',
  'processing_status',
  'error_message',
  'total_chunks',
  'chunks_embedded',
  'created_at',
  'updated_at',
] as const;

export class FileRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(file: FileRecord): Promise<void> {
    await this.db
      .insertInto('files')
      .values({ ...file, content: file.content ?? null })
      .execute();
  }

  async get(org: string, id: string, withContent = false): Promise<FileRecord | undefined> {
    const row = await this.db
      .selectFrom('files')
      .select(META)
      .$if(withContent, (q) => q.select('content'))
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  /** A page of a folder's files. */
  async list(org: string, folderId: string, page: PageQuery, withContent = false): Promise<FileRecord[]> {
    const q = this.db
      .selectFrom('files')
      .select(META)
      .$if(withContent, (q) => q.select('content'))
      .where('organization_id', '=', org)
      .where('folder_id', '=', folderId);
    return (await pageRows(q, 'files', page, org)).map(fromRow);
  }

  /** Every file of these folders (metadata only), oldest first. */
  async listForFolders(org: string, folderIds: string[]): Promise<FileRecord[]> {
    if (folderIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('files')
      .select(META)
      .where('organization_id', '=', org)
      .where('folder_id', 'in', folderIds)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(fromRow);
  }

  /** The names taken in a folder. */
  async namesIn(org: string, folderId: string): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom('files')
      .select('file_name')
      .where('organization_id', '=', org)
      .where('folder_id', '=', folderId)
      .execute();
    return new Set(rows.map((r) => r.file_name));
  }

  async update(org: string, id: string, patch: FilePatch): Promise<void> {
    await this.db
      .updateTable('files')
      .set(patch)
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .execute();
  }

  async delete(org: string, id: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('files')
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Count and total size of a folder's files. */
  async stats(org: string, folderId: string): Promise<{ count: number; size: number }> {
    const row = await this.db
      .selectFrom('files')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('file_size').as('size')])
      .where('organization_id', '=', org)
      .where('folder_id', '=', folderId)
      .executeTakeFirst();
    return { count: Number(row?.n ?? 0), size: Number(row?.size ?? 0) };
  }

  // An agent's view of files

  async agentStates(org: string, agentId: string): Promise<FileAgentRecord[]> {
    const rows = await this.db
      .selectFrom('files_agents')
      .selectAll()
      .where('organization_id', '=', org)
      .where('agent_id', '=', agentId)
      .execute();
    return rows.map(stateFromRow);
  }

  /** Writes the agent's state of a file (insert or replace). */
  async putAgentState(state: FileAgentRecord): Promise<void> {
    const values = { ...state, is_open: state.is_open ? 1 : 0 };
    await this.db
      .insertInto('files_agents')
      .values(values)
      .onConflict((oc) =>
        oc.columns(['agent_id', 'file_id']).doUpdateSet({
          is_open: values.is_open,
          visible_content: values.visible_content,
          start_line: values.start_line,
          end_line: values.end_line,
          last_accessed_at: values.last_accessed_at,
        }),
      )
      .execute();
  }

  /** Closes the agent's open files among `fileIds` (all when undefined); returns how many. */
  async closeForAgent(org: string, agentId: string, fileIds?: string[]): Promise<number> {
    if (fileIds?.length === 0) return 0;
    const r = await this.db
      .updateTable('files_agents')
      .set({ is_open: 0, visible_content: null, start_line: null, end_line: null })
      .where('organization_id', '=', org)
      .where('agent_id', '=', agentId)
      .where('is_open', '=', 1)
      .$if(fileIds !== undefined, (q) => q.where('file_id', 'in', fileIds ?? []))
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** Forgets the agent's state of a folder's files (on detach). */
  async forgetFolderForAgent(org: string, agentId: string, folderId: string): Promise<void> {
    await this.db
      .deleteFrom('files_agents')
      .where('organization_id', '=', org)
      .where('agent_id', '=', agentId)
      .where('file_id', 'in', (eb) => eb.selectFrom('files').select('id').where('folder_id', '=', folderId))
      .execute();
  }
}

function fromRow(
  row: Partial<Selectable<FileTable>> & Pick<Selectable<FileTable>, (typeof META)[number]>,
): FileRecord {
  const rec: FileRecord = {
    id: row.id,
    organization_id: row.organization_id,
    folder_id: row.folder_id,
    file_name: row.file_name,
    original_file_name: row.original_file_name,
    file_type: row.file_type,
    file_size: Number(row.file_size),
    processing_status: row.processing_status as FileProcessingStatus,
    error_message: row.error_message,
    total_chunks: row.total_chunks === null ? null : Number(row.total_chunks),
    chunks_embedded: row.chunks_embedded === null ? null : Number(row.chunks_embedded),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
  if ('content' in row) rec.content = row.content ?? null;
  return rec;
}

function stateFromRow(row: Selectable<FileAgentTable>): FileAgentRecord {
  return {
    ...row,
    is_open: Number(row.is_open) === 1,
    start_line: row.start_line === null ? null : Number(row.start_line),
    end_line: row.end_line === null ? null : Number(row.end_line),
  };
}
