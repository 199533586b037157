/**
 * Run ends that could not be written because the database was away (connection cut, restart,
 * full disk). Until the end is written, the run stays `running` and its conversation stays
 * claimed in the database, so the next send to it would wait for the claim's lease (30 s) to
 * lapse. Instead the end is kept here and written again every {@link RETRY_MS} until the database
 * takes it, and a send to the same conversation writes it first: the conversation is free within
 * one retry of the database's return, and while the database is still away that send fails at
 * once with the fault instead of waiting.
 */
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';

const RETRY_MS = 250;

/** Writes a run's end (status, stop reason, claim release) in the transaction it is given. */
export type RunEndWrite = (tx: Store) => Promise<void>;

interface PendingEnd {
  conversationId: string;
  write: RunEndWrite;
}

export class PendingRunEnds {
  private readonly pending = new Map<string, PendingEnd>(); // run id → its end
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  /** Keeps the end of `runId` to write once the database is back. */
  add(runId: string, conversationId: string, write: RunEndWrite): void {
    this.pending.set(runId, { conversationId, write });
    this.log.warn({ run_id: runId, pending: this.pending.size }, 'run end kept until the database is back');
    this.schedule();
  }

  /**
   * Writes the pending ends of `conversationId` now; throws the database's error if it still
   * cannot take them (the caller's send then fails at once with that fault).
   */
  async settle(conversationId: string): Promise<void> {
    for (const [runId, end] of this.pending) {
      if (end.conversationId !== conversationId) continue;
      await this.store.transaction(end.write);
      this.pending.delete(runId);
    }
  }

  /** Writes every pending end it can; the rest wait for the next retry. */
  flush(): Promise<void> {
    this.flushing ??= this.flushAll().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async flushAll(): Promise<void> {
    for (const [runId, end] of this.pending) {
      try {
        await this.store.transaction(end.write);
        this.pending.delete(runId);
        this.log.info({ run_id: runId }, 'run end written after the database came back');
      } catch {
        return; // still away: try again later
      }
    }
  }

  private schedule(): void {
    if (this.timer || this.pending.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush().then(() => this.schedule());
    }, RETRY_MS);
    this.timer.unref();
  }
}
