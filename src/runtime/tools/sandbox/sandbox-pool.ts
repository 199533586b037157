/**
 * A pool of warm sandbox workers. Each worker is a `node:worker_threads` Worker with an empty
 * environment (`env: {}`), its own V8 heap limits, its stdout/stderr piped away from the server's,
 * and a WebAssembly runtime loaded once (loading Pyodide takes seconds; a call on a warm worker
 * takes milliseconds). A worker runs one job at a time; jobs wait in FIFO order for a free one.
 *
 * Invariants: a job that passes its deadline gets its worker terminated and replaced (nothing
 * inside the worker can stop that); a worker that dies (heap limit, wasm abort) fails only the
 * job it was running and is replaced; the server never waits on a dead worker.
 */
import { Worker } from 'node:worker_threads';

export interface PoolOptions {
  /** Human name for messages ("Python"). */
  label: string;
  /** Worker source (CJS, run with `eval: true`). */
  source: () => string;
  workerData: Record<string, unknown>;
  size: number;
  heapMb: number;
}

export interface PoolReply {
  ok: boolean;
  /** The worker's answer (when ok). */
  reply?: unknown;
  /** Why the job failed outside the guest code (timeout, worker died). */
  error?: string;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  busy: boolean;
  alive: boolean;
  pending?: { id: number; resolve: (r: PoolReply) => void; timer: NodeJS.Timeout };
}

export class SandboxPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Array<(slot: Slot) => void> = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: PoolOptions) {}

  /** Starts the workers now (the server calls this at start so the first tool call is warm). */
  warm(): Promise<void> {
    while (this.slots.length < this.options.size) this.slots.push(this.spawn());
    return Promise.all(this.slots.map((s) => s.ready.catch(() => undefined))).then(() => undefined);
  }

  /** Runs one job on a free worker; never rejects. */
  async run(message: Record<string, unknown>, timeoutMs: number): Promise<PoolReply> {
    if (this.closed) return { ok: false, error: `${this.options.label} sandbox is shut down` };
    const slot = await this.acquire();
    try {
      await slot.ready;
    } catch (err) {
      this.replace(slot);
      return { ok: false, error: `${this.options.label} sandbox failed to start: ${(err as Error).message}` };
    }
    const id = this.nextId++;
    return new Promise<PoolReply>((resolve) => {
      const timer = setTimeout(() => {
        this.replace(slot);
        resolve({ ok: false, error: `timed out after ${timeoutMs / 1000} s (the sandbox was stopped)` });
      }, timeoutMs);
      slot.pending = { id, resolve, timer };
      slot.worker.postMessage({ ...message, id });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }

  private acquire(): Promise<Slot> {
    if (this.slots.length < this.options.size) {
      const slot = this.spawn();
      this.slots.push(slot);
      slot.busy = true;
      return Promise.resolve(slot);
    }
    const free = this.slots.find((s) => !s.busy);
    if (free) {
      free.busy = true;
      return Promise.resolve(free);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(slot: Slot): void {
    const next = this.waiting.shift();
    if (next && slot.alive) next(slot);
    else slot.busy = false;
  }

  private spawn(): Slot {
    const worker = new Worker(this.options.source(), {
      eval: true,
      env: {},
      argv: [],
      execArgv: [],
      stdout: true,
      stderr: true,
      workerData: this.options.workerData,
      resourceLimits: { maxOldGenerationSizeMb: this.options.heapMb, maxYoungGenerationSizeMb: 16 },
    });
    worker.unref();
    worker.stdout.resume();
    worker.stderr.resume();
    const slot: Slot = { worker, busy: false, alive: true, ready: Promise.resolve() };
    slot.ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (m: { id?: number; ready?: boolean; fatal?: string; reply?: unknown }) => {
        if (m.ready) return resolve();
        if (m.id === undefined) return reject(new Error(m.fatal ?? 'worker failed'));
        const p = slot.pending;
        if (!p || p.id !== m.id) return;
        clearTimeout(p.timer);
        slot.pending = undefined;
        if (m.fatal !== undefined) {
          this.replace(slot);
          p.resolve({
            ok: false,
            error: `the ${this.options.label} runtime failed (${m.fatal}); it was restarted`,
          });
        } else {
          this.release(slot);
          p.resolve({ ok: true, reply: m.reply });
        }
      });
      const died = (err: Error) => {
        reject(err);
        const p = slot.pending;
        if (p) {
          clearTimeout(p.timer);
          slot.pending = undefined;
          p.resolve({ ok: false, error: `the ${this.options.label} sandbox stopped: ${err.message}` });
        }
        if (slot.alive) this.replace(slot);
      };
      worker.on('error', died);
      worker.on('exit', (code) => died(new Error(`worker exited with code ${code}`)));
    });
    slot.ready.catch(() => undefined);
    return slot;
  }

  /** Terminates a slot's worker and puts a fresh one in its place (it warms up in the background). */
  private replace(slot: Slot): void {
    if (!slot.alive) return;
    slot.alive = false;
    void slot.worker.terminate();
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    if (this.closed) {
      this.slots.splice(i, 1);
      return;
    }
    const fresh = this.spawn();
    this.slots[i] = fresh;
    this.release(fresh);
  }
}
