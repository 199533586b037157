/**
 * One run at a time per conversation, across processes, without Redis.
 *
 * Inside a process, sends to one conversation wait in a FIFO queue. The head of the queue then
 * claims the conversation row in the database (a conditional UPDATE, atomic on SQLite and
 * PostgreSQL alike), polling with backoff while another process holds it. A claim carries a lease
 * renewed while the run lives, so a crashed holder's claim lapses instead of blocking forever.
 * Waiting is bounded: past `waitMs` the send fails with CONVERSATION_BUSY (409).
 */
import { LettaError } from '../errors.js';
import type { ConversationRecord } from '../store/records.js';
import type { BatchedWrite } from '../store/statement.js';
import type { Store } from '../store/store.js';

/**
 * How long a claim outlives its last renewal by default: a crashed holder's conversation and runs
 * are freed after this (`runLeaseMs` in the config, env LETTA_RUN_LEASE_MS). Renewals run at a
 * third of the lease.
 */
export const DEFAULT_LEASE_MS = 30_000;

/**
 * Gives the conversation up. With `tx`, the database claim is released inside that transaction
 * (one commit less on the hot path) and the in-process queue moves on at once: the next claim
 * cannot see the row free before `tx` commits.
 */
export type Release = (tx?: Store) => Promise<void>;

/** A held conversation: the row as claimed (fresh, read in the same statement) and its release. */
export interface Claim {
  conversation: ConversationRecord;
  release: Release;
  /**
   * The caller's own committed write released the claim in the database (the last step's write
   * batch): only the in-process queue and the lease renewal are left to let go of.
   */
  released(): void;
}

export interface Ticket {
  /** Nobody in this process was queued for the key when the ticket was taken. */
  readonly first: boolean;
  /**
   * One claim attempt inside the caller's transaction, without waiting (for a ticket that is
   * `first`): the turn stores its run, claims and starts in one commit. Undefined when another
   * process holds the conversation; then {@link acquire} waits for it.
   */
  claimNow(tx: Store, conversationId: string, runId: string): Promise<Claim | undefined>;
  /**
   * One claim attempt as a write of the caller's batch (for a ticket that is `first`), taken only
   * if the conversation is still as `seen`; when the batch reports 1 changed row for it, `held`
   * makes the claim, with `seen` as the conversation.
   */
  claimUnchanged(seen: ConversationRecord, runId: string): { write: BatchedWrite; held(): Claim };
  /** Waits for the turn (in-process FIFO, then the database claim, with backoff) and claims. */
  acquire(conversationId: string, runId: string, waitMs: number, signal?: AbortSignal): Promise<Claim>;
  /** Gives the queue place up (before a claim). */
  cancel(): void;
}

export class ConversationGate {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly held = new Map<string, string>(); // runId → conversationId
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly store: Store,
    private readonly leaseMs = DEFAULT_LEASE_MS,
  ) {
    this.timer = setInterval(
      () => {
        void this.store.claims.renew([...this.held.keys()], this.leaseUntil()).catch(() => {});
      },
      Math.max(Math.floor(leaseMs / 3), 50),
    );
    this.timer.unref();
  }

  private leaseUntil(): string {
    return new Date(Date.now() + this.leaseMs).toISOString();
  }

  /**
   * Takes a place in the in-process queue for `key` synchronously, so arrival order is kept even
   * when the caller does async work (lookups, inserts) before it waits. Call `acquire` on the
   * ticket to wait for the turn and claim the conversation (or `claimNow` inside a transaction of
   * the caller's), or `cancel` to give the place up.
   */
  enqueue(key: string): Ticket {
    const ahead = this.tails.get(key);
    const previous = ahead ?? Promise.resolve();
    let done!: () => void;
    const mine = new Promise<void>((resolve) => {
      done = resolve;
    });
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      done();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
    // Released for good once a release outside a transaction succeeded. A release inside a
    // transaction may be rolled back (the database went away before the commit), so calling
    // again writes it again; the in-process queue moves on at the first call either way.
    const held = (conversation: ConversationRecord, conversationId: string, runId: string): Claim => {
      this.held.set(runId, conversationId);
      let done = false;
      const release: Release = async (tx) => {
        if (done) return;
        this.held.delete(runId);
        try {
          await (tx ?? this.store).claims.release(conversationId, runId);
          if (!tx) done = true;
        } finally {
          leave();
        }
      };
      const released = () => {
        done = true;
        this.held.delete(runId);
        leave();
      };
      return { conversation, release, released };
    };
    return {
      first: ahead === undefined,
      cancel: leave,
      claimUnchanged: (seen, runId) => ({
        write: this.store.claims.claimUnchangedWrite(
          seen,
          runId,
          new Date().toISOString(),
          this.leaseUntil(),
        ),
        held: () => held(seen, seen.id, runId),
      }),
      claimNow: async (tx, conversationId, runId) => {
        const row = await tx.claims.claim(conversationId, runId, new Date().toISOString(), this.leaseUntil());
        return row ? held(row, conversationId, runId) : undefined;
      },
      acquire: async (conversationId, runId, waitMs, signal) => {
        const deadline = Date.now() + waitMs;
        let conversation: ConversationRecord;
        try {
          if (ahead) await waitFor(previous, deadline, signal, conversationId);
          conversation = await this.claim(conversationId, runId, deadline, signal);
        } catch (err) {
          leave();
          throw err;
        }
        return held(conversation, conversationId, runId);
      },
    };
  }

  private async claim(
    conversationId: string,
    runId: string,
    deadline: number,
    signal?: AbortSignal,
  ): Promise<ConversationRecord> {
    let delay = 5;
    for (;;) {
      const now = new Date().toISOString();
      const claimed = await this.store.claims.claim(conversationId, runId, now, this.leaseUntil());
      if (claimed) return claimed;
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      if (Date.now() + delay > deadline) {
        const holder = await this.store.claims.holder(conversationId);
        throw busy(conversationId, holder);
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 200);
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}

async function waitFor(
  p: Promise<void>,
  deadline: number,
  signal: AbortSignal | undefined,
  id: string,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(busy(id, null)), Math.max(deadline - Date.now(), 0));
  });
  const aborted = signal
    ? new Promise<never>((_, reject) => {
        if (signal.aborted) reject(signal.reason);
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      })
    : null;
  try {
    await Promise.race(aborted ? [p, timeout, aborted] : [p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function busy(conversationId: string, holder: string | null): LettaError {
  return new LettaError(
    'CONVERSATION_BUSY',
    `Conversation ${conversationId} is busy with another run; try again when it finishes`,
    { extra: holder ? { run_id: holder } : {} },
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
