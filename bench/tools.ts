/**
 * Tools benchmark (`npm run bench:tools`, under a minute):
 * - a turn that calls a warm custom Python tool vs one that calls a built-in tool (p50, p90):
 *   both turns are model → tool → model (send_message), against the scripted model, over HTTP;
 * - the first call after start, asked as soon as `/health` answers: on a fresh LETTA_HOME (no
 *   memory snapshot yet: a cold Pyodide boot), then after a restart on the same home (workers
 *   restore from the snapshot cached in LETTA_HOME/cache; once with the pool warming at start,
 *   the database having a Python tool, and once with LETTA_TOOL_PREWARM=0, loading on demand);
 * - in this process, a pool of two loading from the snapshot and from cold, and the RSS per warm
 *   worker of each (the RSS the pool adds to the process once warm, halved).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sandboxConfigFromEnv, ToolSandbox } from '../src/runtime/tools/sandbox/tool-sandbox.js';
import { pct, rssMiB, startJsonLine, startLetta, stop } from './harness.js';

const TURNS = Number(process.env.BENCH_TURNS ?? 60);
const home = mkdtempSync(join(tmpdir(), 'letta-bench-tools-'));
const model = await startJsonLine(process.execPath, ['.bench-build/bench/processes/tool-llm.js']);
const env = {
  ...process.env,
  LETTA_HOME: home,
  OPENAI_API_KEY: 'bench',
  OPENAI_BASE_URL: model.url,
  LETTA_TOOL_WORKERS: '2',
  LETTA_LOG_LEVEL: 'warn',
};
const json = async (url: string, method: string, body?: unknown) => {
  const r = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`${method} ${url}: ${r.status} ${await r.text()}`);
  return (await r.json()) as Record<string, unknown>;
};

const server = await startLetta(env, 8391);
const rssAtStart = rssMiB(server.child.pid ?? 0);
/** `/v1/tools/run` of a small function: milliseconds and the tool return. */
const firstCall = async (url: string) => {
  const t0 = performance.now();
  const r = await json(`${url}/v1/tools/run`, 'POST', {
    source_code: 'def add(a: int, b: int):\n    return a + b',
    args: { a: 1, b: 2 },
  });
  return { ms: performance.now() - t0, result: r.tool_return };
};
// First call after start on a fresh home: no snapshot yet, a cold boot.
const first = await firstCall(server.url);
const firstMs = first.ms;
await new Promise((r) => setTimeout(r, 500));
const rssWarm = rssMiB(server.child.pid ?? 0);

const tool = await json(`${server.url}/v1/tools/`, 'POST', {
  source_code:
    'def add(a: int, b: int) -> int:\n    """Add two numbers.\n\n    Args:\n        a: first\n        b: second\n    """\n    return a + b',
});
const agent = await json(`${server.url}/agents`, 'POST', {
  name: 'bench-tools',
  model: 'gpt-4o-mini',
  tools: [String(tool.name)],
});
const turn = async (text: string) => {
  const t = performance.now();
  const r = await json(`${server.url}/agents/${String(agent.name)}/messages`, 'POST', { message: text });
  if (r.stop_reason !== 'end_turn') throw new Error(`turn ended with ${String(r.stop_reason)}`);
  return performance.now() - t;
};
for (let i = 0; i < 10; i++) {
  await turn('call add');
  await turn('call conversation_search');
}
const custom: number[] = [];
const builtin: number[] = [];
for (let i = 0; i < TURNS; i++) {
  custom.push(await turn('call add'));
  builtin.push(await turn('call conversation_search'));
}
await stop(server.child);
// Restarts on the same home: the snapshot is in LETTA_HOME/cache now.
const restarted = await startLetta(env, 8391);
const afterRestart = await firstCall(restarted.url);
await stop(restarted.child);
const onDemand = await startLetta({ ...env, LETTA_TOOL_PREWARM: '0' }, 8391);
const afterRestartOnDemand = await firstCall(onDemand.url);
await stop(onDemand.child);
await stop(model.child);

// In this process: a pool of 2 restored from the snapshot, then one loading from cold (no cache
// directory: one worker makes a snapshot in memory), and the RSS the two warm workers add.
const pool = async (cacheDir: string | undefined) => {
  const rss0 = process.memoryUsage().rss;
  const sandbox = new ToolSandbox({ ...sandboxConfigFromEnv({}), workers: 2, cacheDir });
  const c0 = performance.now();
  await sandbox.warm();
  const loadMs = performance.now() - c0;
  await sandbox.runPython({ source: 'def f():\n    return 1', entry: 'f' });
  return { sandbox, loadMs, perWorkerMiB: (process.memoryUsage().rss - rss0) / 2 / 1024 / 1024 };
};
const restoredPool = await pool(join(home, 'cache'));
await restoredPool.sandbox.close();
rmSync(home, { recursive: true, force: true });
const coldPool = await pool(undefined);
const sandbox = coldPool.sandbox;
const warmCalls: number[] = [];
for (let i = 0; i < 200; i++) {
  const w = performance.now();
  await sandbox.runPython({ source: 'def f(a, b):\n    return a + b', entry: 'f', args: { a: 1, b: 2 } });
  warmCalls.push(performance.now() - w);
}
await sandbox.close();

custom.sort((a, b) => a - b);
builtin.sort((a, b) => a - b);
warmCalls.sort((a, b) => a - b);
const f = (n: number) => n.toFixed(1);
console.log(
  JSON.stringify(
    {
      turns: TURNS,
      first_tool_call_after_start_fresh_home_ms: Math.round(firstMs),
      first_tool_call_after_restart_ms: Math.round(afterRestart.ms),
      first_tool_call_after_restart_prewarm_0_ms: Math.round(afterRestartOnDemand.ms),
      first_results: [first.result, afterRestart.result, afterRestartOnDemand.result],
      restored_pool_of_two_load_ms: Math.round(restoredPool.loadMs),
      cold_pool_of_two_load_ms: Math.round(coldPool.loadMs),
      turn_custom_python_tool_ms: { p50: f(pct(custom, 50)), p90: f(pct(custom, 90)) },
      turn_builtin_tool_ms: { p50: f(pct(builtin, 50)), p90: f(pct(builtin, 90)) },
      added_by_python_tool_p50_ms: f(pct(custom, 50) - pct(builtin, 50)),
      sandbox_call_only_ms: { p50: f(pct(warmCalls, 50)), p90: f(pct(warmCalls, 90)) },
      server_rss_mib: { at_health: Math.round(rssAtStart), after_first_call: Math.round(rssWarm) },
      rss_per_warm_worker_mib: {
        restored: Math.round(restoredPool.perWorkerMiB),
        cold: Math.round(coldPool.perWorkerMiB),
      },
    },
    null,
    2,
  ),
);
