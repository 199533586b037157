#!/usr/bin/env node
/**
 * Writes docs/v1-compatibility.md: every path + method of Letta's V1 OpenAPI contract
 * (../shared/reference/letta-v1-openapi.json, or the path given as the first argument), grouped by
 * tag, marked implemented when our own `/openapi.json` serves it. Runs the built app (`dist/`,
 * `npm run build` first) in-process on a throwaway SQLite database; nothing listens.
 *
 *   npm run build && npm run compat
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const specPath = process.argv[2] ?? join(root, '..', 'shared', 'reference', 'letta-v1-openapi.json');
const outPath = join(root, 'docs', 'v1-compatibility.md');

const { resolveConfig } = await import(join(root, 'dist', 'config.js'));
const { createCore, closeCore } = await import(join(root, 'dist', 'core.js'));
const { buildApp } = await import(join(root, 'dist', 'http', 'app.js'));
const { createLogger } = await import(join(root, 'dist', 'logger.js'));

const home = mkdtempSync(join(tmpdir(), 'letta-compat-'));
const env = { LETTA_HOME: home };
const core = await createCore(resolveConfig({}, env), createLogger('silent'), { env });
const app = await buildApp(core);
const ours = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
await app.close();
await closeCore(core);
rmSync(home, { recursive: true, force: true });

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const norm = (p) => (p.length > 1 ? p.replace(/\/+$/, '') : p).replace(/\{[^}]+\}/g, '{}');
const served = new Set();
for (const [path, ops] of Object.entries(ours.paths ?? {})) {
  for (const m of METHODS) if (ops[m]) served.add(`${m} ${norm(path)}`);
}

/**
 * Routes that only make sense on Letta Cloud (its projects, templates, deployments, billing,
 * feeds, hosted sandboxes, internal routes): not applicable to a self-hosted server.
 */
const CLOUD_ONLY = [
  [
    /^\/v1\/(templates|legacy-templates|_internal|projects|environments|deployment|client-side-access-tokens|pipelines|feeds|device-storage|voice-beta|sandboxes)/,
    'Letta Cloud: projects, templates, deployments, feeds and hosted sandboxes',
  ],
  [/^\/v1\/metadata\//, 'Letta Cloud account: balance, user, status, feedback'],
  [
    /^\/v1\/(telemetry|runs\/\{[^}]+\}\/trace|steps\/\{[^}]+\}\/trace)/,
    "Letta Cloud's trace store (here: OpenTelemetry, OTEL_EXPORTER_OTLP_ENDPOINT)",
  ],
  [/memory-files/, "Letta Cloud's git-backed memory files"],
  [/^\/v1\/embeddings\/total_storage_size/, 'Letta Cloud storage billing'],
];

/** Why a route a self-hosted server could serve is not served yet (first match wins). */
const REASONS = [
  [/identities|groups/, 'identities and groups are deprecated in Letta V1; not served'],
  [/^\/v1\/ready/, 'served as `/ready` and `/v1/health/ready` (readiness for balancers)'],
  [
    /^\/v1\/(sources|folders|jobs)|\/(sources|folders|files)(\/|$)/,
    'folders / file upload and ingestion: not yet',
  ],
  [/oauth|\/connect|mcp\/servers\/test/, 'MCP OAuth and connection tests: not yet'],
  [/^\/v1\/providers/, 'providers are configured by environment variables (OPENAI_*, ANTHROPIC_*)'],
  [/batches/, 'message batches: not yet (the tutorial API has `/agents/{agent}/batch`)'],
  [/schedule/, 'scheduled messages: not yet'],
  [/preview-raw-payload/, 'the raw model request is not kept or previewed yet'],
  [/^\/v1\/agents\/search|\/generate$/, 'not yet'],
  [/feedback/, 'step feedback: not yet'],
];
const classify = (path, op) => {
  const cloud = CLOUD_ONLY.find(([re]) => re.test(path));
  if (cloud) return { status: 'Letta Cloud only', note: cloud[1] };
  if (op.deprecated) return { status: 'deprecated, not served', note: 'deprecated in Letta V1' };
  return { status: 'not yet', note: REASONS.find(([re]) => re.test(path))?.[1] ?? 'not yet' };
};

