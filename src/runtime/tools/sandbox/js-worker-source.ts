/**
 * The source of a JavaScript sandbox worker: QuickJS compiled to WebAssembly
 * (`quickjs-emscripten`), so guest code runs in an interpreter with its own heap and no host
 * objects at all; the only thing the host gives it is `console` (captured output). Each run gets a
 * fresh context, a memory limit and an interrupt deadline; the pool's deadline (terminate and
 * replace the worker) stands behind both. The worker also starts with `env: {}`.
 */
export function jsWorkerSource(): string {
  return WORKER;
}

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { getQuickJS } = require(workerData.quickjsPath);
const cut = (t, n) => (t.length <= n ? t : t.slice(0, n) + '... [truncated ' + (t.length - n) + ' characters]');

function run(Q, m) {
  const runtime = Q.newRuntime();
  runtime.setMemoryLimit(workerData.memoryMb * 1024 * 1024);
  runtime.setMaxStackSize(1024 * 1024);
  const deadline = Date.now() + m.timeoutMs;
  runtime.setInterruptHandler(() => Date.now() > deadline);
  const vm = runtime.newContext();
  const out = [], err = [];
  try {
    const con = vm.newObject();
    for (const [name, sink] of [['log', out], ['info', out], ['error', err], ['warn', err]]) {
      const fn = vm.newFunction(name, (...args) => {
        sink.push(args.map((a) => { const v = vm.dump(a); return typeof v === 'string' ? v : JSON.stringify(v); }).join(' ') + '\\n');
      });
      vm.setProp(con, name, fn);
      fn.dispose();
    }
    vm.setProp(vm.global, 'console', con);
    con.dispose();
    const r = vm.evalCode(m.source, 'tool.js');
    if (r.error) {
      const e = vm.dump(r.error);
      r.error.dispose();
      const msg = e && typeof e === 'object' ? (e.name || 'Error') + ': ' + (e.message || '') : String(e);
      if (e && e.stack) err.push(String(e.stack));
      return { status: 'error', result: Date.now() > deadline ? 'timed out' : msg, stdout: out.join(''), stderr: err.join('') };
    }
    const v = vm.dump(r.value);
    r.value.dispose();
    let result = null;
    if (v !== undefined) { try { result = typeof v === 'string' ? v : JSON.stringify(v); } catch { result = String(v); } }
    const n = m.outputLimit;
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
