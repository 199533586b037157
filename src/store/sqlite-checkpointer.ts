/**
 * WAL checkpoints off the request path, with a bound on the WAL's size. SQLite's automatic
 * checkpoint runs inside whichever commit crosses the threshold, copying pages into the database
 * file and fsyncing it on the event loop: measured on the send path, it made the average commit
 * about twice as slow (`LETTA_SLOW_QUERY_MS` on `bench/send-profile.ts`). Here a worker thread
 * with its own connection runs PASSIVE checkpoints on a timer (they never block anyone), and the
 * main connection's automatic checkpoint is turned off.
 *
 * PASSIVE checkpoints alone never shrink the log: SQLite writes the WAL from its beginning again
 * only when a write begins after a checkpoint copied *every* frame, and under steady load a new
 * commit always lands first (a 5-minute soak of 16 writers grew it to 14 GB). A TRUNCATE
 * checkpoint from the worker does not help either: it must win the write lock from a main thread
 * that takes it back between every two of its polls. So when the WAL passes `truncateBytes` the
 * worker pauses and asks the main thread, which runs the TRUNCATE checkpoint itself between two
 * of its own transactions: no lock to win, and only the frames PASSIVE has not copied yet left
 * to copy (a few milliseconds on the event loop, once per `truncateBytes` written).
 * `journal_size_limit` caps what a reset log keeps on disk.
 *
 * If the worker cannot start or dies, the automatic checkpoint is turned back on, so the WAL
 * never grows without bound.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { statSync } = require('node:fs');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
const walPath = workerData.path + '-wal';
const walSize = () => { try { return statSync(walPath).size; } catch { return 0; } };
const checkpoint = () => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {} };
let waiting = false; // the main thread is truncating: stay out of its way
let lastPassive = 0;
// The size is looked at often (a stat), the log copied less often (PASSIVE every intervalMs);
// past the bound, the frames are copied here first so the main thread has little left to copy.
const tick = () => {
  if (waiting) return;
  const over = walSize() > workerData.truncateBytes;
  if (over || Date.now() - lastPassive >= workerData.intervalMs) {
    checkpoint();
    lastPassive = Date.now();
  }
  if (over) {
    waiting = true;
    parentPort.postMessage('truncate');
  }
};
const timer = setInterval(tick, Math.min(50, workerData.intervalMs));
parentPort.on('message', (m) => {
  if (m === 'truncated') { waiting = false; return; }
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

/** The default AUTOCHECKPOINT of SQLite (pages), restored when the worker is gone. */
const SQLITE_AUTOCHECKPOINT = 1000;

/** The WAL size past which the log is truncated (under load it peaks a little above this). */
export const DEFAULT_WAL_TRUNCATE_BYTES = 32 * 1024 * 1024;

export interface CheckpointerOptions {
  intervalMs?: number | undefined;
  /** WAL size that triggers a TRUNCATE checkpoint. */
  truncateBytes?: number | undefined;
  /** Told after each TRUNCATE checkpoint whether it could finish (false: busy or an error). */
  onTruncate?: ((result: { truncated: boolean; error?: string }) => void) | undefined;
}

export class SqliteCheckpointer {
  private readonly worker: Worker;
  private stopped = false;

  constructor(
    private readonly sqlite: SQLite.Database,
    path: string,
    private readonly options: CheckpointerOptions = {},
  ) {
    const intervalMs = options.intervalMs ?? 250;
    const truncateBytes = options.truncateBytes ?? DEFAULT_WAL_TRUNCATE_BYTES;
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver, path, intervalMs, truncateBytes },
      // A small heap: the worker only runs a pragma.
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 },
    });
    this.worker.unref();
    this.worker.on('message', () => this.truncate());
    sqlite.pragma('wal_autocheckpoint = 0');
    // A reset log is cut back to this size rather than left at its largest.
    sqlite.pragma(`journal_size_limit = ${truncateBytes}`);
    const fallBack = () => {
      if (!this.stopped) this.sqlite.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT}`);
    };
    this.worker.on('error', fallBack);
    this.worker.on('exit', fallBack);
  }

  /**
   * Truncates the WAL on the main connection, between two transactions (a transaction spans
   * awaits, so wait for the connection to be free), then lets the worker go on.
   */
  private truncate(): void {
    if (this.stopped) return;
    if (this.sqlite.inTransaction) {
      setImmediate(() => this.truncate());
      return;
    }
    let result: { truncated: boolean; error?: string };
    try {
      const [row] = this.sqlite.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      result = { truncated: row?.busy === 0 };
    } catch (err) {
      result = { truncated: false, error: (err as Error).message };
    }
    this.options.onTruncate?.(result);
    this.worker.postMessage('truncated');
  }

  /** Stops the worker (its last checkpoint done); the main connection checkpoints on close. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    // Held while stopping: with nothing else left (a failed start), the process would exit
    // in the middle of this await.
    this.worker.ref();
    this.worker.postMessage('stop');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 2000)))]);
    clearTimeout(timer);
    await this.worker.terminate();
    this.sqlite.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT}`);
  }
}
