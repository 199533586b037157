/**
 * Background jobs (file uploads): written before the upload is acknowledged, claimed by the
 * process that works on them (`owner`, renewed through `updated_at`), so a job left by a crashed
 * process is found at start and resumed or failed.
 */
import type { Kysely, Selectable } from 'kysely';
import { pageRows } from './paginate.js';
import { type JsonObject, type PageQuery, parseJson } from './records.js';
import type { Database, JobTable } from './schema.js';

export type JobStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';
export const ACTIVE_JOB_STATUSES: readonly JobStatus[] = ['pending', 'running'];

export interface JobRecord {
  id: string;
  organization_id: string;
  status: JobStatus;
  job_type: string;
  metadata: JsonObject;
  folder_id: string | null;
  file_id: string | null;
  owner: string | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
}

export interface JobListQuery extends PageQuery {
  active?: boolean | undefined;
  folderId?: string | undefined;
}

export type JobPatch = Partial<
  Pick<JobRecord, 'status' | 'metadata' | 'owner' | 'updated_at' | 'completed_at'>
>;

export class JobRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(job: JobRecord): Promise<void> {
    await this.db
      .insertInto('jobs')
      .values({ ...job, metadata: JSON.stringify(job.metadata) })
      .execute();
  }

  async get(org: string, id: string): Promise<JobRecord | undefined> {
    const row = await this.db
      .selectFrom('jobs')
      .selectAll()
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  async list(org: string, query: JobListQuery): Promise<JobRecord[]> {
    let q = this.db.selectFrom('jobs').selectAll().where('organization_id', '=', org);
    if (query.active) q = q.where('status', 'in', [...ACTIVE_JOB_STATUSES]);
    if (query.folderId !== undefined) q = q.where('folder_id', '=', query.folderId);
    return (await pageRows(q, 'jobs', query, org)).map(fromRow);
  }

  /**
   * Applies the patch unless the job already ended (completed, failed, cancelled), and, with
   * `owner`, only while that process still owns it; returns whether it did. A cancel therefore
   * wins over a worker's later progress write, and a worker whose job was taken over stops.
   */
  async updateActive(org: string, id: string, patch: JobPatch, owner?: string): Promise<boolean> {
    const { metadata, ...rest } = patch;
    const r = await this.db
      .updateTable('jobs')
      .set({ ...rest, ...(metadata === undefined ? {} : { metadata: JSON.stringify(metadata) }) })
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .where('status', 'in', [...ACTIVE_JOB_STATUSES])
      .$if(owner !== undefined, (q) => q.where('owner', '=', owner ?? ''))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async delete(org: string, id: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('jobs')
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Active jobs (any organization) not renewed since `staleBefore` (all active when undefined). */
  async listStale(staleBefore: string | undefined): Promise<JobRecord[]> {
    const rows = await this.db
      .selectFrom('jobs')
      .selectAll()
      .where('status', 'in', [...ACTIVE_JOB_STATUSES])
      .$if(staleBefore !== undefined, (q) => q.where('updated_at', '<', staleBefore ?? ''))
      .orderBy('created_at')
      .execute();
    return rows.map(fromRow);
  }

  /** Takes over a stale job: compare-and-set on its owner and last renewal. */
  async claim(job: JobRecord, owner: string, at: string): Promise<boolean> {
    let q = this.db
      .updateTable('jobs')
      .set({ owner, updated_at: at })
      .where('id', '=', job.id)
      .where('updated_at', '=', job.updated_at)
      .where('status', 'in', [...ACTIVE_JOB_STATUSES]);
    q = job.owner === null ? q.where('owner', 'is', null) : q.where('owner', '=', job.owner);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}

function fromRow(row: Selectable<JobTable>): JobRecord {
  return {
    ...row,
    status: row.status as JobStatus,
    metadata: parseJson<JsonObject>(row.metadata, {}),
  };
}
