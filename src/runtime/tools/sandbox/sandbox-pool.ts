/**
 * A pool of warm sandbox workers. Each worker is a `node:worker_threads` Worker with an empty
 * environment (`env: {}`), its own V8 heap limits, its stdout/stderr piped away from the server's,
 * and a WebAssembly runtime loaded once (loading Pyodide takes seconds; a call on a warm worker
 * takes milliseconds). A worker runs one job at a time; jobs wait in FIFO order for a free one.
 *
 * Invariants: a job that passes its deadline gets its worker terminated and replaced (nothing
 * inside the worker can stop that); a worker that dies (heap limit, wasm abort) fails only the
 * job it was running and is replaced; the server never waits on a dead worker.
 *
 * Owners: a job may name an owner (the organization). A worker that ran a job of one owner only
 * ever runs jobs of that owner afterwards; when another owner needs a worker and none is fresh,
 * an idle worker of someone else is terminated and a fresh one takes its place. So whatever guest
 * code leaves behind in a runtime (Python globals, patched modules, files in the in-memory file
 * system) is seen by the same organization at most. Jobs without an owner (QuickJS, whose every
 * run is a fresh runtime) use any worker.
 *
 * Bridge: when `bridge` is set, each worker gets a SharedArrayBuffer; a `{bridge}` message from
 * the worker is answered by `bridge(request, deadline)` written into that buffer (see
 * `bridge-source.ts`). The answer is capped to the buffer.
 *
 * Notices: a worker may send `{notice}` messages while it boots (the Python worker's memory
 * snapshot, see `python-boot.ts`); they go to `onNotice`. Once a worker is ready (guest code may
 * run on it) its notices are ignored, so guest code can never feed anything to the next workers.
 */
import { Worker } from 'node:worker_threads';

export interface PoolOptions {
  /** Human name for messages ("Python"). */
  label: string;
  /** Worker source (CJS, run with `eval: true`). */
  source: () => string;
  workerData: Record<string, unknown>;
  /**
   * Sent to each new worker as its first message (`{boot}`) once resolved; the worker starts
   * meanwhile (the Python worker: the compiled wasm and the snapshot, see `python-boot.ts`).
   */
  bootData?: (() => Promise<Record<string, unknown>>) | undefined;
  /** A notice a worker sent before it was ready (later ones are dropped). */
  onNotice?: ((notice: Record<string, unknown>) => void) | undefined;
  /** A worker ended (or was replaced) before it was ready. */
  onBootFailed?: (() => void) | undefined;
  size: number;
  heapMb: number;
  /** Answers a worker's bridge request (fetch); absent: no buffer, the worker refuses itself. */
  bridge?: ((request: string, deadline: number) => Promise<string>) | undefined;
  /** Bytes of a bridge answer (the buffer's size less its header). */
  bridgeBytes?: number | undefined;
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
  /** The owner of the jobs it ran (undefined: fresh, or a pool whose jobs name none). */
  owner?: string | undefined;
  shared?: SharedArrayBuffer | undefined;
  pending?: { id: number; resolve: (r: PoolReply) => void; timer: NodeJS.Timeout; deadline: number };
}

interface Waiter {
  owner: string | undefined;
  resolve: (slot: Slot) => void;
}

