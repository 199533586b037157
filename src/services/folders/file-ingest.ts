/**
 * The background half of an upload: parse the spooled file, chunk it, embed and store the
 * chunks as passages of the folder's archive (tagged with the file id), then end the job.
 *
 * Invariants:
 * - The job row exists before the upload is answered; this worker only moves it forward
 *   (`pending` → `running` → `completed`/`failed`), and a cancel (`cancelled`) wins: every progress
 *   write is conditional on the job still being active, and the worker stops at its next batch.
 * - The worker renews the job (`updated_at`) at every batch; {@link FileIngest.recover} takes over
 *   jobs not renewed for a lease (a crashed process): resumed from the start (the file's chunks
 *   are deleted first) when the spool file is still on disk, else failed.
 * - Chunks are counted first (a pass that keeps nothing), then embedded in batches of 100, each in
 *   its own transaction, yielding to the event loop between them.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LettaError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { JobRecord } from '../../store/job-repository.js';
import { nowIso } from '../../store/records.js';
import type { Store } from '../../store/store.js';
import type { ArchivalService, InsertPassageInput } from '../archival-service.js';
import type { RequestContext } from '../context.js';
import { chunkText } from './chunk-text.js';
import { kindOfMime } from './file-kind.js';
import { parseFile } from './parse-file.js';

const BATCH = 100;
/** Characters per chunk for each token of the folder's `embedding_chunk_size` (about 4). */
const CHARS_PER_TOKEN = 4;

