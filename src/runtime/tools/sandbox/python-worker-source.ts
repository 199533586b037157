/**
 * The source of a Python sandbox worker (run with `eval: true` in a `node:worker_threads` Worker).
 *
 * Pyodide by itself is no sandbox: in Node, `import js` reaches `process` (the server's
 * environment, `getBuiltinModule('fs')`), and Pyodide's own API can mount host directories. So:
 *
 * 1. Pyodide is loaded *as if in a module web worker*: `process` is hidden before it is imported,
 *    so neither Pyodide nor Emscripten ever imports `node:fs`, `node:vm` or `node:path`, and no
 *    NODEFS exists. Its files (wasm, stdlib) come from a `fetch` that serves only the package's
 *    own directory; that `fetch` is removed once Pyodide is loaded.
 * 2. Then the JS realm is made harmless for whatever Python might still reach: `process`,
 *    `fetch`, `require`, `importScripts`, channels are gone; the Function constructors (plain,
 *    async, generator) and `eval` throw, so no new JS code (and no `import()`) can be made;
 *    `WebAssembly.Memory.prototype.grow` refuses to pass the memory limit (Python gets
 *    `MemoryError`).
 * 3. The one host function Python holds is the fetch bridge (`urllib.request.urlopen`): it posts
 *    a request to the host, which decides (see `tool-fetch.ts`); with no allowed hosts it refuses
 *    without posting anything.
 * 4. Python sees an empty `js` module (`jsglobals` is an empty object), `js` and `pyodide_js` are
 *    unregistered, every Pyodide module is dropped from `sys.modules`, the public Pyodide API
 *    object is emptied (the harness keeps its own reference), and an import hook refuses `js`,
 *    `pyodide*`, `_pyodide*`, `micropip`, `ctypes`, sockets and subprocesses.
 *
 * Layer 2 is what holds against code that knows the runtime: layer 4 can be undone from Python
 * (e.g. `sys.meta_path.clear()`), but there is nothing left in the realm to reach.
 *
 * Boot (see `python-boot.ts`): the host's first message (`{boot}`, sent once it has compiled the
 * wasm and read the snapshot; Pyodide's JS loads meanwhile) may carry a compiled `wasmModule`,
 * which Pyodide instantiates instead of compiling, and a `snapshot`, from which CPython's memory is restored
 * from it (harness defined, preload imported) instead of started; a snapshot Pyodide refuses
 * is reported (`{notice: {snapshotFailed}}`) and the worker boots normally. A worker asked to
 * make one sends `{notice: {snapshot}}` before its lockdown. Layers 1 to 4 are the same either way:
 * layers 1 and 2 are JS (never in a snapshot), layers 3 and 4 run after every boot.
 */
import { BRIDGE_SOURCE } from './bridge-source.js';
import { PYTHON_HARNESS, PYTHON_PRELOAD } from './python-harness.js';

/** The worker's source, with the Python harness and the fetch bridge inlined. */
export function pythonWorkerSource(): string {
  return WORKER.replace('__HARNESS__', () => JSON.stringify(PYTHON_HARNESS))
    .replace('__PRELOAD__', () => JSON.stringify(PYTHON_PRELOAD))
    .replace('__BRIDGE__', () => BRIDGE_SOURCE);
}

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL, fileURLToPath } = require('node:url');
const g = globalThis;
const dir = path.resolve(workerData.pyodideDir);
/** The host's first message: \`{boot: {wasmModule?, snapshot?, makeSnapshot?}}\`. */
const booting = new Promise((resolve) => parentPort.once('message', (m) => resolve((m && m.boot) || {})));
let wasmModule;
__BRIDGE__

function hideNode() {
  Object.defineProperty(g, 'process', { value: undefined, configurable: true, writable: true });
  g.self = g;
  g.WorkerGlobalScope = { [Symbol.hasInstance]: () => true };
  g.importScripts = () => { throw new Error('importScripts is not available'); };
  g.location = pathToFileURL(dir + '/');
  g.fetch = async (url) => {
    const file = path.resolve(fileURLToPath(String(url)));
    if (!file.startsWith(dir + path.sep)) throw new Error('fetch refused: ' + String(url));
    const type = file.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream';
    // With a compiled module the wasm bytes are never used (see boot()): skip reading 10 MB.
    const compiled = type === 'application/wasm' && wasmModule instanceof WebAssembly.Module;
    return new Response(compiled ? new Uint8Array(0) : fs.readFileSync(file), { headers: { 'content-type': type } });
  };
  const maxBytes = workerData.memoryMb * 1024 * 1024;
  const grow = WebAssembly.Memory.prototype.grow;
  Object.defineProperty(WebAssembly.Memory.prototype, 'grow', {
    value: function (pages) {
      if (this.buffer.byteLength + pages * 65536 > maxBytes) throw new RangeError('sandbox memory limit');
      return grow.call(this, pages);
    },
  });
}

