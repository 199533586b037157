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
}

export interface Ticket {
  /**
   * Waits for the turn and claims the conversation. `withFirstAttempt` shares the transaction of
   * the first claim attempt, so work around the claim costs no commit of its own.
   */
  acquire(
    conversationId: string,
    runId: string,
    waitMs: number,
    signal?: AbortSignal,
    withFirstAttempt?: FirstAttempt,
  ): Promise<Claim>;
  cancel(): void;
  /** Nobody in this process was queued for the key when the ticket was taken. */
  readonly first: boolean;
}

/** Work done in the transaction of the first claim attempt. */
export interface FirstAttempt {
  /** Runs before the claim; commits even when the conversation turns out to be held. */
  before?: (tx: Store) => Promise<void>;
  /** Runs after a successful claim, on the claimed row. */
  after?: (tx: Store, conversation: ConversationRecord) => Promise<void>;
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
   * ticket to wait for the turn and claim the conversation, or `cancel` to give the place up.
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
    return {
      first: ahead === undefined,
      cancel: leave,
      acquire: async (conversationId, runId, waitMs, signal, first) => {
        const deadline = Date.now() + waitMs;
        let conversation: ConversationRecord;
        try {
          if (ahead) await waitFor(previous, deadline, signal, conversationId);
          conversation = await this.claim(conversationId, runId, deadline, signal, first);
        } catch (err) {
          leave();
          throw err;
        }
        this.held.set(runId, conversationId);
        // Released for good once a release outside a transaction succeeded. A release inside a
        // transaction may be rolled back (the database went away before the commit), so calling
        // again writes it again; the in-process queue moves on at the first call either way.
        let released = false;
        const release: Release = async (tx) => {
          if (released) return;
          this.held.delete(runId);
          try {
            await (tx ?? this.store).claims.release(conversationId, runId);
            if (!tx) released = true;
          } finally {
            leave();
          }
        };
        return { conversation, release };
      },
    };
  }

  /** Waits for the conversation (FIFO in-process, then the database claim) and returns a release. */
  acquire(conversationId: string, runId: string, waitMs: number, signal?: AbortSignal): Promise<Claim> {
    return this.enqueue(conversationId).acquire(conversationId, runId, waitMs, signal);
  }

  private async claim(
    conversationId: string,
    runId: string,
    deadline: number,
    signal?: AbortSignal,
    first?: FirstAttempt,
  ): Promise<ConversationRecord> {
    let delay = 5;
    for (let attempt = 0; ; attempt++) {
      const now = new Date().toISOString();
      const claimed =
        attempt === 0 && first
          ? await this.store.transaction(async (tx) => {
              await first.before?.(tx);
              const row = await tx.claims.claim(conversationId, runId, now, this.leaseUntil());
              if (row) await first.after?.(tx, row);
              return row;
            })
          : await this.store.claims.claim(conversationId, runId, now, this.leaseUntil());
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
