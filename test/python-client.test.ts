/**
 * The Python client (clients/python, `from letta import create_client`) as a user gets it:
 * installed offline with pip (`--no-index`, into a scratch directory) and run against the real
 * `letta server` CLI with the fake model. test/python/client_api.py runs the tutorial's snippet
 * as written, then every client method (streaming, errors, auth, 429 retries) with its own checks.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/databases.js';
import { type FakeLlm, type FakeReply, lastUserText, startFakeLlm } from './support/fake-llm.js';
import { type CliServer, freePort, REPO_ROOT, startCli } from './support/server.js';

const STORY = 'Once upon a time, a small agent learned to stream its words one by one.';
const KEY = 'python-client-test-key';
/** The interpreter (`LETTA_TEST_PYTHON=/path/to/python3.9` checks the oldest supported one). */
const PYTHON = process.env.LETTA_TEST_PYTHON ?? 'python3';

function answer(text: string): FakeReply {
  if (text === 'Tell me a story') return { content: STORY, chunkDelayMs: 40 };
  if (text === 'FAIL') return { error: { status: 400, message: 'the model refused' } };
  if (text === 'SLOW') return { content: 'finally', delayMs: 3000 };
  return { content: `You said: ${text}` };
}

function run(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...env },
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function sections(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  const parts = stdout.split(/\n=== (.+) ===\n/);
  for (let i = 1; i < parts.length; i += 2) out[parts[i] as string] = (parts[i + 1] ?? '').trimEnd();
  return out;
}

describe('the Python client, installed offline, against the real server', () => {
  let llm: FakeLlm;
  const dbs: TestDatabase[] = [];
  const servers: CliServer[] = [];
  let site: string;

  beforeAll(async () => {
    site = mkdtempSync(join(tmpdir(), 'letta-py-'));
    llm = await startFakeLlm({ defaultReply: (req) => answer(lastUserText(req)) });
    const env = { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: llm.url, LETTA_LLM_MAX_RETRIES: '0' };
    const [open, authed] = await Promise.all([createTestDatabase('sqlite'), createTestDatabase('sqlite')]);
    dbs.push(open, authed);
    const [install, ...started] = await Promise.all([
      // --no-index: nothing may come from the network (the package's build backend is in-tree).
      run(PYTHON, ['-m', 'pip', 'install', '--no-index', '--quiet', '--target', site, './clients/python']),
      startCli({ ...open.env, ...env }),
      startCli({ ...authed.env, ...env, LETTA_API_KEY: KEY }, ['--auth', '--rate-limit', '2/second']),
    ]);
    servers.push(...started);
    expect(install.code, install.stderr).toBe(0);
  });
  afterAll(async () => {
    for (const s of servers) await s[Symbol.asyncDispose]();
    for (const db of dbs) await db.drop();
    await llm?.close();
    if (site) rmSync(site, { recursive: true, force: true });
  });

  it('runs the tutorial snippet and every client method', async () => {
    const [open, authed] = servers as [CliServer, CliServer];
    const { code, stdout, stderr } = await run(PYTHON, [join('test', 'python', 'client_api.py')], {
      PYTHONPATH: site,
      LETTA_BASE_URL: open.baseUrl,
      LETTA_AUTH_URL: authed.baseUrl,
      LETTA_DEAD_URL: `http://127.0.0.1:${await freePort()}`,
      LETTA_TEST_KEY: KEY,
      STORY,
    });
    expect(code, `stdout:\n${stdout}\nstderr:\n${stderr}`).toBe(0);
    const s = sections(stdout);
    expect(s.tutorial).toBe(
      ["['sam']", 'You said: Hello from Python client!', 'You said: Hello from Python client!'].join('\n'),
    );
    expect(s.streaming).toBe(STORY);
    expect(s.batch).toBe("['You said: one', 'LLM_BAD_REQUEST', 'You said: three']");
    expect(s.errors).toContain("NotFoundError: 404 AGENT_NOT_FOUND: Agent 'nobody' not found");
    expect(s.errors).toContain('APIConnectionError: Cannot reach <dead url>/agents:');
    expect(s.auth).toContain('AuthenticationError: 401 UNAUTHORIZED');
    expect(s['rate limit']).toBe('RateLimitError: RATE_LIMITED\nretried: ok');
    expect(s.end).toBe('');
    // It was the package from clients/python that ran, not some other `letta`.
    const where = await run(PYTHON, ['-c', 'import letta; print(letta.__file__)'], { PYTHONPATH: site });
    expect(where.stdout.trim()).toBe(join(site, 'letta', '__init__.py'));
  });
});
