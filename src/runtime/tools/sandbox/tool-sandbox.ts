/**
 * The tool sandbox: Python (Pyodide) in a pool of warm worker threads. See
 * `python-worker-source.ts` for what a worker can and cannot reach.
 *
 * @example
 * const sandbox = new ToolSandbox(sandboxConfigFromEnv(process.env));
 * const r = await sandbox.runPython({ source: 'def add(a: int, b: int):\n  return a + b', entry: 'add', args: { a: 1, b: 2 } });
 * // r.status === 'success', r.result === '3'
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { jsWorkerSource } from './js-worker-source.js';
import { pythonWorkerSource } from './python-worker-source.js';
import { SandboxPool } from './sandbox-pool.js';

export interface SandboxConfig {
  /** Warm Python workers (LETTA_TOOL_WORKERS, default 2). */
  workers: number;
  /** Load the workers when the server starts (LETTA_TOOL_PREWARM, default on; `0`: on first use). */
  prewarm?: boolean | undefined;
  /** Wall-clock limit of one call (LETTA_TOOL_TIMEOUT_SECONDS, default 30). */
  timeoutMs: number;
  /** WebAssembly memory limit of a worker (LETTA_TOOL_MEMORY_MB, default 512). */
  memoryMb: number;
  /** Characters kept of a result, stdout and stderr each (LETTA_TOOL_OUTPUT_LIMIT, default 100000). */
  outputLimit: number;
  /** web_search providers (EXA_API_KEY, TAVILY_API_KEY); neither: the tool answers an error. */
  exaApiKey?: string | undefined;
  tavilyApiKey?: string | undefined;
}

export interface SandboxRun {
  source: string;
  /** Function to call with `args`; absent: run the source as a script (run_code). */
  entry?: string | undefined;
  args?: Record<string, unknown> | undefined;
  /** The only environment the code sees (the agent's tool variables). */
  env?: Record<string, string> | undefined;
}

export interface SandboxResult {
  status: 'success' | 'error';
  /** The function's return value (a string, or JSON for other values), or the error message. */
  result: string | null;
  stdout: string;
  stderr: string;
}

export type PythonSchema =
  | { name: string; description: string; parameters: Record<string, unknown> }
  | { error: string };

function positive(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const n = Number(env[key]);
  return env[key] !== undefined && Number.isFinite(n) && n > 0 ? n : fallback;
}

export function sandboxConfigFromEnv(env: NodeJS.ProcessEnv): SandboxConfig {
  return {
    workers: Math.max(1, Math.floor(positive(env, 'LETTA_TOOL_WORKERS', 2))),
    prewarm: env.LETTA_TOOL_PREWARM !== '0',
    timeoutMs: positive(env, 'LETTA_TOOL_TIMEOUT_SECONDS', 30) * 1000,
    memoryMb: Math.floor(positive(env, 'LETTA_TOOL_MEMORY_MB', 512)),
    outputLimit: Math.floor(positive(env, 'LETTA_TOOL_OUTPUT_LIMIT', 100_000)),
    exaApiKey: env.EXA_API_KEY || undefined,
    tavilyApiKey: env.TAVILY_API_KEY || undefined,
  };
}

export class ToolSandbox {
  private python: SandboxPool | undefined;
  private js: SandboxPool | undefined;

  constructor(readonly config: SandboxConfig) {}

  private pythonPool(): SandboxPool {
    if (!this.python) {
      const require = createRequire(import.meta.url);
      this.python = new SandboxPool({
        label: 'Python',
        source: pythonWorkerSource,
        workerData: {
          pyodideDir: dirname(require.resolve('pyodide/package.json')),
          memoryMb: this.config.memoryMb,
        },
        size: this.config.workers,
        heapMb: 128,
      });
    }
    return this.python;
  }

  /** Starts the Python workers now (in the background is fine). */
  warm(): Promise<void> {
    return this.pythonPool().warm();
  }

  async runPython(job: SandboxRun): Promise<SandboxResult> {
    const r = await this.pythonPool().run(
      {
        op: 'run',
        source: job.source,
        entry: job.entry ?? null,
        args: job.args ?? {},
        env: job.env ?? {},
        outputLimit: this.config.outputLimit,
      },
      this.config.timeoutMs,
    );
    if (!r.ok) return { status: 'error', result: `Error: ${r.error}`, stdout: '', stderr: '' };
    return JSON.parse(String(r.reply)) as SandboxResult;
  }

  /** Runs a JavaScript script in QuickJS (one lazily started worker: run_code only). */
  async runJs(job: SandboxRun): Promise<SandboxResult> {
    if (!this.js) {
      const require = createRequire(import.meta.url);
      this.js = new SandboxPool({
        label: 'JavaScript',
        source: jsWorkerSource,
        workerData: { quickjsPath: require.resolve('quickjs-emscripten'), memoryMb: this.config.memoryMb },
        size: 1,
        heapMb: 64,
      });
    }
    const r = await this.js.run(
      { source: job.source, timeoutMs: this.config.timeoutMs, outputLimit: this.config.outputLimit },
      this.config.timeoutMs + 1000,
    );
    if (!r.ok) return { status: 'error', result: `Error: ${r.error}`, stdout: '', stderr: '' };
    return JSON.parse(String(r.reply)) as SandboxResult;
  }

  /** The JSON schema of a Python tool, from its last top-level function (or a parse error naming the line). */
  async pythonSchema(source: string): Promise<PythonSchema> {
    const r = await this.pythonPool().run({ op: 'schema', source }, this.config.timeoutMs);
    if (!r.ok) return { error: r.error ?? 'sandbox failed' };
    return JSON.parse(String(r.reply)) as PythonSchema;
  }

  async close(): Promise<void> {
    await Promise.all([this.python?.close(), this.js?.close()]);
  }
}