export class SandboxPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Waiter[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: PoolOptions) {}

  /** Starts the workers now (the server calls this at start so the first tool call is warm). */
  warm(): Promise<void> {
    while (this.slots.length < this.options.size) this.slots.push(this.spawn());
    return Promise.all(this.slots.map((s) => s.ready.catch(() => undefined))).then(() => undefined);
  }

  /** Runs one job on a free worker; never rejects. */
  async run(message: Record<string, unknown>, timeoutMs: number, owner?: string): Promise<PoolReply> {
    if (this.closed) return { ok: false, error: `${this.options.label} sandbox is shut down` };
    const slot = await this.acquire(owner);
    if (owner !== undefined) slot.owner = owner;
    try {
      await slot.ready;
    } catch (err) {
      this.release(this.replace(slot));
      return { ok: false, error: `${this.options.label} sandbox failed to start: ${(err as Error).message}` };
    }
    const id = this.nextId++;
    return new Promise<PoolReply>((resolve) => {
      const timer = setTimeout(() => {
        slot.pending = undefined;
        this.release(this.replace(slot));
        resolve({ ok: false, error: `timed out after ${timeoutMs / 1000} s (the sandbox was stopped)` });
      }, timeoutMs);
      slot.pending = { id, resolve, timer, deadline: Date.now() + timeoutMs };
      slot.worker.postMessage({ ...message, id });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }

  /** Workers (for tests and metrics): how many, and whose. */
  owners(): Array<string | undefined> {
    return this.slots.map((s) => s.owner);
  }

  private acquire(owner: string | undefined): Promise<Slot> {
    const idle = this.slots.filter((s) => !s.busy && s.alive);
    const free =
      (owner === undefined ? idle[0] : idle.find((s) => s.owner === owner)) ??
      idle.find((s) => s.owner === undefined);
    if (free) {
      free.busy = true;
      return Promise.resolve(free);
    }
    if (this.slots.length < this.options.size) {
      const slot = this.spawn();
      this.slots.push(slot);
      slot.busy = true;
      return Promise.resolve(slot);
    }
    const other = idle[0];
    if (other) {
      // Someone else's idle worker: never reused across owners, replaced by a fresh one.
      const fresh = this.replace(other);
      if (fresh) {
        fresh.busy = true;
        return Promise.resolve(fresh);
      }
    }
    return new Promise((resolve) => this.waiting.push({ owner, resolve }));
  }

  /** Hands a worker that just became free to the first waiter (a fresh one if the owner differs). */
  private release(slot: Slot | undefined): void {
    if (!slot) return;
    const next = this.waiting.shift();
    if (!next || !slot.alive) {
      slot.busy = false;
      if (next) this.waiting.unshift(next);
      return;
    }
    if (next.owner === undefined || slot.owner === undefined || slot.owner === next.owner) {
      slot.busy = true;
      next.resolve(slot);
      return;
    }
    const fresh = this.replace(slot);
    if (!fresh) {
      this.waiting.unshift(next);
      return;
    }
    fresh.busy = true;
    next.resolve(fresh);
  }

  private spawn(): Slot {
    const shared = this.options.bridge
      ? new SharedArrayBuffer(8 + (this.options.bridgeBytes ?? 8 * 1024 * 1024))
      : undefined;
    const worker = new Worker(this.options.source(), {
      eval: true,
      env: {},
      argv: [],
      execArgv: [],
      stdout: true,
      stderr: true,
      workerData: { ...this.options.workerData, bridge: shared },
      resourceLimits: { maxOldGenerationSizeMb: this.options.heapMb, maxYoungGenerationSizeMb: 16 },
    });
    worker.unref();
    const bootData = this.options.bootData;
    if (bootData)
      void bootData()
        .catch(() => ({}))
        .then((boot) => {
          if (slot.alive) worker.postMessage({ boot });
        });
    worker.stdout.resume();
    worker.stderr.resume();
    const slot: Slot = { worker, busy: false, alive: true, ready: Promise.resolve(), shared };
    let booted = false;
    slot.ready = new Promise<void>((resolve, reject) => {
      worker.on(
        'message',
        (m: {
          id?: number;
          ready?: boolean;
          fatal?: string;
          reply?: unknown;
          bridge?: string;
          notice?: Record<string, unknown>;
        }) => {
          if (m.bridge !== undefined) return void this.answerBridge(slot, m.bridge);
          if (m.notice !== undefined) {
            if (!booted && typeof m.notice === 'object' && m.notice) this.options.onNotice?.(m.notice);
            return;
          }
          if (m.ready) {
            booted = true;
            return resolve();
          }
          if (m.id === undefined) return reject(new Error(m.fatal ?? 'worker failed'));
          const p = slot.pending;
          if (!p || p.id !== m.id) return;
          clearTimeout(p.timer);
          slot.pending = undefined;
          if (m.fatal !== undefined) {
            this.release(this.replace(slot));
            p.resolve({
              ok: false,
              error: `the ${this.options.label} runtime failed (${m.fatal}); it was restarted`,
            });
          } else {
            this.release(slot);
            p.resolve({ ok: true, reply: m.reply });
          }
        },
      );
      const died = (err: Error) => {
        if (!booted) {
          booted = true;
          this.options.onBootFailed?.();
        }
        reject(err);
        const p = slot.pending;
        if (p) {
          clearTimeout(p.timer);
          slot.pending = undefined;
          p.resolve({ ok: false, error: `the ${this.options.label} sandbox stopped: ${err.message}` });
        }
        if (slot.alive) this.release(this.replace(slot));
      };
      worker.on('error', died);
      worker.on('exit', (code) => died(new Error(`worker exited with code ${code}`)));
    });
    slot.ready.catch(() => undefined);
    return slot;
  }

  /** Answers a bridge request of the job running on `slot` (never throws; the worker waits). */
  private async answerBridge(slot: Slot, request: string): Promise<void> {
    const shared = slot.shared;
    const p = slot.pending;
    if (!shared) return;
    let answer: string;
    try {
      answer =
        p && this.options.bridge
          ? await this.options.bridge(request, p.deadline)
          : JSON.stringify({ error: 'no call is running' });
    } catch (err) {
      answer = JSON.stringify({ error: (err as Error).message });
    }
    if (!slot.alive || slot.pending !== p) return;
    const bytes = Buffer.from(answer, 'utf8');
    const room = shared.byteLength - 8;
    const body =
      bytes.length <= room
        ? bytes
        : Buffer.from(
            JSON.stringify({ error: `the answer is larger than the sandbox buffer (${room} bytes)` }),
          );
    const flag = new Int32Array(shared, 0, 2);
    new Uint8Array(shared, 8).set(body);
    Atomics.store(flag, 1, body.length);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  }

  /**
   * Terminates a slot's worker and puts a fresh one in its place (it warms up in the
   * background). Returns the fresh slot, not busy, for the caller to hand on.
   */
  private replace(slot: Slot): Slot | undefined {
    if (!slot.alive) return undefined;
    slot.alive = false;
    void slot.worker.terminate();
    const i = this.slots.indexOf(slot);
    if (i < 0) return undefined;
    if (this.closed) {
      this.slots.splice(i, 1);
      return undefined;
    }
    const fresh = this.spawn();
    this.slots[i] = fresh;
    return fresh;
  }
}