export class FileIngest {
  /** Jobs this process is working on. */
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly store: Store,
    private readonly archival: ArchivalService,
    private readonly log: Logger,
    readonly spoolDir: string,
    /** This process: the owner of the jobs it works on. */
    readonly instanceId: string,
    /** A job not renewed for this long is taken over by another process (renewed every third of it). */
    private readonly leaseMs = 30_000,
  ) {}

  spoolPath(fileId: string): string {
    return join(this.spoolDir, fileId);
  }

  /** Starts working on the job in the background (once per job in this process). */
  start(job: JobRecord): void {
    if (this.running.has(job.id)) return;
    const work = this.run(job)
      .catch((err: unknown) => this.log.error({ err, job: job.id }, 'file upload job failed unexpectedly'))
      .finally(() => this.running.delete(job.id));
    this.running.set(job.id, work);
  }

  /** Waits for the jobs in flight (tests, shutdown). */
  async drain(): Promise<void> {
    await Promise.all(this.running.values());
  }

  /**
   * Takes over active jobs not renewed since `staleBefore` (every active job when undefined: a
   * single-process SQLite server at start): resumed when the spool file is here, else failed.
   */
  async recover(staleBefore: string | undefined): Promise<{ resumed: number; failed: number }> {
    let resumed = 0;
    let failed = 0;
    for (const job of await this.store.jobs.listStale(staleBefore)) {
      if (job.job_type !== 'file_upload' || !job.file_id) continue;
      if (!(await this.store.jobs.claim(job, this.instanceId, nowIso()))) continue;
      if (existsSync(this.spoolPath(job.file_id))) {
        resumed++;
        this.start({ ...job, owner: this.instanceId });
      } else {
        failed++;
        await this.fail(
          { org: job.organization_id },
          job,
          job.file_id,
          'the server stopped while processing this upload',
        );
      }
    }
    return { resumed, failed };
  }

  private async run(job: JobRecord): Promise<void> {
    const ctx: RequestContext = { org: job.organization_id };
    const fileId = job.file_id ?? '';
    const path = this.spoolPath(fileId);
    // Renewed between batches too: a slow embedding call must not look like a dead process.
    const renew = setInterval(
      () => {
        this.progress(ctx, job, {}).catch(() => {});
      },
      Math.max(1000, this.leaseMs / 3),
    );
    renew.unref();
    try {
      const file = await this.store.files.get(ctx.org, fileId);
      const folder = job.folder_id ? await this.store.folders.get(ctx.org, job.folder_id) : undefined;
      const archive = folder ? await this.store.archives.get(ctx.org, folder.archive_id, true) : undefined;
      if (!file || !folder || !archive)
        throw new LettaError('FILE_NOT_FOUND', 'the file or its folder was deleted');
      if (!(await this.progress(ctx, job, { status: 'running' }))) return this.stopped(ctx, fileId);
      await this.store.passages.deleteForFile(ctx.org, fileId); // a resumed job starts over
      await this.store.files.update(ctx.org, fileId, { processing_status: 'parsing', updated_at: nowIso() });
      const parsed = await parseFile(path, kindOfMime(file.file_type));
      const maxChars = Math.max(folder.embedding_chunk_size, 50) * CHARS_PER_TOKEN;
      let total = 0;
      for await (const _ of chunkText(parsed.text, maxChars)) total++;
      await this.store.files.update(ctx.org, fileId, {
        processing_status: 'embedding',
        content: parsed.text,
        total_chunks: total,
        chunks_embedded: 0,
        updated_at: nowIso(),
      });
      let batch: InsertPassageInput[] = [];
      let embedded = 0;
      const flush = async (): Promise<boolean> => {
        if (batch.length === 0) return true;
        if (!(await this.progress(ctx, job, {}))) return false;
        if (!(await this.store.files.get(ctx.org, fileId))) return false; // deleted meanwhile
        await this.archival.insertPassages(ctx, archive, folder.embedding, batch);
        embedded += batch.length;
        batch = [];
        await this.store.files.update(ctx.org, fileId, { chunks_embedded: embedded, updated_at: nowIso() });
        if (archive.embedding_dim === null)
          Object.assign(archive, await this.store.archives.get(ctx.org, archive.id, true));
        return true;
      };
      for await (const chunk of chunkText(parsed.text, maxChars)) {
        batch.push({
          text: chunk.text,
          file_id: fileId,
          metadata: {
            file_name: `${folder.name}/${file.file_name}`,
            start_line: chunk.start_line,
            end_line: chunk.end_line,
          },
        });
        if (batch.length >= BATCH && !(await flush())) return this.stopped(ctx, fileId);
      }
      if (!(await flush())) return this.stopped(ctx, fileId);
      await this.store.files.update(ctx.org, fileId, {
        processing_status: 'completed',
        updated_at: nowIso(),
      });
      const now = nowIso();
      const metadata = {
        ...job.metadata,
        num_passages: embedded,
        ...(parsed.pages ? { num_pages: parsed.pages } : {}),
      };
      const done = { status: 'completed' as const, completed_at: now, updated_at: now, metadata };
      await this.store.jobs.updateActive(ctx.org, job.id, done, this.instanceId);
    } catch (err) {
      const message =
        err instanceof LettaError ? err.message : `processing failed: ${(err as Error).message}`;
      if (!(err instanceof LettaError)) this.log.warn({ err, job: job.id }, 'file upload failed');
      await this.fail(ctx, job, fileId, message);
    } finally {
      clearInterval(renew);
      await rm(path, { force: true }).catch(() => {});
    }
  }

  /** Renews the job (and applies `patch`) while it is active; false once it was cancelled or deleted. */
  private progress(ctx: RequestContext, job: JobRecord, patch: { status?: 'running' }): Promise<boolean> {
    return this.store.jobs.updateActive(ctx.org, job.id, { ...patch, updated_at: nowIso() }, this.instanceId);
  }

  /** A cancelled job's partial chunks are removed and its file marked as not processed. */
  private async stopped(ctx: RequestContext, fileId: string): Promise<void> {
    await this.store.passages.deleteForFile(ctx.org, fileId);
    await this.store.files.update(ctx.org, fileId, {
      processing_status: 'error',
      error_message: 'the upload job was cancelled',
      updated_at: nowIso(),
    });
  }

  private async fail(ctx: RequestContext, job: JobRecord, fileId: string, message: string): Promise<void> {
    const now = nowIso();
    await this.store.files
      .update(ctx.org, fileId, { processing_status: 'error', error_message: message, updated_at: now })
      .catch(() => {});
    await this.store.jobs
      .updateActive(ctx.org, job.id, {
        status: 'failed',
        completed_at: now,
        updated_at: now,
        metadata: { ...job.metadata, error: message },
      })
      .catch(() => {});
  }
}
