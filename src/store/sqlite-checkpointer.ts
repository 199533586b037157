/**
 * WAL checkpoints off the request path. SQLite's automatic checkpoint runs inside whichever commit
 * crosses the threshold, copying pages into the database file and fsyncing it on the event loop:
 * measured on the send path, it made the average commit about twice as slow
 * (`LETTA_SLOW_QUERY_MS` on `bench/send-profile.ts`). Here a worker thread with its own
 * connection runs PASSIVE checkpoints (they never block readers or writers) on a timer, and the
 * main connection's automatic checkpoint is turned off. If the worker cannot start or dies, the
 * automatic checkpoint is turned back on, so the WAL never grows without bound.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
const checkpoint = (mode) => { try { db.pragma('wal_checkpoint(' + mode + ')'); } catch {} };
const timer = setInterval(() => checkpoint('PASSIVE'), workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint('PASSIVE');
  db.close();
  parentPort.close();
});
`;

/** The default AUTOCHECKPOINT of SQLite (pages), restored when the worker is gone. */
const SQLITE_AUTOCHECKPOINT = 1000;

export class SqliteCheckpointer {
  private readonly worker: Worker;
  private stopped = false;

  constructor(
    private readonly sqlite: SQLite.Database,
    path: string,
    intervalMs = 250,
  ) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver, path, intervalMs },
      // A small heap: the worker only runs a pragma.
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 },
    });
    this.worker.unref();
    sqlite.pragma('wal_autocheckpoint = 0');
    const fallBack = () => {
      if (!this.stopped) this.sqlite.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT}`);
    };
    this.worker.on('error', fallBack);
    this.worker.on('exit', fallBack);
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
