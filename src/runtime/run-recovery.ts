/**
 * Crash recovery for runs. A process killed mid-run leaves its runs active and its conversation
 * claims held; this marks those runs failed (their history is already well-formed: each step was
 * written in one transaction) and frees the conversations.
 */
import { LettaError } from '../errors.js';
import type { Logger } from '../logger.js';
import { nowIso } from '../store/records.js';
import type { Store } from '../store/store.js';

/**
 * At start. With `exclusive` on a database one process owns (SQLite: this is the only server on
 * the file) every active run is an orphan; on a database shared by processes (PostgreSQL) only
 * runs whose claim lease lapsed.
 */
export async function recoverOrphanRuns(store: Store, exclusive: boolean): Promise<number> {
  const at = nowIso();
  if (exclusive && !store.dialect.sharedByProcesses) {
    await store.claims.releaseAll();
    return store.runs.failOrphans(null, at);
  }
  return sweep(store, 0);
}

/**
 * Periodically (every half lease, at most 15 s) fails runs whose holder vanished (lapsed lease)
 * or that never started: a live process gives up on a queued run after `waitMs`, so a run still
 * `created` two leases after that belongs to a process that is gone.
 */
export function startRunSweeper(store: Store, waitMs: number, leaseMs: number, log: Logger): NodeJS.Timeout {
  const timer = setInterval(
    () => {
      sweep(store, waitMs + 2 * leaseMs).then(
        (n) => n > 0 && log.warn({ failed: n }, 'failed runs whose process is gone'),
        (err: unknown) =>
          err instanceof LettaError && err.code === 'DATABASE_UNAVAILABLE'
            ? log.warn({ detail: err.message }, 'run sweeper waits for the database')
            : log.error({ err }, 'run sweeper failed'),
      );
    },
    Math.min(15_000, leaseMs / 2),
  );
  timer.unref();
  return timer;
}

async function sweep(store: Store, staleCreatedMs: number): Promise<number> {
  const at = nowIso();
  let n = 0;
  for (const runId of await store.claims.releaseLapsed(at)) {
    const run = await store.runs.getAny(runId);
    if (
      run &&
      (await store.runs.transition(
        run.organization_id,
        runId,
        'failed',
        { stop_reason: 'error', completed_at: at },
        at,
      ))
    )
      n++;
  }
  if (staleCreatedMs > 0)
    n += await store.runs.failStaleCreated(new Date(Date.now() - staleCreatedMs).toISOString(), at);
  return n;
}
