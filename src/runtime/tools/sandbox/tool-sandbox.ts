/**
 * The tool sandbox: Python (Pyodide) in a pool of warm worker threads, JavaScript (QuickJS) in
 * another. See `python-worker-source.ts` and `js-worker-source.ts` for what a worker can and
 * cannot reach. A Python worker is kept per organization (see `sandbox-pool.ts`); a QuickJS run
 * is a fresh runtime every time. Network: only through the fetch bridge, only to
 * `LETTA_TOOL_ALLOWED_HOSTS` and addresses the outbound policy allows (`tool-fetch.ts`).
 *
 * @example
 * const sandbox = new ToolSandbox(sandboxConfigFromEnv(process.env));
 * const r = await sandbox.runPython({ source: 'def add(a: int, b: int):\n  return a + b', entry: 'add', args: { a: 1, b: 2 } });
 * // r.status === 'success', r.result === '3'
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { type OutboundAllow, OutboundPolicy, parseOutboundAllow } from '../../../net/index.js';
import { jsWorkerSource } from './js-worker-source.js';
import { PythonBoot } from './python-boot.js';
import { pythonWorkerSource } from './python-worker-source.js';
import { SandboxPool } from './sandbox-pool.js';
import { parseToolHosts, ToolFetcher } from './tool-fetch.js';

export interface SandboxConfig {
  /** Warm Python workers (LETTA_TOOL_WORKERS, default 2). */
  workers: number;
  /**
   * When the Python workers load (LETTA_TOOL_PREWARM): `auto` (default) at start when the
   * database has Python to run (a custom Python tool, `run_code` attached), else on first use
   * (creating a Python tool is one: its schema is read in the sandbox); `1` always at start;
   * `0` on first use. A warm worker holds 80 to 95 MiB.
   */
  prewarm?: 'auto' | 'always' | 'never' | undefined;
  /** Wall-clock limit of one call (LETTA_TOOL_TIMEOUT_SECONDS, default 30). */
  timeoutMs: number;
  /** WebAssembly memory limit of a worker (LETTA_TOOL_MEMORY_MB, default 512). */
  memoryMb: number;
  /** Characters kept of a result, stdout and stderr each (LETTA_TOOL_OUTPUT_LIMIT, default 100000). */
  outputLimit: number;
  /** web_search providers (EXA_API_KEY, TAVILY_API_KEY); neither: the tool answers an error. */
  exaApiKey?: string | undefined;
  tavilyApiKey?: string | undefined;
  /** Hosts tools may fetch from (LETTA_TOOL_ALLOWED_HOSTS); empty: no network at all. */
  allowedHosts?: string[] | undefined;
  /** The operator's outbound allowlist (LETTA_OUTBOUND_ALLOW): private addresses it opens. */
  outboundAllow?: OutboundAllow | undefined;
  /** Bytes of one fetched response (LETTA_TOOL_FETCH_MAX_BYTES, default 5 MB). */
  fetchMaxBytes?: number | undefined;
  /**
   * Where the Python memory snapshot is kept between starts (the server: LETTA_HOME/cache);
   * absent: it is made once per process and kept in memory (see `python-boot.ts`).
   */
  cacheDir?: string | undefined;
}

export interface SandboxRun {
  source: string;
  /** Function to call with `args`; absent: run the source as a script (run_code). */
  entry?: string | undefined;
  args?: Record<string, unknown> | undefined;
  /** The only environment the code sees (the agent's tool variables). */
  env?: Record<string, string> | undefined;
  /** The organization the call runs for: its Python worker is never another's. */
  owner?: string | undefined;
}

/** A JavaScript tool call: compiled source (see `typescript-tool.ts`) and its function. */
export interface JsToolRun {
  /** JavaScript (types stripped), CommonJS-shaped. */
  code: string;
  entry: string;
  /** Parameter names in call order. */
  params: string[];
  args?: Record<string, unknown> | undefined;
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

export function sandboxConfigFromEnv(env: NodeJS.ProcessEnv, outboundAllow?: OutboundAllow): SandboxConfig {
  return {
    allowedHosts: parseToolHosts(env.LETTA_TOOL_ALLOWED_HOSTS),
    outboundAllow: outboundAllow ?? parseOutboundAllow(env.LETTA_OUTBOUND_ALLOW),
    fetchMaxBytes: Math.floor(positive(env, 'LETTA_TOOL_FETCH_MAX_BYTES', 5_000_000)),
    workers: Math.max(1, Math.floor(positive(env, 'LETTA_TOOL_WORKERS', 2))),
    prewarm: env.LETTA_TOOL_PREWARM === '0' ? 'never' : env.LETTA_TOOL_PREWARM === '1' ? 'always' : 'auto',
    timeoutMs: positive(env, 'LETTA_TOOL_TIMEOUT_SECONDS', 30) * 1000,
    memoryMb: Math.floor(positive(env, 'LETTA_TOOL_MEMORY_MB', 512)),
    outputLimit: Math.floor(positive(env, 'LETTA_TOOL_OUTPUT_LIMIT', 100_000)),
    exaApiKey: env.EXA_API_KEY || undefined,
    tavilyApiKey: env.TAVILY_API_KEY || undefined,
  };
}

/** Calls a guest function with the arguments by name, in parameter order; serialises the result. */
function jsCall(job: JsToolRun): string {
  // A missing argument is `undefined` (not JSON's null), so the parameter's default applies.
  const args = `[${job.params.map((p) => (job.args?.[p] === undefined ? 'undefined' : JSON.stringify(job.args[p]))).join(', ')}]`;
  return `${job.code}
;(async (__letta_a) => (${job.entry})(...__letta_a))(${args}).then((v) => {
  if (v === undefined || v === null || typeof v === 'string') return v;
  const s = JSON.stringify(v);
  if (s === undefined) throw new TypeError('the tool returned a value of type ' + typeof v + ', which cannot be serialised (return a string, number, boolean, array or object)');
  return s;
});`;
}

const COMMONJS_PRELUDE = 'var module = { exports: {} }; var exports = module.exports;\n';

export class ToolSandbox {
  private python: SandboxPool | undefined;
  /** The compiled wasm and memory snapshot Python workers boot from. */
  readonly pythonBoot: PythonBoot;
  private js: SandboxPool | undefined;
  private readonly fetcher: ToolFetcher | undefined;

