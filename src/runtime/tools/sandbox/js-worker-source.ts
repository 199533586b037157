/**
 * The source of a JavaScript sandbox worker: QuickJS compiled to WebAssembly
 * (`quickjs-emscripten`), so guest code runs in an interpreter with its own heap and no host
 * objects at all. The host gives it only three functions: `console` (captured output), and for
 * the prelude the call's environment (as `process.env`) and the fetch bridge (as `fetch`, which
 * answers an error unless the operator allows hosts). Each run gets a fresh runtime and context
 * (nothing of one call is visible to the next), a memory limit and an interrupt deadline; the
 * pool's deadline (terminate and replace the worker) stands behind both. The worker also starts
 * with `env: {}`.
 *
 * Two modes: `script` (run_code: the value of the last expression) and `tool` (the source ends
 * with an expression whose value, possibly a promise, is the tool's serialised return).
 */
import { BRIDGE_SOURCE } from './bridge-source.js';

export function jsWorkerSource(): string {
  return WORKER.replace('__BRIDGE__', () => BRIDGE_SOURCE).replace('__PRELUDE__', () =>
    JSON.stringify(PRELUDE),
  );
}

/** Guest code run before the tool: `process.env`, `fetch` and `Headers` over the host bridge. */
const PRELUDE = `
(function () {
  const env = JSON.parse(globalThis.__letta_env);
  const hostFetch = globalThis.__letta_fetch;
  delete globalThis.__letta_env;
  delete globalThis.__letta_fetch;
  globalThis.process = { env };
  class Headers {
    constructor(init) {
      this.map = {};
      if (init) for (const [k, v] of (Array.isArray(init) ? init : typeof init.entries === 'function' ? Array.from(init.entries()) : Object.entries(init))) this.map[String(k).toLowerCase()] = String(v);
    }
    get(k) { const v = this.map[String(k).toLowerCase()]; return v === undefined ? null : v; }
    has(k) { return String(k).toLowerCase() in this.map; }
    set(k, v) { this.map[String(k).toLowerCase()] = String(v); }
    forEach(f) { for (const k of Object.keys(this.map)) f(this.map[k], k, this); }
    entries() { return Object.entries(this.map)[Symbol.iterator](); }
    [Symbol.iterator]() { return this.entries(); }
  }
  globalThis.Headers = Headers;
  globalThis.fetch = async function fetch(input, init) {
    init = init || {};
    const url = typeof input === 'string' ? input : String(input && input.url !== undefined ? input.url : input);
    const request = {
      url,
      method: String(init.method || 'GET').toUpperCase(),
      headers: init.headers ? Object.fromEntries(new Headers(init.headers).entries()) : {},
      body: init.body === undefined || init.body === null ? null : String(init.body),
      encoding: 'text',
    };
    const r = JSON.parse(hostFetch(JSON.stringify(request)));
    if (r.error) throw new TypeError('fetch failed: ' + r.error);
    const body = r.body;
    return {
      ok: r.status >= 200 && r.status < 300,
      status: r.status,
      statusText: r.statusText || '',
      url,
      headers: new Headers(r.headers),
      text: async () => body,
      json: async () => JSON.parse(body),
    };
  };
})();
`;

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { getQuickJS } = require(workerData.quickjsPath);
__BRIDGE__
const PRELUDE = __PRELUDE__;
const cut = (t, n) => (t.length <= n ? t : t.slice(0, n) + '... [truncated ' + (t.length - n) + ' characters]');

function errorText(vm, handle) {
  const e = vm.dump(handle);
  return { text: e && typeof e === 'object' ? (e.name || 'Error') + ': ' + (e.message || '') : String(e), stack: e && e.stack ? String(e.stack) : '' };
}

function run(Q, m) {
  const runtime = Q.newRuntime();
  runtime.setMemoryLimit(workerData.memoryMb * 1024 * 1024);
  runtime.setMaxStackSize(1024 * 1024);
  const deadline = Date.now() + m.timeoutMs;
  runtime.setInterruptHandler(() => Date.now() > deadline);
  const vm = runtime.newContext();
  const out = [], err = [];
  const n = m.outputLimit;
  const fail = (text) => ({ status: 'error', result: Date.now() > deadline ? 'timed out after ' + m.timeoutMs / 1000 + ' s' : text, stdout: cut(out.join(''), n), stderr: cut(err.join(''), n) });
  try {
    const con = vm.newObject();
    for (const [name, sink] of [['log', out], ['info', out], ['debug', out], ['error', err], ['warn', err]]) {
      const fn = vm.newFunction(name, (...args) => {
        sink.push(args.map((a) => { const v = vm.dump(a); return typeof v === 'string' ? v : JSON.stringify(v); }).join(' ') + '\\n');
      });
      vm.setProp(con, name, fn);
      fn.dispose();
    }
    vm.setProp(vm.global, 'console', con);
    con.dispose();
    const envText = vm.newString(JSON.stringify(m.env || {}));
    vm.setProp(vm.global, '__letta_env', envText);
    envText.dispose();
    const fetchFn = vm.newFunction('fetch', (req) => vm.newString(letta_bridge(vm.getString(req))));
    vm.setProp(vm.global, '__letta_fetch', fetchFn);
    fetchFn.dispose();
    const pre = vm.evalCode(PRELUDE, 'prelude.js');
    if (pre.error) { const e = errorText(vm, pre.error); pre.error.dispose(); return fail('the sandbox prelude failed: ' + e.text); }
    pre.value.dispose();

    const r = vm.evalCode(m.source, 'tool.js');
    if (r.error) {
      const e = errorText(vm, r.error);
      r.error.dispose();
      if (e.stack) err.push(e.stack);
      return fail(e.text);
    }
    let handle = r.value;
    if (m.mode === 'tool') {
      const jobs = runtime.executePendingJobs();
      if (jobs.error) { const e = errorText(vm, jobs.error); jobs.error.dispose(); handle.dispose(); return fail(e.text); }
      const state = vm.getPromiseState(handle);
      if (state.type === 'pending') { handle.dispose(); return fail('Error: the tool returned a promise that never settled'); }
      if (state.type === 'rejected') {
        const e = errorText(vm, state.error);
        state.error.dispose();
        handle.dispose();
        if (e.stack) err.push(e.stack);
        return fail(e.text);
      }
      if (!state.notAPromise) { handle.dispose(); handle = state.value; }
    }
    const v = vm.dump(handle);
    handle.dispose();
    let result = null;
    if (v !== undefined && v !== null) { try { result = typeof v === 'string' ? v : JSON.stringify(v); } catch { result = String(v); } }
    return { status: 'success', result: result === null ? null : cut(result, n), stdout: cut(out.join(''), n), stderr: cut(err.join(''), n) };
  } finally {
    vm.dispose();
    runtime.dispose();
  }
}

getQuickJS().then((Q) => {
  parentPort.on('message', (m) => {
    let reply;
    try { reply = JSON.stringify(run(Q, m)); }
    catch (e) { parentPort.postMessage({ id: m.id, fatal: String(e && e.message || e) }); return; }
    parentPort.postMessage({ id: m.id, reply });
  });
  parentPort.postMessage({ ready: true });
}, (e) => parentPort.postMessage({ fatal: String(e && e.stack || e) }));
`;
