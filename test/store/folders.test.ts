/**
 * The storage conformance suite, folders: run unchanged on a real SQLite file and a real
 * PostgreSQL database. Folders (unique names per organization, their hidden archive), files and
 * their content, chunks tagged with their file (deleted with it), agent links and open-file
 * state, jobs (progress only while active, a cancel wins, stale jobs claimed once), and
 * organization scoping.
 */
import { describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.js';
import type { FileRecord } from '../../src/store/file-repository.js';
import type { FolderRecord } from '../../src/store/folder-repository.js';
import type { Store } from '../../src/store/index.js';
import type { JobRecord } from '../../src/store/job-repository.js';
import { DIALECTS } from '../support/databases.js';
import { archiveRecord, ids, passageRecord, storeFixture, tick, uid } from '../support/store-fixture.js';

async function seedFolder(
  store: Store,
  org: string,
  over: Partial<FolderRecord> = {},
): Promise<FolderRecord> {
  const archive = archiveRecord(org);
  await store.archives.insert(archive);
  const at = tick();
  const folder: FolderRecord = {
    id: newId('source'),
    organization_id: org,
    name: `folder-${uid()}`,
    description: null,
    instructions: null,
    metadata: { k: 1 },
    embedding: null,
    embedding_chunk_size: 300,
    archive_id: archive.id,
    created_at: at,
    updated_at: at,
    ...over,
  };
  await store.folders.insert(folder);
  return folder;
}

function fileRecord(org: string, folderId: string, over: Partial<FileRecord> = {}): FileRecord {
  const at = tick();
  return {
    id: newId('file'),
    organization_id: org,
    folder_id: folderId,
    file_name: `f-${uid()}.txt`,
    original_file_name: 'f.txt',
    file_type: 'text/plain',
    file_size: 10,
    processing_status: 'pending',
    error_message: null,
    total_chunks: null,
    chunks_embedded: null,
    created_at: at,
    updated_at: at,
    ...over,
  };
}

function jobRecord(org: string, over: Partial<JobRecord> = {}): JobRecord {
  const at = tick();
  return {
    id: newId('job'),
    organization_id: org,
    status: 'pending',
    job_type: 'file_upload',
    metadata: {},
    folder_id: null,
    file_id: null,
    owner: null,
    created_at: at,
    updated_at: at,
    completed_at: null,
    ...over,
  };
}

describe.each(DIALECTS)('store: folders (%s)', (dialect) => {
  const { store, newOrg, seedAgent } = storeFixture(dialect);

  it('stores folders with unique names per organization, pages them, and hides their archives', async () => {
    const org = await newOrg();
    const other = await newOrg();
    const a = await seedFolder(store, org, { name: 'docs' });
    const b = await seedFolder(store, org);
    expect(await store.folders.get(org, a.id)).toEqual(a);
    expect(await store.folders.get(other, a.id)).toBeUndefined();
    expect(await store.folders.getByName(org, 'docs')).toEqual(a);
    await expect(seedFolder(store, org, { name: 'docs' })).rejects.toThrow();
    await seedFolder(store, other, { name: 'docs' }); // another organization may use the name
    expect(ids(await store.folders.list(org, { limit: 10 }))).toEqual([a.id, b.id]);
    expect(ids(await store.folders.list(org, { limit: 10, order: 'desc', after: b.id }))).toEqual([a.id]);
    expect(await store.folders.count(org)).toBe(2);
    const updated = await store.folders.update(org, a.id, { description: 'd', metadata: { x: true } });
    expect(updated).toMatchObject({ description: 'd', metadata: { x: true } });
    // The folder's archive is the folder's: not listed or read as an archive.
    const listed = ids(await store.archives.list(org, { limit: 10 }));
    expect(listed).not.toContain(a.archive_id);
    expect(listed).not.toContain(b.archive_id);
    expect(await store.archives.get(org, a.archive_id)).toBeUndefined();
    expect(await store.archives.get(org, a.archive_id, true)).toMatchObject({ id: a.archive_id });
  });

  it('keeps files with their content apart from listings, and deletes chunks with their file', async () => {
    const org = await newOrg();
    const folder = await seedFolder(store, org);
    const f1 = fileRecord(org, folder.id, { file_name: 'a.txt' });
    const f2 = fileRecord(org, folder.id, { file_name: 'b.txt' });
    await store.files.insert(f1);
    await store.files.insert(f2);
    await store.files.update(org, f1.id, {
      content: 'hello\nworld',
      processing_status: 'completed',
      total_chunks: 1,
    });
    expect((await store.files.get(org, f1.id))?.content).toBeUndefined();
    expect(await store.files.get(org, f1.id, true)).toMatchObject({
      content: 'hello\nworld',
      total_chunks: 1,
    });
    expect((await store.files.list(org, folder.id, { limit: 10 })).map((f) => f.file_name)).toEqual([
      'a.txt',
      'b.txt',
    ]);
    expect(await store.files.namesIn(org, folder.id)).toEqual(new Set(['a.txt', 'b.txt']));
    expect(await store.files.stats(org, folder.id)).toEqual({ count: 2, size: 20 });

    await store.passages.insert([
      passageRecord(org, folder.archive_id, { file_id: f1.id, text: 'hello world' }),
      passageRecord(org, folder.archive_id, { file_id: f2.id, text: 'other' }),
    ]);
    const listed = await store.passages.list(org, [folder.archive_id], { limit: 10 });
    expect(listed.map((p) => p.file_id).sort()).toEqual([f1.id, f2.id].sort());
    expect(await store.passages.keyword(org, [folder.archive_id], 'hello', {}, 10)).toHaveLength(1);
    expect(await store.passages.deleteForFile(org, f1.id)).toBe(1);
    expect(await store.passages.keyword(org, [folder.archive_id], 'hello', {}, 10)).toHaveLength(0);
    expect(await store.files.delete(org, f1.id)).toBe(true);
    expect(await store.files.get(org, f1.id)).toBeUndefined();
  });

  it("links folders to agents and keeps each agent's open files", async () => {
    const org = await newOrg();
    const { agent } = await seedAgent(org);
    const folder = await seedFolder(store, org);
    const file = fileRecord(org, folder.id);
    await store.files.insert(file);
    await store.folders.attach(org, folder.id, agent.id, tick());
    await store.folders.attach(org, folder.id, agent.id, tick()); // idempotent
    expect(ids(await store.folders.listForAgent(org, agent.id))).toEqual([folder.id]);
    expect(await store.folders.listAgentIds(org, folder.id, { limit: 10 })).toEqual([agent.id]);
    const state = {
      agent_id: agent.id,
      file_id: file.id,
      organization_id: org,
      is_open: true,
      visible_content: '1: hello',
      start_line: 1,
      end_line: 1,
      last_accessed_at: tick(),
    };
    await store.files.putAgentState(state);
    await store.files.putAgentState({ ...state, end_line: 2 }); // replaced
    expect(await store.files.agentStates(org, agent.id)).toEqual([{ ...state, end_line: 2 }]);
    expect(await store.files.closeForAgent(org, agent.id)).toBe(1);
    expect(await store.files.agentStates(org, agent.id)).toMatchObject([
      { is_open: false, visible_content: null },
    ]);
    await store.files.forgetFolderForAgent(org, agent.id, folder.id);
    expect(await store.files.agentStates(org, agent.id)).toEqual([]);
    await store.folders.detach(org, folder.id, agent.id);
    expect(await store.folders.listForAgent(org, agent.id)).toEqual([]);
    // Deleting the folder deletes its files (cascade).
    await store.folders.attach(org, folder.id, agent.id, tick());
    expect(await store.folders.delete(org, folder.id)).toBe(true);
    expect(await store.files.get(org, file.id)).toBeUndefined();
    expect(await store.folders.listForAgent(org, agent.id)).toEqual([]);
  });

  it('moves jobs forward only while active, and lets one process claim a stale job', async () => {
    const org = await newOrg();
    const job = jobRecord(org);
    await store.jobs.insert(job);
    expect(await store.jobs.get(org, job.id)).toEqual(job);
    expect(await store.jobs.get(await newOrg(), job.id)).toBeUndefined();
    expect(
      await store.jobs.updateActive(org, job.id, { status: 'running', owner: 'p1', updated_at: tick() }),
    ).toBe(true);
    expect(ids(await store.jobs.list(org, { limit: 10, active: true }))).toEqual([job.id]);
    // Stale: claimed by exactly one of two contenders.
    const [stale] = (await store.jobs.listStale(undefined)).filter((j) => j.id === job.id);
    expect(stale).toBeDefined();
    if (!stale) return;
    const claims = await Promise.all([
      store.jobs.claim(stale, 'p2', tick()),
      store.jobs.claim(stale, 'p3', tick()),
    ]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    // A cancel wins over later progress.
    expect(await store.jobs.updateActive(org, job.id, { status: 'cancelled', completed_at: tick() })).toBe(
      true,
    );
    expect(await store.jobs.updateActive(org, job.id, { status: 'completed' })).toBe(false);
    expect(await store.jobs.get(org, job.id)).toMatchObject({ status: 'cancelled' });
    expect(await store.jobs.list(org, { limit: 10, active: true })).toEqual([]);
    expect(await store.jobs.delete(org, job.id)).toBe(true);
    expect(await store.jobs.get(org, job.id)).toBeUndefined();
  });
});
