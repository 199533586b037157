/**
 * Issue 18 through the real `letta` binary: `letta dev-model --port N` (a scripted model with no
 * key), the server's ready lines (console, providers, default model), the warning without a
 * provider, `--help`, and a streamed failure logged at warn like a non-streamed one.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliEnv, freePort, LETTA_BIN, REPO_ROOT, runCli, startCli } from './support/server.js';

const homes: string[] = [];
const home = () => {
  const dir = mkdtempSync(join(tmpdir(), 'letta-first-hour-'));
  homes.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of homes) rmSync(dir, { recursive: true, force: true });
});

/** Spawns `letta dev-model --port <port>` and waits for its listening line. */
async function startDevModel(port: number): Promise<{ child: ChildProcess; out: string }> {
  const child = spawn(process.execPath, [LETTA_BIN, 'dev-model', '--port', String(port)], {
    env: cliEnv(),
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('start the server with')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`dev-model exited ${code}: ${out}`)));
  });
  return { child, out };
}

const stopped = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });

async function post(base: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as Record<string, unknown>;
}

describe('the first hour from the command line', () => {
  it('letta server --help names the console and the provider variables', async () => {
    const res = await runCli(['server', '--help']);
    expect(res.code).toBe(0);
    for (const word of [
      '/console',
      'OPENAI_API_KEY',
      'OPENAI_BASE_URL',
      'ANTHROPIC_API_KEY',
      'OLLAMA_BASE_URL',
      'dev-model',
    ]) {
      expect(res.stdout).toContain(word);
    }
  });

  it('without a provider: the console line, then a warning naming the variables', async () => {
    await using server = await startCli({ LETTA_HOME: home() });
    await expect.poll(() => server.stdout(), { timeout: 5000 }).toContain('No model provider is configured');
    expect(server.stdout()).toContain(`letta-ts console: ${server.baseUrl}/console`);
    expect(server.stdout()).toMatch(/No model provider is configured.*OPENAI_API_KEY, OPENAI_BASE_URL/);
  });

  it('letta dev-model --port N serves there; the server finds its models and chats with it', async () => {
    const port = await freePort();
    const dev = await startDevModel(port);
    try {
      expect(dev.out).toContain(`listening on http://127.0.0.1:${port}/v1`);
      const url = `http://127.0.0.1:${port}/v1`;
      await using server = await startCli({
        LETTA_HOME: home(),
        OPENAI_BASE_URL: url,
        LETTA_LLM_MAX_RETRIES: '0',
      });
      expect(server.stdout()).toContain(
        `letta-ts models: openai at ${url}: 2 models; agents created without a model use openai/gpt-4o-mini`,
      );
      // No model named: the only provider's default; the scripted model saves the name.
      const agent = await post(server.baseUrl, '/agents', { name: 'first' });
      expect(agent.model).toBe('openai/gpt-4o-mini');
      const saved = await post(server.baseUrl, '/agents/first/messages', { message: 'My name is Ada' });
      expect(saved.content).toBe('Got it, I saved that to my memory.');
      const known = await post(server.baseUrl, '/agents/first/messages', { message: 'who am I?' });
      expect(known.content).toBe('You are Ada. You said: who am I?');

      // The model goes away mid-session: the streamed failure is logged at warn, with the setting.
      expect(await stopped(dev.child)).toBe(0);
      const res = await fetch(`${server.baseUrl}/agents/first/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message: 'still there?', stream: true }),
      });
      const lines = (await res.text())
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.at(-2)?.error).toMatchObject({ code: 'LLM_ERROR' });
      expect(lines.at(-1)).toMatchObject({ done: true, stop_reason: 'llm_api_error' });
      await expect
        .poll(
          () =>
            server
              .stdout()
              .split('\n')
              .find((l) => l.includes('"streamed":true')),
          { timeout: 5000 },
        )
        .toBeDefined();
      const log = JSON.parse(
        server
          .stdout()
          .split('\n')
          .find((l) => l.includes('"streamed":true')) ?? '{}',
      );
      expect(log).toMatchObject({ level: 40, code: 'LLM_ERROR', msg: 'request failed' });
      expect(log.detail).toContain(`(OPENAI_BASE_URL=${url})`);
    } finally {
      if (dev.child.exitCode === null) dev.child.kill('SIGKILL');
    }
  });
});