const NOTES = {
  'post /v1/tools': 'Python tools run in Pyodide, TypeScript/JavaScript in QuickJS (WebAssembly sandboxes)',
  'put /v1/tools': 'upsert by name; built-in tools cannot be overwritten',
  'post /v1/agents/{}/messages/stream': 'deprecated in Letta; served as the streaming send',
  'post /v1/agents/{}/messages':
    'JSON or SSE (`streaming`); `stream_tokens`, `include_pings`, `include_return_message_types`; text content only',
  'patch /v1/agents/{}/reset-messages': '`add_default_initial_messages` is ignored',
  'get /v1/agents/{}/context':
    'the parts add up to `context_window_size_current`; a memory edit not yet compiled shows as the next call will see it',
  'post /v1/messages/search':
    'one agent (`agent_id` required), user and assistant messages, keyword only (`search_mode` accepted), newest first; `conversation_id` is refused',
  'get /v1/agents/{}': '1.x SDK callers get blocks/tools only with `include`',
  'get /v1/agents':
    '`name`, `tags` (any, or all with `match_all_tags`), `query_text`; `project_id`, `template_id`, `identity_id`… are ignored',
  'post /v1/agents': 'names need not be unique (the tutorial API still refuses a duplicate)',
  'get /v1/agents/count': '`name`, `tags`, `match_all_tags`, `query_text`',
  'get /v1/blocks/count': '`label`, `tags`, `match_all_tags`; `templates_only` counts 0',
  'get /v1/tools/count': 'same filters as the list',
  'get /v1/tools':
    '`name`, `names`, `tool_ids`, `search`, `tool_types`, `exclude_tool_types`, `return_only_letta_tools`',
  'get /v1/runs/active': 'created or running runs, newest first (at most 1,000)',
  'post /v1/runs/{}/stream': 'resume from the live channel or from stored events (no Redis needed)',
  'post /v1/chat/completions':
    '`model` is an agent id or `agent:<name>`; only the last user message is sent; OpenAI-shaped errors',
};

const spec = JSON.parse(readFileSync(specPath, 'utf8'));
const groups = new Map();
const counts = new Map();
let total = 0;
let done = 0;
for (const [path, ops] of Object.entries(spec.paths)) {
  for (const m of METHODS) {
    const op = ops[m];
    if (!op) continue;
    const tag = op.tags?.[0] ?? 'other';
    const key = `${m} ${norm(path)}`;
    const ok = served.has(key);
    total++;
    if (ok) done++;
    const { status, note } = ok
      ? { status: op.deprecated ? 'served (deprecated in Letta)' : 'served', note: NOTES[key] ?? '' }
      : classify(path, op);
    counts.set(status, (counts.get(status) ?? 0) + 1);
    if (!groups.has(tag)) groups.set(tag, []);
    groups
      .get(tag)
      .push({ method: m.toUpperCase(), path, ok, status, note: ok ? note : (NOTES[key] ?? note) });
  }
}
const ORDER = [
  'served',
  'served (deprecated in Letta)',
  'Letta Cloud only',
  'deprecated, not served',
  'not yet',
];
const summary = ORDER.map((s) => `${s}: **${counts.get(s) ?? 0}**`).join(' · ');
const selfHosted = total - (counts.get('Letta Cloud only') ?? 0);

const lines = [
  '# Letta V1 API compatibility',
  '',
  `Generated by \`npm run compat\` (scripts/compat-table.mjs) from Letta's V1 OpenAPI contract and this server's \`/openapi.json\`. **${done} of ${total}** operations are served; of the ${selfHosted} that apply to a self-hosted server (all but Letta Cloud's own), ${done}.`,
  '',
  `${summary}.`,
  '',
  'Tested with the official clients 1.12.1: `@letta-ai/letta-client` (test/v1-client.test.ts, test/v1-sse.test.ts) and the Python `letta-client` (test/v1-python-sdk.test.ts, strict response validation for streams).',
  '',
  'General behaviour: collection routes answer with and without the trailing slash; lists are bare arrays with `after`/`before` cursors (an unknown or last cursor gives `[]`, which ends SDK auto-pagination; with only `before`, the page is the items right before it, so paging backwards skips nothing); an empty body with `Content-Type: application/json` is no body on routes that take none (the Python SDK’s DELETEs); malformed ids are 422; errors are `{detail, code}`; a busy conversation is 409 `CONVERSATION_BUSY`; unknown request fields are ignored. Streaming options without `streaming: true` are ignored rather than refused, and clients other than the 1.x SDK may stream too (Letta answers them 422).',
  '',
];
const sorted = [...groups.entries()].sort(
  (a, b) => b[1].filter((r) => r.ok).length - a[1].filter((r) => r.ok).length || a[0].localeCompare(b[0]),
);
for (const [tag, rows] of sorted) {
  const n = rows.filter((r) => r.ok).length;
  lines.push(
    `## ${tag} (${n}/${rows.length})`,
    '',
    '| Method | Path | Status | Notes |',
    '|---|---|---|---|',
  );
  for (const r of rows) lines.push(`| ${r.method} | \`${r.path}\` | ${r.status} | ${r.note} |`);
  lines.push('');
}
writeFileSync(outPath, lines.join('\n'));
console.log(
  `wrote ${outPath}: ${done}/${total} operations served (${ORDER.map((s) => `${s} ${counts.get(s) ?? 0}`).join(', ')})`,
);
