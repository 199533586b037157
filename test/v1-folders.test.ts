/**
 * Letta V1 folders and files over real HTTP with the official client, on both databases:
 * folder CRUD (and the deprecated /v1/sources serving the same rows), uploads of every supported
 * kind as background jobs polled through /v1/jobs, chunks searchable by the agent, attach/detach
 * giving and taking the file tools, open/close and the <directories> section of the system
 * message, a scripted turn calling grep_files, open_files and semantic_search_files, and bad
 * input answered with 4xx JSON.
 */

import { mkdir, writeFile } from 'node:fs/promises';
import Letta, { toFile } from '@letta-ai/letta-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../src/ids.js';
import { DIALECTS } from './support/databases.js';
import { type FakeLlm, startFakeLlm } from './support/fake-llm.js';
import { startTestServer, type TestServer } from './support/server.js';
import { tinyPdf } from './support/tiny-pdf.js';

type Json = Record<string, unknown>;
const EMBEDDING = 'openai/text-embedding-3-small';

describe.each(DIALECTS)('V1 folders (%s)', (dialect) => {
  let llm: FakeLlm;
  let server: TestServer;
  let client: Letta;

  beforeAll(async () => {
    llm = await startFakeLlm({ defaultReply: { content: 'OK' }, embeddingDimension: 32 });
    server = await startTestServer(dialect, {
      env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: llm.url, LETTA_LLM_MAX_RETRIES: '0' },
    });
    client = new Letta({ baseURL: server.baseUrl, apiKey: 'test', maxRetries: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await llm?.close();
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : null) as Json & Json[] };
  };
  /** Polls the job as a client would, until it ends. */
  const waitForJob = async (jobId: string): Promise<Json> => {
    const seen = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const r = await call('GET', `/v1/jobs/${jobId}`);
      expect(r.status).toBe(200);
      seen.add(String(r.json.status));
      if (['completed', 'failed', 'cancelled'].includes(String(r.json.status)))
        return { ...r.json, seen: [...seen] };
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`job ${jobId} did not end`);
  };
  const upload = async (folderId: string, name: string, content: string | Buffer, query = '') => {
    const form = new FormData();
    form.append('file', new Blob([content]), name);
    const res = await fetch(`${server.baseUrl}/v1/folders/${folderId}/upload${query}`, {
      method: 'POST',
      body: form,
    });
    return { status: res.status, json: (await res.json()) as Json };
  };

  it('creates, lists, modifies, counts and deletes folders; /v1/sources serves the same rows', async () => {
    const folder = await client.folders.create({
      name: `docs-${dialect}`,
      description: 'manuals',
      embedding: EMBEDDING,
    });
    expect(folder).toMatchObject({
      name: `docs-${dialect}`,
      description: 'manuals',
      embedding_config: { handle: EMBEDDING },
    });
    expect(folder.id).toMatch(/^source-[0-9a-f-]{36}$/);
    expect(await client.folders.retrieve(folder.id)).toMatchObject({ id: folder.id });
    const updated = await client.folders.update(folder.id, {
      description: 'the manuals',
      instructions: 'read first',
    });
    expect(updated).toMatchObject({ description: 'the manuals', instructions: 'read first' });
    const viaSources = await call('GET', `/v1/sources/${folder.id}`);
    expect(viaSources.json).toMatchObject({ id: folder.id, description: 'the manuals' });
    expect((await call('GET', `/v1/folders/name/docs-${dialect}`)).json).toBe(folder.id);
    expect((await call('GET', '/v1/folders/name/nope')).status).toBe(404);
    expect((await call('GET', '/v1/folders/count')).json).toBeGreaterThanOrEqual(1);
    expect((await call('GET', '/v1/sources/count')).json).toBe((await call('GET', '/v1/folders/count')).json);
    const listed: string[] = [];
    for await (const f of client.folders.list({ limit: 1 })) listed.push(f.id);
    expect(listed).toContain(folder.id);
    // Names are unique in an organization.
    const dup = await call('POST', '/v1/folders/', { name: `docs-${dialect}` });
    expect(dup.status).toBe(409);
    expect(dup.json.code).toBe('FOLDER_NAME_TAKEN');
    // A folder's archive is not an archive to the archives API.
    const archives = await call('GET', '/v1/archives/');
    expect(archives.json.length).toBe(0);
    await client.folders.delete(folder.id);
    expect((await call('GET', `/v1/folders/${folder.id}`)).status).toBe(404);
    expect((await call('GET', '/v1/folders/not-an-id')).status).toBe(422);
  });

  it('uploads text, Markdown, HTML, JSON, CSV and PDF as jobs that end completed, with searchable chunks', async () => {
    const folder = await client.folders.create({ name: `kinds-${dialect}`, embedding: EMBEDDING });
    const files: Array<[string, string | Buffer, string]> = [
      ['notes.txt', 'The blue falcon nests on the north tower.\nSecond line.', 'blue falcon'],
      ['guide.md', '# Guide\n\nThe **launch code** is kept in the red binder.', 'red binder'],
      [
        'page.html',
        '<html><head><style>p{color:red}</style><script>var x = 1;</script></head><body><h1>Title</h1><p>Tea &amp; biscuits at noon</p></body></html>',
        'Tea & biscuits',
      ],
      ['data.json', '{"city":"Lisbon","river":"Tagus"}', '"river": "Tagus"'],
      ['table.csv', 'name,role\nAda,engineer\nGrace,admiral', 'Grace,admiral'],
      [
        'scan.pdf',
        tinyPdf([['The violet comet returns in May.'], ['Page two mentions the harbour.']]),
        'violet comet',
      ],
    ];
    for (const [name, content, expected] of files) {
      const up = await upload(folder.id, name, content);
      expect(up.status, JSON.stringify(up.json)).toBe(200);
      expect(up.json).toMatchObject({ file_name: name, source_id: folder.id, processing_status: 'pending' });
      const job = await waitForJob(String(up.json.job_id));
      expect(job.status, JSON.stringify(job)).toBe('completed');
      expect(job.metadata).toMatchObject({ file_id: up.json.id, source_id: folder.id });
      const file = await client.folders.files.retrieve(String(up.json.id), {
        folder_id: folder.id,
        include_content: true,
      } as never);
      expect(file).toMatchObject({ processing_status: 'completed' });
      expect((file as unknown as Json).content).toContain(expected);
      expect(Number((file as unknown as Json).total_chunks)).toBeGreaterThan(0);
      expect((file as unknown as Json).chunks_embedded).toBe((file as unknown as Json).total_chunks);
    }
    const html = (await client.folders.files.list(folder.id, { include_content: true } as never)).items.find(
      (f) => f.file_name === 'page.html',
    ) as unknown as Json;
    expect(html.content).not.toContain('color:red');
    expect(html.content).not.toContain('var x');
    const passages = await call('GET', `/v1/folders/${folder.id}/passages?limit=100`);
    expect(passages.status).toBe(200);
    expect(passages.json.length).toBeGreaterThanOrEqual(6);
    expect(passages.json[0]).toMatchObject({
      source_id: folder.id,
      file_id: expect.stringMatching(/^file-/),
    });

    // The same name again gets a suffix; with duplicate_handling=error it is refused.
    const again = await upload(folder.id, 'notes.txt', 'other text');
    expect(again.json.file_name).toBe('notes (1).txt');
    await waitForJob(String(again.json.job_id));
    const refused = await upload(folder.id, 'notes.txt', 'x', '?duplicate_handling=error');
    expect(refused.status).toBe(409);
    expect(refused.json.code).toBe('FILE_NAME_TAKEN');
    // Unsupported kinds are 415; a PDF that is not one ends failed with the reason.
    const exe = await upload(folder.id, 'tool.exe', 'MZ');
    expect(exe.status).toBe(415);
    expect(exe.json.code).toBe('FILE_TYPE_UNSUPPORTED');
    const bad = await upload(folder.id, 'broken.pdf', 'not a pdf at all');
    const badJob = await waitForJob(String(bad.json.job_id));
    expect(badJob.status).toBe('failed');
    const badFile = await call('GET', `/v1/folders/${folder.id}/files/${bad.json.id}`);
    expect(badFile.json).toMatchObject({
      processing_status: 'error',
      error_message: expect.stringContaining('PDF'),
    });

    // Jobs: listed, an ended job cannot be cancelled, and can be deleted.
    const jobs = await call('GET', `/v1/jobs/?source_id=${folder.id}&limit=100`);
    expect(jobs.json.length).toBe(8);
    expect((await call('GET', '/v1/jobs/active')).json).toEqual([]);
    const cancel = await call('PATCH', `/v1/jobs/${bad.json.job_id}/cancel`);
    expect(cancel.status).toBe(409);
    expect((await call('DELETE', `/v1/jobs/${bad.json.job_id}`)).status).toBe(200);
    expect((await call('GET', `/v1/jobs/${bad.json.job_id}`)).status).toBe(404);

    // Deleting a file deletes its chunks.
    const before = (await call('GET', `/v1/folders/${folder.id}/passages?limit=1000`)).json.length;
    await client.folders.files.delete(String(again.json.id), { folder_id: folder.id });
    const after = (await call('GET', `/v1/folders/${folder.id}/passages?limit=1000`)).json.length;
    expect(after).toBe(before - 1);
    const meta = await call('GET', '/v1/folders/metadata?include_detailed_per_source_metadata=true');
    expect(meta.json).toMatchObject({ total_files: expect.any(Number), total_size: expect.any(Number) });
  });

  it('attaches a folder: file tools, open/close, <directories> in the system message, and a turn using the tools', async () => {
    const folder = await client.folders.create({ name: `handbook-${dialect}`, embedding: EMBEDDING });
    const lines = Array.from(
      { length: 40 },
      (_, i) => `Line ${i + 1}: ${i === 29 ? 'the vault password is swordfish' : 'filler text'}`,
    );
    const up = await upload(folder.id, 'policy.md', lines.join('\n'));
    await waitForJob(String(up.json.job_id));
    const agent = await client.agents.create({
      name: `reader-${dialect}`,
      model: 'openai/gpt-4o-mini',
      embedding: EMBEDDING,
    });
    await client.agents.folders.attach(folder.id, { agent_id: agent.id });
    const tools = (await call('GET', `/v1/agents/${agent.id}/tools`)).json.map((t: Json) => t.name);
    expect(tools).toEqual(expect.arrayContaining(['open_files', 'grep_files', 'semantic_search_files']));
    const state = await call('GET', `/v1/agents/${agent.id}?include=agent.sources`);
    expect(state.json.sources).toMatchObject([{ id: folder.id, name: `handbook-${dialect}` }]);
    const agentFolders = await call('GET', `/v1/agents/${agent.id}/folders`);
    expect(agentFolders.json.map((f: Json) => f.id)).toEqual([folder.id]);
    expect((await call('GET', `/v1/folders/${folder.id}/agents`)).json).toEqual([agent.id]);

    const fileList = await client.agents.files.list(agent.id);
    expect(fileList.getPaginatedItems()).toHaveLength(1);
    const listed = await call('GET', `/v1/agents/${agent.id}/files`);
    expect(listed.json).toMatchObject({
      has_more: false,
      files: [{ file_name: `handbook-${dialect}/policy.md`, is_open: false }],
    });

    // The scripted model greps, opens the lines it found, searches by meaning, then answers.
    llm.script([
      { toolCalls: [{ name: 'grep_files', arguments: { pattern: 'vault password', context_lines: 1 } }] },
      {
        toolCalls: [
          {
            name: 'open_files',
            arguments: {
              file_requests: [{ file_name: `handbook-${dialect}/policy.md`, offset: 28, length: 5 }],
            },
          },
        ],
      },
      {
        toolCalls: [
          { name: 'semantic_search_files', arguments: { query: 'vault password swordfish', limit: 3 } },
        ],
      },
      { content: 'The password is swordfish.' },
    ]);
    const start = llm.chatRequests.length;
    const r = (await client.agents.messages.create(agent.id, {
      messages: [{ role: 'user', content: 'What is the vault password?' }],
    })) as unknown as { messages: Json[] };
    const returns = r.messages.filter((m) => m.message_type === 'tool_return_message');
    expect(returns.map((m) => m.status)).toEqual(['success', 'success', 'success']);
    expect(String(returns[0]?.tool_return)).toContain('> 30: Line 30: the vault password is swordfish');
    expect(String(returns[0]?.tool_return)).toContain('29: Line 29');
    expect(String(returns[1]?.tool_return)).toContain('Opened');
    expect(String(returns[2]?.tool_return)).toContain('swordfish');
    // After open_files, the model's system message shows the open lines.
    const sent = llm.chatRequests[start + 2]?.body.messages as
      | Array<{ role: string; content: string }>
      | undefined;
    const system = sent?.[0];
    expect(system?.content).toContain('<directories>');
    expect(system?.content).toContain(`<file status="open" name="handbook-${dialect}/policy.md">`);
    expect(system?.content).toContain('30: Line 30: the vault password is swordfish');
    const open = await call('GET', `/v1/agents/${agent.id}/files?is_open=true`);
    expect(open.json.files).toMatchObject([{ is_open: true, start_line: 28, end_line: 32 }]);

    // Close all, open through the API, close one.
    expect((await call('PATCH', `/v1/agents/${agent.id}/files/close-all`)).json).toEqual([
      `handbook-${dialect}/policy.md`,
    ]);
    expect((await call('PATCH', `/v1/agents/${agent.id}/files/${up.json.id}/open`)).json).toEqual([]);
    expect((await call('GET', `/v1/agents/${agent.id}/files?is_open=true`)).json.files).toHaveLength(1);
    expect((await call('PATCH', `/v1/agents/${agent.id}/files/${up.json.id}/close`)).status).toBe(200);
    expect((await call('GET', `/v1/agents/${agent.id}/files?is_open=true`)).json.files).toHaveLength(0);

    // Detaching the last folder takes the tools away.
    await client.agents.folders.detach(folder.id, { agent_id: agent.id });
    const after = (await call('GET', `/v1/agents/${agent.id}/tools`)).json.map((t: Json) => t.name);
    expect(after).not.toContain('grep_files');
    expect((await call('GET', `/v1/agents/${agent.id}/files`)).json.files).toEqual([]);
    // An agent created with folder_ids has the folder and the tools from the start.
    const born = await client.agents.create({
      name: `born-${dialect}`,
      model: 'openai/gpt-4o-mini',
      folder_ids: [folder.id],
    } as never);
    expect((await call('GET', `/v1/agents/${born.id}/folders`)).json).toHaveLength(1);
    expect(born.tools.map((t) => t.name)).toContain('open_files');
    const unknown = await call('POST', '/v1/agents/', {
      name: 'x',
      model: 'openai/gpt-4o-mini',
      folder_ids: ['source-00000000-0000-4000-8000-000000000000'],
    });
    expect(unknown.status).toBe(404);
    // The sources forms do the same.
    expect((await call('PATCH', `/v1/agents/${agent.id}/sources/attach/${folder.id}`)).status).toBe(200);
    expect((await call('GET', `/v1/agents/${agent.id}/sources`)).json).toHaveLength(1);
    expect(
      (
        await call(
          'PATCH',
          `/v1/agents/${agent.id}/folders/attach/source-00000000-0000-4000-8000-000000000000`,
        )
      ).status,
    ).toBe(404);
  });

  it('answers malformed uploads with 4xx JSON', async () => {
    const folder = await client.folders.create({ name: `bad-${dialect}` });
    const json = await call('POST', `/v1/folders/${folder.id}/upload`, { file: 'x' });
    expect([415, 422]).toContain(json.status);
    const form = new FormData();
    form.append('other', new Blob(['x']), 'a.txt');
    const wrongPart = await fetch(`${server.baseUrl}/v1/folders/${folder.id}/upload`, {
      method: 'POST',
      body: form,
    });
    expect(wrongPart.status).toBe(422);
    const missing = await upload('source-00000000-0000-4000-8000-000000000000', 'a.txt', 'x');
    expect(missing.status).toBe(404);
    expect(missing.json.code).toBe('FOLDER_NOT_FOUND');
    // Over LETTA_FILE_UPLOAD_LIMIT: 413, nothing stored.
    const limit = server.core.config.fileUploadLimit;
    server.core.config.fileUploadLimit = 1000;
    try {
      const tooBig = await upload(folder.id, 'big.txt', 'x'.repeat(5000));
      expect(tooBig.status).toBe(413);
      expect(tooBig.json.code).toBe('PAYLOAD_TOO_LARGE');
    } finally {
      server.core.config.fileUploadLimit = limit;
    }
    expect(await client.folders.files.list(folder.id)).toMatchObject({ items: [] });
    // Through the official client's upload too.
    const viaClient = await client.folders.files.upload(folder.id, {
      file: await toFile(Buffer.from('hello world'), 'hello.txt'),
    });
    expect(viaClient).toMatchObject({ file_name: 'hello.txt', processing_status: 'pending' });
    await server.core.ingest.drain();
    expect(
      await client.folders.files.retrieve(viaClient.id, { folder_id: folder.id } as never),
    ).toMatchObject({
      processing_status: 'completed',
    });
  });

  it('takes over upload jobs a stopped process left: resumed when the spooled file is there, else failed', async () => {
    const folder = await client.folders.create({ name: `crash-${dialect}`, embedding: EMBEDDING });
    const { store, ingest } = server.core;
    const org = (folder as unknown as Json).organization_id as string;
    const old = new Date(Date.now() - 3_600_000).toISOString();
    const seed = async (withSpool: boolean) => {
      const fileId = newId('file');
      await store.files.insert({
        id: fileId,
        organization_id: org,
        folder_id: folder.id,
        file_name: `${fileId}.txt`,
        original_file_name: 'left.txt',
        file_type: 'text/plain',
        file_size: 20,
        processing_status: 'embedding',
        error_message: null,
        total_chunks: null,
        chunks_embedded: null,
        created_at: old,
        updated_at: old,
      });
      const job = {
        id: newId('job'),
        organization_id: org,
        status: 'running' as const,
        job_type: 'file_upload',
        metadata: { file_id: fileId },
        folder_id: folder.id,
        file_id: fileId,
        owner: 'letta-dead-process',
        created_at: old,
        updated_at: old,
        completed_at: null,
      };
      await store.jobs.insert(job);
      if (withSpool) {
        await mkdir(ingest.spoolDir, { recursive: true });
        await writeFile(ingest.spoolPath(fileId), 'left behind by a crash');
      }
      return job;
    };
    const resumed = await seed(true);
    const lost = await seed(false);
    const report = await ingest.recover(new Date(Date.now() - 60_000).toISOString());
    expect(report).toEqual({ resumed: 1, failed: 1 });
    await ingest.drain();
    expect((await call('GET', `/v1/jobs/${resumed.id}`)).json).toMatchObject({ status: 'completed' });
    expect((await call('GET', `/v1/jobs/${lost.id}`)).json).toMatchObject({
      status: 'failed',
      metadata: { error: expect.stringContaining('stopped') },
    });
    const file = await call('GET', `/v1/folders/${folder.id}/files/${resumed.file_id}?include_content=true`);
    expect(file.json).toMatchObject({ processing_status: 'completed', content: 'left behind by a crash' });
    // A second process finds nothing left to take.
    expect(await ingest.recover(undefined)).toEqual({ resumed: 0, failed: 0 });
  });

  it('cancels an active job: the worker stops and the file is marked', async () => {
    const folder = await client.folders.create({ name: `cancel-${dialect}`, embedding: EMBEDDING });
    const big = Array.from({ length: 20_000 }, (_, i) => `row ${i} with some words to embed`).join('\n');
    const up = await upload(folder.id, 'big.txt', big);
    const cancelled = await call('PATCH', `/v1/jobs/${up.json.job_id}/cancel`);
    if (cancelled.status === 409) return; // finished before the cancel arrived (fast machine)
    expect(cancelled.json).toMatchObject({ status: 'cancelled' });
    await server.core.ingest.drain();
    expect((await call('GET', `/v1/jobs/${up.json.job_id}`)).json).toMatchObject({ status: 'cancelled' });
    const file = await call('GET', `/v1/folders/${folder.id}/files/${up.json.id}`);
    expect(file.json).toMatchObject({ processing_status: 'error' });
    expect((await call('GET', `/v1/folders/${folder.id}/passages`)).json).toEqual([]);
  });
});
