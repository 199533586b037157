/**
 * Real servers for tests.
 *
 * - {@link startTestServer}: core + app in this process on a fresh test database, listening on
 *   127.0.0.1 (random port). `await using server = await startTestServer('sqlite')`.
 * - {@link startCli} / {@link runCli}: the real `letta` binary (`bin/letta.js` over `dist/`, built
 *   by the vitest global setup) as a child process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { resolveConfig, type ServerConfig, type ServerFlags } from '../../src/config.js';
import { type Core, closeCore, createCore } from '../../src/core.js';
import { type BuildAppOptions, buildApp } from '../../src/http/app.js';
import { createLogger } from '../../src/logger.js';
import type { DialectName } from '../../src/store/index.js';
import { createTestDatabase, type TestDatabase } from './databases.js';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const LETTA_BIN = join(REPO_ROOT, 'bin', 'letta.js');

export interface TestServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  core: Core;
  app: FastifyInstance;
  db: TestDatabase;
  /** Closes the app and the core, then drops the database if this helper created it. */
  close(): Promise<void>;
}

export interface TestServerOptions extends BuildAppOptions {
  /** Server flags, resolved as the CLI would (flags beat `env`). */
  flags?: ServerFlags;
  /** Environment for config and providers (e.g. LETTA_API_KEY, OPENAI_BASE_URL of a fake LLM). */
  env?: Record<string, string>;
  /** Applied last, over the resolved config. */
  config?: Partial<ServerConfig>;
  /** Use this database (not dropped on close) instead of a fresh one. */
  db?: TestDatabase;
}

/** Builds core + app on a test database of `dialect` and listens on 127.0.0.1:0. */
export async function startTestServer(
  dialect: DialectName,
  options: TestServerOptions = {},
): Promise<TestServer> {
  const ownDb = options.db === undefined;
  const db = options.db ?? (await createTestDatabase(dialect));
  const env = { ...db.env, ...options.env };
  const config = { ...resolveConfig(options.flags ?? {}, env), ...options.config };
  const log = createLogger(process.env.LETTA_TEST_LOG_LEVEL ?? 'silent');
  let core: Core | undefined;
  try {
    core = await createCore(config, log, { env });
    const app = await buildApp(core.services, options);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const started = core;
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      // A client that never reads its response would hold close() forever: cut it off.
      const force = setTimeout(() => app.server.closeAllConnections(), 3000);
      await app.close();
      clearTimeout(force);
      await closeCore(started);
      if (ownDb) await db.drop();
    };
    return { baseUrl: `http://127.0.0.1:${port}`, core, app, db, close, [Symbol.asyncDispose]: close };
  } catch (err) {
    if (core) await closeCore(core).catch(() => {});
    if (ownDb) await db.drop().catch(() => {});
    throw err;
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The environment a CLI child gets: this process's, minus any LETTA_ and provider settings. */
export function cliEnv(env: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(LETTA_|OPENAI_|ANTHROPIC_|OLLAMA_)/.test(k)) continue;
    out[k] = v;
  }
  out.LETTA_LOG_LEVEL = 'warn';
  // CLI servers in tests do not preload the Python sandbox (seconds of CPU per start).
  out.LETTA_TOOL_PREWARM = '0';
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `letta <args>` to completion (killed after `timeoutMs`), in a scratch LETTA_HOME unless `env` names one. */
export function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  // Never let a test touch the real ~/.letta.
  const scratch = env.LETTA_HOME === undefined ? mkdtempSync(join(tmpdir(), 'letta-cli-')) : undefined;
  const childEnv = cliEnv(scratch ? { LETTA_HOME: scratch, ...env } : env);
  return new Promise<CliResult>((resolve, reject) => {
    const child = spawn(process.execPath, [LETTA_BIN, ...args], {
      env: childEnv,
      cwd: options.cwd ?? REPO_ROOT,
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
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  }).finally(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });
}

export interface CliServer extends AsyncDisposable {
  child: ChildProcess;
  port: number;
  baseUrl: string;
  stdout(): string;
  stderr(): string;
  /** Sends `signal` (default SIGTERM) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Spawns `letta server --port <free port> [...args]` and waits for its listening line. Rejects
 * with the output if the process exits first (or does not listen within `timeoutMs`).
 */
export async function startCli(
  env: Record<string, string | undefined>,
  args: string[] = [],
  options: { port?: number; timeoutMs?: number; cwd?: string } = {},
): Promise<CliServer> {
  if (!env.LETTA_HOME)
    throw new Error('startCli needs env.LETTA_HOME (e.g. a test database env), never the real ~/.letta');
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, [LETTA_BIN, 'server', '--port', String(port), ...args], {
    env: cliEnv(env),
    cwd: options.cwd ?? REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`letta server did not start in time\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /letta-ts listening on (\S+)/.exec(stdout);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(
        new Error(
          `letta server exited (${code ?? signal}) before listening\nstdout: ${stdout}\nstderr: ${stderr}`,
        ),
      );
    });
  });
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return {
    child,
    port,
    baseUrl,
    stdout: () => stdout,
    stderr: () => stderr,
    stop,
    [Symbol.asyncDispose]: async () => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await stop();
      clearTimeout(timer);
    },
  };
}
