/**
 * What a Python worker boots from, so that a fresh worker answers in about a second instead of
 * the 5 to 15 s a cold Pyodide takes (almost all of it CPython's own start-up, not the wasm
 * compile):
 *
 * - the wasm module, compiled once in the server's thread and handed to every worker (a
 *   `WebAssembly.Module` is shared between threads, its code too);
 * - a Pyodide memory snapshot: the interpreter's linear memory once CPython has started, the
 *   harness is defined and the modules it uses are imported. It is taken by the first worker
 *   that boots the slow way, *before* the lockdown and before any organization's code ran, so
 *   it holds nothing of anyone's; every worker (restored or not) then applies the lockdown and
 *   hardens its realm itself (`python-worker-source.ts`). The snapshot is wasm memory only: the
 *   JS realm, where the isolation lives, is never part of it.
 *
 * On disk (`cacheDir`, LETTA_HOME/cache): `pyodide-<version>-<key>.snapshot`, the key a hash of
 * the worker's source (its boot options, the harness and the preloaded modules), written atomically (temporary file, then rename), with
 * a SHA-256 of its body checked on read. A missing, corrupt or foreign file (or one Pyodide
 * refuses) is deleted and the workers boot normally, and the next slow boot writes a new one
 * (and deletes the snapshots of other versions).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pythonWorkerSource } from './python-worker-source.js';

const MAGIC = Buffer.from('LETTAPY1');
/** The WebAssembly global (this project's TypeScript lib has its types only). */
const wasm = (
  globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WebAssembly.Module> } }
).WebAssembly;
const HEADER = MAGIC.length + 32;

/** What a worker gets in its boot message (see `python-worker-source.ts`). */
export interface PythonBootData {
  /** The compiled `pyodide.asm.wasm` (absent: the worker compiles it). */
  wasmModule?: WebAssembly.Module | undefined;
  /**
   * A memory snapshot to restore, in a SharedArrayBuffer: handed to every worker without a copy
   * (a 30 MB structured clone costs ~0.4 s). The worker drops every reference to it once
   * restored, before any guest code runs, so no guest can reach (and alter) what the next worker
   * boots from.
   */
  snapshot?: Uint8Array | undefined;
  /** Boot normally and send back a snapshot taken before the lockdown. */
  makeSnapshot?: boolean | undefined;
}

export class PythonBoot {
  private wasmModule: WebAssembly.Module | undefined;
  private image: Uint8Array | undefined;
  /** A worker has been asked for a snapshot and has not answered yet. */
  private making = false;
  private prepared: Promise<void> | undefined;
  /** Where the snapshot lives on disk (undefined: kept in memory only). */
  readonly file: string | undefined;

  constructor(
    private readonly pyodideDir: string,
    cacheDir: string | undefined,
  ) {
    const version = String(
      (JSON.parse(readFileSync(join(pyodideDir, 'package.json'), 'utf8')) as { version?: string }).version,
    );
    const key = createHash('sha256').update(`${version}\0${pythonWorkerSource()}`).digest('hex').slice(0, 16);
    this.file = cacheDir ? join(cacheDir, `pyodide-${version}-${key}.snapshot`) : undefined;
  }

  /** Compiles the wasm and reads the snapshot from disk (once; never rejects). */
  prepare(): Promise<void> {
    this.prepared ??= Promise.all([
      readFile(join(this.pyodideDir, 'pyodide.asm.wasm'))
        .then((bytes) => wasm.compile(bytes))
        .then((m) => {
          this.wasmModule = m;
        })
        .catch(() => undefined),
      this.readImage(),
    ]).then(() => undefined);
    return this.prepared;
  }

  /** The boot data of the next worker: one at a time is asked to make the snapshot. */
  next(): PythonBootData {
    if (this.image) return { wasmModule: this.wasmModule, snapshot: this.image };
    const makeSnapshot = !this.making;
    this.making = true;
    return { wasmModule: this.wasmModule, makeSnapshot };
  }

  /** Whether workers restore from a snapshot now. */
  hasSnapshot(): boolean {
    return this.image !== undefined;
  }

  /** A snapshot from a worker that booted normally: kept, and written to disk. */
  accept(image: Uint8Array): void {
    this.making = false;
    if (this.image || !(image instanceof Uint8Array) || image.byteLength < 1024) return;
    this.image = shared(image);
    if (!this.file) return;
    const sum = createHash('sha256').update(image).digest();
    const tmp = `${this.file}.${process.pid}.${Date.now()}.tmp`;
    try {
      const dir = dirname(this.file);
      mkdirSync(dir, { recursive: true });
      writeFileSync(tmp, Buffer.concat([MAGIC, sum, image]), { mode: 0o600 });
      renameSync(tmp, this.file);
      // Snapshots of other Pyodide versions or harnesses are never read again.
      const own = basename(this.file);
      for (const name of readdirSync(dir))
        if (name !== own && /^pyodide-.*\.snapshot$/.test(name)) rmSync(join(dir, name), { force: true });
    } catch {
      rmSync(tmp, { force: true });
    }
  }

  /** A worker could not take or restore a snapshot: forget it (and its file); boot normally. */
  reject(): void {
    this.making = false;
    this.image = undefined;
    if (this.file) rmSync(this.file, { force: true });
  }

  /** A worker asked for a snapshot died before sending it: let the next one try. */
  abandoned(): void {
    this.making = false;
  }

  private async readImage(): Promise<void> {
    if (!this.file) return;
    let bytes: Buffer;
    try {
      bytes = await readFile(this.file);
    } catch {
      return;
    }
    const body = bytes.subarray(HEADER);
    const sound =
      bytes.length > HEADER &&
      bytes.subarray(0, MAGIC.length).equals(MAGIC) &&
      createHash('sha256').update(body).digest().equals(bytes.subarray(MAGIC.length, HEADER));
    if (sound) this.image = shared(body);
    else rmSync(this.file, { force: true });
  }
}

/** A copy of `bytes` in a SharedArrayBuffer. */
function shared(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
  copy.set(bytes);
  return copy;
}
