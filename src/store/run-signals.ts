/**
 * Run signals between processes sharing a PostgreSQL database: "run R stored new events" and
 * "run R was cancelled". Sent with `pg_notify` inside the transaction that wrote what they
 * announce, so PostgreSQL delivers them only at its commit (never before the rows are
 * visible) and drops them with a rollback. One dedicated connection per process LISTENs and
 * dispatches to the followers of each run; it reconnects with backoff when the connection drops
 * (followers also poll slowly, so a signal lost during a reconnect costs a poll interval, never
 * an event).
 *
 * On SQLite one process owns the database (a process lock), so the run's own process serves
 * every follower from memory: signals go through an in-process emitter.
 */
import { type Kysely, sql } from 'kysely';
import type pg from 'pg';
import type { Database } from './schema.js';
import { type BatchedWrite, Statement } from './statement.js';

export type RunSignalKind = 'events' | 'cancel';

/** The PostgreSQL channel all run signals share (payload: `<kind>:<run id>`). */
const CHANNEL = 'letta_runs';

const NOTIFY = new Statement('SELECT pg_notify(?, ?)');

type Listener = () => void;

export class RunSignals {
  private readonly listeners = new Map<string, Set<Listener>>(); // `<kind>:<run id>` → listeners
  private client: pg.Client | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;

  /** `connect` makes the LISTEN connection (PostgreSQL); without it signals stay in-process. */
  constructor(
    private readonly connect?: () => pg.Client,
    private readonly onError?: (err: Error) => void,
  ) {}

  /** Starts listening (PostgreSQL). Resolves once LISTEN is in place, or after a failed try. */
  async start(): Promise<void> {
    if (!this.connect || this.closed) return;
    const client = this.connect();
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('LISTEN connection ended')));
    client.on('notification', (n) => {
      if (n.channel === CHANNEL && n.payload) this.dispatch(n.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      this.client = client;
    } catch (err) {
      this.lost(client, err as Error);
    }
  }

  /** Signals `kind` for `runId` when `tx` commits (PostgreSQL), or now (in-process). */
  async send(tx: Kysely<Database>, kind: RunSignalKind, runId: string): Promise<void> {
    if (this.connect) await sql`select pg_notify(${CHANNEL}, ${`${kind}:${runId}`})`.execute(tx);
    else this.dispatch(`${kind}:${runId}`);
  }

  /**
   * {@link send} as a write of a batch: PostgreSQL delivers it when the batch commits; in
   * process it is dispatched once the batch has committed.
   */
  sendWrite(kind: RunSignalKind, runId: string): BatchedWrite {
    const payload = `${kind}:${runId}`;
    return this.connect ? NOTIFY.write([CHANNEL, payload]) : { afterCommit: () => this.dispatch(payload) };
  }

  /** Calls `listener` on each `kind` signal for `runId`; returns the unsubscribe. */
  on(kind: RunSignalKind, runId: string, listener: Listener): () => void {
    const key = `${kind}:${runId}`;
    const set = this.listeners.get(key) ?? new Set<Listener>();
    this.listeners.set(key, set);
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(key) === set) this.listeners.delete(key);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private dispatch(payload: string): void {
    for (const l of this.listeners.get(payload) ?? []) l();
  }

  private lost(client: pg.Client, err: Error): void {
    if (this.client === client) this.client = undefined;
    client.removeAllListeners('notification');
    client.removeAllListeners('end');
    client.on('error', () => {});
    void client.end().catch(() => {});
    if (this.closed || this.retry) return;
    this.onError?.(err);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.start();
    }, 1_000);
    this.retry.unref();
  }
}

/** The run signals of a process: LISTEN/NOTIFY on PostgreSQL (`pgUri`), in-process on SQLite. */
export async function openRunSignals(
  pgUri: string | undefined,
  onError: (err: Error) => void,
): Promise<RunSignals> {
  if (!pgUri) return new RunSignals();
  const { default: pgModule } = await import('pg');
  const signals = new RunSignals(() => new pgModule.Client({ connectionString: pgUri }), onError);
  await signals.start();
  return signals;
}
