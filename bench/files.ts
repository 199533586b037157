/**
 * Folders benchmark (`npm run bench:files`; a minute or two, not part of the suite): in one
 * process on a fresh SQLite database, against the scripted model's embeddings (hashed words, 32
 * dimensions, over loopback HTTP):
 * - ingest: a text file of BENCH_CHUNKS chunks (default 10,000) and a PDF of BENCH_PDF_PAGES pages
 *   (default 200), uploaded as a client would (streamed), timed from upload to job completed:
 *   chunks/s, MB/s and pages/s, with the longest event-loop stall seen meanwhile;
 * - search: `semantic_search_files` over those 10,000 chunks (hybrid: vectors + keywords), p50/p90
 *   over BENCH_QUERIES queries (default 200).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { resolveConfig } from '../src/config.js';
import { closeCore, createCore } from '../src/core.js';
import { createLogger } from '../src/logger.js';
import { folderFileSearch } from '../src/services/folders/index.js';
import { startFakeLlm } from '../test/support/fake-llm.js';
import { tinyPdf } from '../test/support/tiny-pdf.js';
import { pct } from './harness.js';

const CHUNKS = Number(process.env.BENCH_CHUNKS ?? 10_000);
const PAGES = Number(process.env.BENCH_PDF_PAGES ?? 200);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 200);
const EMBEDDING = 'openai/text-embedding-3-small';
const WORDS =
  'archive bridge comet delta ember falcon garnet harbour island jasper kestrel lantern meadow'.split(' ');

const home = mkdtempSync(join(tmpdir(), 'letta-bench-files-'));
const llm = await startFakeLlm({ record: false, embeddingDimension: 32 });
const env = { LETTA_HOME: home, OPENAI_API_KEY: 'bench', OPENAI_BASE_URL: llm.url, LETTA_LOG_LEVEL: 'warn' };
const core = await createCore(resolveConfig({}, env), createLogger('warn'), { env });
const ctx = { org: (await core.store.organizations.ensureDefault()).id };

const word = (i: number) => WORDS[i % WORDS.length] ?? 'x';
// One chunk is about 1,200 characters (300 tokens): 20 lines of 60.
const line = (i: number) => `${i} ${word(i)} ${word(i * 7)} ${word(i * 13)} `.padEnd(59, '.');
const text = Array.from({ length: CHUNKS * 20 }, (_, i) => line(i)).join('\n');

async function ingest(
  name: string,
  bytes: Buffer | string,
): Promise<{ ms: number; stallMs: number; chunks: number }> {
  const folder = await core.folders.create(ctx, { name, embedding: EMBEDDING });
  const stall = monitorEventLoopDelay({ resolution: 10 });
  stall.enable();
  const t0 = performance.now();
  const { file } = await core.uploads.upload(ctx, folder.id, {
    fileName: name,
    mimeType: undefined,
    stream: Readable.from([typeof bytes === 'string' ? Buffer.from(bytes) : bytes]),
  });
  await core.ingest.drain();
  const ms = performance.now() - t0;
  stall.disable();
  const done = await core.store.files.get(ctx.org, file.id);
  if (done?.processing_status !== 'completed') throw new Error(`${name}: ${done?.error_message}`);
  return { ms, stallMs: stall.max / 1e6, chunks: done.total_chunks ?? 0 };
}

const t = await ingest('corpus.txt', text);
console.log(
  `ingest text: ${t.chunks} chunks, ${(text.length / 1e6).toFixed(1)} MB in ${(t.ms / 1000).toFixed(1)} s: ` +
    `${Math.round(t.chunks / (t.ms / 1000))} chunks/s, ${(text.length / 1e6 / (t.ms / 1000)).toFixed(2)} MB/s; ` +
    `longest event-loop stall ${t.stallMs.toFixed(0)} ms`,
);
const pdf = tinyPdf(
  Array.from({ length: PAGES }, (_, p) => Array.from({ length: 40 }, (_, l) => line(p * 40 + l))),
);
const p = await ingest('report.pdf', pdf);
console.log(
  `ingest PDF: ${PAGES} pages (${(pdf.length / 1e6).toFixed(1)} MB) in ${(p.ms / 1000).toFixed(1)} s: ` +
    `${Math.round(PAGES / (p.ms / 1000))} pages/s; longest event-loop stall ${p.stallMs.toFixed(0)} ms`,
);

const { agent } = await core.agents.create(ctx, {
  name: 'bench-reader',
  model: 'openai/gpt-4o-mini',
  embedding: EMBEDDING,
} as never);
const [folder] = await core.folders.list(ctx, { limit: 1, order: 'asc' });
if (!folder) throw new Error('no folder');
await core.folders.attach(ctx, agent.id, folder.id);
const conversation = (await core.store.conversations.list(ctx.org, { agentId: agent.id, limit: 1 }))[0];
const search = folderFileSearch(core.store, core.archival);
const envFor = { ctx, store: core.store, agent, conversation } as never;
const times: number[] = [];
for (let i = 0; i < QUERIES; i++) {
  const t0 = performance.now();
  await search.search(envFor, `${word(i)} ${word(i * 3)} ${i * 17}`, 5);
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
console.log(
  `semantic_search_files over ${t.chunks} chunks: p50 ${pct(times, 50).toFixed(1)} ms, p90 ${pct(times, 90).toFixed(1)} ms (${QUERIES} queries)`,
);

await closeCore(core);
await llm.close();
rmSync(home, { recursive: true, force: true });