function hardenRealm() {
  for (const name of ['process', 'fetch', 'require', 'module', 'exports', 'importScripts', 'location',
    'BroadcastChannel', 'WebSocket', 'EventSource', 'XMLHttpRequest', 'Worker', 'SharedWorker', 'navigator']) {
    try { delete g[name]; } catch {}
    if (name in g) Object.defineProperty(g, name, { value: undefined, configurable: false, writable: false });
  }
  const refuse = function Function() { throw new EvalError('code generation is disabled in the tool sandbox'); };
  const protos = [
    Function.prototype,
    Object.getPrototypeOf(async function () {}),
    Object.getPrototypeOf(function* () {}),
    Object.getPrototypeOf(async function* () {}),
  ];
  for (const proto of protos) {
    const tamed = function () { throw new EvalError('code generation is disabled in the tool sandbox'); };
    tamed.prototype = proto;
    Object.defineProperty(proto, 'constructor', { value: tamed, writable: false, configurable: false });
  }
  refuse.prototype = Function.prototype;
  Object.defineProperty(g, 'Function', { value: refuse, writable: false, configurable: false });
  Object.defineProperty(g, 'eval', { value: refuse, writable: false, configurable: false });
}

const HARNESS = __HARNESS__;
const PRELOAD = __PRELOAD__;

/** Loads Pyodide from the compiled module and snapshot of the boot message when there are, else cold. */
async function boot(loadPyodide, data) {
  const base = {
    indexURL: pathToFileURL(dir + '/').href,
    jsglobals: Object.create(null),
    env: { HOME: '/home/pyodide' },
    stdout: () => {},
    stderr: () => {},
    packages: [],
  };
  const { makeSnapshot } = data;
  wasmModule = data.wasmModule;
  let snapshot = data.snapshot;
  data.snapshot = undefined;
  const instantiate = WebAssembly.instantiateStreaming;
  if (wasmModule instanceof WebAssembly.Module)
    WebAssembly.instantiateStreaming = async (_response, imports) => ({ module: wasmModule, instance: await WebAssembly.instantiate(wasmModule, imports) });
  try {
    if (snapshot) {
      try {
        const py = await loadPyodide({ ...base, _loadSnapshot: snapshot });
        // Pyodide keeps its options: drop the shared image (and 30 MB of reference) now.
        try { py._api.config._loadSnapshot = undefined; } catch {}
        return py;
      } catch (err) {
        parentPort.postMessage({ notice: { snapshotFailed: String(err && err.message || err) } });
      } finally {
        snapshot = undefined;
      }
    }
    const py = await loadPyodide(makeSnapshot ? { ...base, _makeSnapshot: true } : base);
    py.runPython(HARNESS);
    py.runPython(PRELOAD);
    if (makeSnapshot) {
      let image;
      try { image = py.makeMemorySnapshot(); } catch (err) {
        parentPort.postMessage({ notice: { snapshotFailed: String(err && err.message || err) } });
      }
      if (image) parentPort.postMessage({ notice: { snapshot: image } }, [image.buffer]);
    }
    return py;
  } finally {
    WebAssembly.instantiateStreaming = instantiate;
  }
}

async function main() {
  hideNode();
  // Pyodide's modules load while the host compiles the wasm and reads the snapshot.
  const [{ loadPyodide }, , data] = await Promise.all([
    import(pathToFileURL(path.join(dir, 'pyodide.mjs')).href),
    import(pathToFileURL(path.join(dir, 'pyodide.asm.mjs')).href),
    booting,
  ]);
  const py = await boot(loadPyodide, data);
  const run = py.globals.get('_letta_run');
  const schema = py.globals.get('_letta_schema');
  const lockdown = py.globals.get('_letta_lockdown');
  lockdown(letta_bridge);
  lockdown.destroy();
  for (const mod of ['js', 'pyodide_js']) { try { py.unregisterJsModule(mod); } catch {} }
  for (const key of Object.keys(py)) { try { delete py[key]; } catch {} }
  hardenRealm();
  parentPort.on('message', (m) => {
    let reply;
    try {
      reply = m.op === 'schema' ? schema(m.source) : run(m.source, m.entry == null ? undefined : m.entry, JSON.stringify(m.args ?? {}), JSON.stringify(m.env ?? {}), m.outputLimit);
    } catch (err) {
      // Not a Python exception (those are caught by the harness): the runtime itself failed.
      parentPort.postMessage({ id: m.id, fatal: String(err && err.message || err) });
      return;
    }
    parentPort.postMessage({ id: m.id, reply });
  });
  parentPort.postMessage({ ready: true });
}

main().catch((err) => parentPort.postMessage({ fatal: String(err && err.stack || err) }));
`;
