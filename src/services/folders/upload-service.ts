/**
 * Accepting an upload (`POST /v1/folders/{id}/upload`): the file part is streamed to a spool file
 * on disk (never held in memory), then the file row and its job row are written in one
 * transaction, and only then is the upload answered; the job runs in the background
 * ({@link FileIngest}) while the client polls `/v1/jobs/{id}` or the file.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LettaError } from '../../errors.js';
import { newId } from '../../ids.js';
import type { FileRecord } from '../../store/file-repository.js';
import type { JobRecord, JobStatus } from '../../store/job-repository.js';
import { nowIso, type PageQuery } from '../../store/records.js';
import type { Store } from '../../store/store.js';
import type { RequestContext } from '../context.js';
import type { FileIngest } from './file-ingest.js';
import { fileKind } from './file-kind.js';
import type { FolderService } from './folder-service.js';

export type DuplicateFileHandling = 'skip' | 'error' | 'suffix' | 'replace';

export interface UploadInput {
  fileName: string;
  mimeType: string | undefined;
  stream: Readable & { truncated?: boolean };
  /** A name to store the file under instead of its own. */
  name?: string | undefined;
  duplicateHandling?: DuplicateFileHandling | undefined;
}

export interface UploadResult {
  file: FileRecord;
  /** Null when an existing file was kept (`duplicate_handling=skip`). */
  job: JobRecord | null;
}

export class UploadService {
  constructor(
    private readonly store: Store,
    private readonly folders: FolderService,
    private readonly ingest: FileIngest,
  ) {}

  async upload(ctx: RequestContext, folderId: string, input: UploadInput): Promise<UploadResult> {
    let spooled: string | undefined;
    try {
      const folder = await this.folders.get(ctx, folderId);
      const original = baseName(input.fileName);
      const { mime } = fileKind(original, input.mimeType);
      const wanted = input.name?.trim() ? baseName(input.name) : original;
      const taken = await this.store.files.namesIn(ctx.org, folder.id);
      const mode = input.duplicateHandling ?? 'suffix';
      let fileName = wanted;
      if (taken.has(wanted)) {
        if (mode === 'error')
          throw new LettaError(
            'FILE_NAME_TAKEN',
            `Folder '${folder.name}' already has a file named '${wanted}'`,
          );
        if (mode === 'skip') {
          input.stream.resume();
          const [existing] = (await this.store.files.listForFolders(ctx.org, [folder.id])).filter(
            (f) => f.file_name === wanted,
          );
          if (existing) return { file: existing, job: null };
        }
        if (mode === 'suffix') fileName = suffixed(wanted, taken);
      }
      const fileId = newId('file');
      spooled = this.ingest.spoolPath(fileId);
      await mkdir(this.ingest.spoolDir, { recursive: true });
      const sink = createWriteStream(spooled);
      await pipeline(input.stream, sink);
      const size = sink.bytesWritten;
      if (input.stream.truncated)
        throw new LettaError('PAYLOAD_TOO_LARGE', 'the file is larger than LETTA_FILE_UPLOAD_LIMIT allows');
      const now = nowIso();
      const file: FileRecord = {
        id: fileId,
        organization_id: ctx.org,
        folder_id: folder.id,
        file_name: fileName,
        original_file_name: original,
        file_type: mime,
        file_size: size,
        processing_status: 'pending',
        error_message: null,
        total_chunks: null,
        chunks_embedded: null,
        created_at: now,
        updated_at: now,
      };
      const job: JobRecord = {
        id: newId('job'),
        organization_id: ctx.org,
        status: 'pending',
        job_type: 'file_upload',
        metadata: {
          type: 'embedding',
          file_id: fileId,
          file_name: fileName,
          source_id: folder.id,
          folder_id: folder.id,
        },
        folder_id: folder.id,
        file_id: fileId,
        owner: this.ingest.instanceId,
        created_at: now,
        updated_at: now,
        completed_at: null,
      };
      await this.store.transaction(async (tx) => {
        if (mode === 'replace' && taken.has(wanted)) {
          for (const old of (await tx.files.listForFolders(ctx.org, [folder.id])).filter(
            (f) => f.file_name === wanted,
          )) {
            await tx.passages.deleteForFile(ctx.org, old.id);
            await tx.files.delete(ctx.org, old.id);
          }
        }
        await tx.files.insert(file);
        await tx.jobs.insert(job);
      });
      spooled = undefined; // the job owns it now
      this.ingest.start(job);
      return { file, job };
    } catch (err) {
      input.stream.resume();
      if (spooled) await rm(spooled, { force: true }).catch(() => {});
      throw err;
    }
  }
}

/** Jobs as resources (`/v1/jobs`): read, list, cancel, delete. */
export class JobService {
  constructor(private readonly store: Store) {}

  async get(ctx: RequestContext, id: string): Promise<JobRecord> {
    const job = await this.store.jobs.get(ctx.org, id);
    if (!job) throw new LettaError('JOB_NOT_FOUND', `Job '${id}' not found`);
    return job;
  }

  list(
    ctx: RequestContext,
    query: PageQuery & { active?: boolean; folderId?: string | undefined },
  ): Promise<JobRecord[]> {
    return this.store.jobs.list(ctx.org, query);
  }

  /** Cancels an active job (its worker stops at its next batch); an ended job is 409. */
  async cancel(ctx: RequestContext, id: string): Promise<JobRecord> {
    const job = await this.get(ctx, id);
    const now = nowIso();
    const status: JobStatus = 'cancelled';
    if (!(await this.store.jobs.updateActive(ctx.org, id, { status, completed_at: now, updated_at: now })))
      throw new LettaError('NOTHING_TO_CANCEL', `Job '${id}' already ended (${job.status})`);
    return this.get(ctx, id);
  }

  /** Deletes the job row (an active job is cancelled by it: its worker finds it gone). */
  async delete(ctx: RequestContext, id: string): Promise<JobRecord> {
    const job = await this.get(ctx, id);
    await this.store.jobs.delete(ctx.org, id);
    return job;
  }
}

function baseName(name: string): string {
  const base = name.split(/[\\/]/).pop()?.trim() ?? '';
  if (base === '' || base === '.' || base === '..')
    throw new LettaError('VALIDATION_ERROR', 'the file needs a name');
  if (base.length > 255)
    throw new LettaError('VALIDATION_ERROR', 'the file name is longer than 255 characters');
  return base;
}

/** `notes.txt` → `notes (1).txt`, the first such name not taken. */
function suffixed(name: string, taken: Set<string>): string {
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  for (let i = 1; ; i++) {
    const candidate = `${stem} (${i})${ext}`;
    if (!taken.has(candidate)) return candidate;
  }
}