  constructor(readonly config: SandboxConfig) {
    const require = createRequire(import.meta.url);
    this.pythonBoot = new PythonBoot(dirname(require.resolve('pyodide/package.json')), config.cacheDir);
    if (config.allowedHosts && config.allowedHosts.length > 0)
      this.fetcher = new ToolFetcher({
        allowedHosts: config.allowedHosts,
        policy: new OutboundPolicy(config.outboundAllow),
        maxBytes: config.fetchMaxBytes ?? 5_000_000,
      });
  }

  /** The bridge options of a pool: a buffer big enough for a capped response, base64-encoded. */
  private bridge() {
    const fetcher = this.fetcher;
    if (!fetcher) return {};
    return {
      bridge: (request: string, deadline: number) => fetcher.fetch(request, deadline),
      bridgeBytes: Math.ceil(((this.config.fetchMaxBytes ?? 5_000_000) * 4) / 3) + 256 * 1024,
    };
  }

  /** The Python pool: its workers start at once and get the wasm and snapshot when ready. */
  private pythonPool(): SandboxPool {
    if (!this.python) {
      const require = createRequire(import.meta.url);
      const boot = this.pythonBoot;
      this.python = new SandboxPool({
        label: 'Python',
        source: pythonWorkerSource,
        workerData: {
          pyodideDir: dirname(require.resolve('pyodide/package.json')),
          memoryMb: this.config.memoryMb,
        },
        bootData: async () => {
          await boot.prepare();
          return { ...boot.next() };
        },
        onNotice: (notice) => {
          if (notice.snapshot instanceof Uint8Array) boot.accept(notice.snapshot);
          else if (notice.snapshotFailed !== undefined) boot.reject();
        },
        onBootFailed: () => boot.abandoned(),
        size: this.config.workers,
        heapMb: 128,
        ...this.bridge(),
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
      job.owner ?? '',
    );
    if (!r.ok) return { status: 'error', result: `Error: ${r.error}`, stdout: '', stderr: '' };
    return JSON.parse(String(r.reply)) as SandboxResult;
  }

  private jsPool(): SandboxPool {
    if (!this.js) {
      const require = createRequire(import.meta.url);
      this.js = new SandboxPool({
        label: 'JavaScript',
        source: jsWorkerSource,
        workerData: { quickjsPath: require.resolve('quickjs-emscripten'), memoryMb: this.config.memoryMb },
        size: Math.max(1, Math.min(2, this.config.workers)),
        heapMb: 64,
        ...this.bridge(),
      });
    }
    return this.js;
  }

  /** Runs a JavaScript script in QuickJS (run_code): the value of its last expression. */
  async runJs(job: SandboxRun): Promise<SandboxResult> {
    return this.runQuickJs('script', job.source, job.env);
  }

  /** Calls a JavaScript/TypeScript tool's function in QuickJS (a fresh runtime per call). */
  async runJsTool(job: JsToolRun): Promise<SandboxResult> {
    return this.runQuickJs('tool', COMMONJS_PRELUDE + jsCall(job), job.env);
  }

  private async runQuickJs(
    mode: 'script' | 'tool',
    source: string,
    env: Record<string, string> | undefined,
  ): Promise<SandboxResult> {
    const r = await this.jsPool().run(
      {
        mode,
        source,
        env: env ?? {},
        timeoutMs: this.config.timeoutMs,
        outputLimit: this.config.outputLimit,
      },
      this.config.timeoutMs + 1000,
    );
    if (!r.ok) return { status: 'error', result: `Error: ${r.error}`, stdout: '', stderr: '' };
    return JSON.parse(String(r.reply)) as SandboxResult;
  }

  /** Python workers by owner (tests: a worker serves one organization). */
  pythonOwners(): Array<string | undefined> {
    return this.python?.owners() ?? [];
  }

  /**
   * The JSON schema of a Python tool, from its last top-level function (or a parse error naming
   * the line). Parsed on a worker of `owner`: a runtime another organization ran code in could
   * have been tampered with.
   */
  async pythonSchema(source: string, owner?: string): Promise<PythonSchema> {
    const r = await this.pythonPool().run({ op: 'schema', source }, this.config.timeoutMs, owner ?? '');
    if (!r.ok) return { error: r.error ?? 'sandbox failed' };
    return JSON.parse(String(r.reply)) as PythonSchema;
  }

  async close(): Promise<void> {
    await Promise.all([this.python?.close(), this.js?.close(), this.fetcher?.close()]);
  }
}
