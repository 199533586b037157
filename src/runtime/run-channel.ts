/**
 * Live fan-out of one run's stream events inside this process. Every event carries a `seq_id`
 * (the run's event log, also persisted per step for resume from any process); token deltas are
 * live-only and carry the `seq_id` of the last logged event. A late subscriber first receives the
 * logged events it missed, then live ones, so nothing is skipped or repeated.
 */

export type StreamEvent = { message_type: string; [key: string]: unknown };

export type ChannelItem =
  | { kind: 'event'; seq_id: number; event: StreamEvent }
  | { kind: 'delta'; event: StreamEvent }
  | { kind: 'end' };

export type ChannelListener = (item: ChannelItem) => void;

export class RunChannel {
  private readonly log: { seq_id: number; event: StreamEvent }[] = [];
  private readonly listeners = new Set<ChannelListener>();
  private seq = 0;
  ended = false;
  /** Whether anyone followed this run live (its events are then kept for resume). */
  subscribed = false;

  /** Appends a whole event to the run's log and delivers it; returns its seq_id. */
  publish(event: StreamEvent): number {
    const seq_id = ++this.seq;
    this.log.push({ seq_id, event });
    for (const l of this.listeners) l({ kind: 'event', seq_id, event });
    return seq_id;
  }

  /** Delivers a live-only token delta. */
  delta(event: StreamEvent): void {
    for (const l of this.listeners) l({ kind: 'delta', event });
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const l of this.listeners) l({ kind: 'end' });
    this.listeners.clear();
  }

  get lastSeq(): number {
    return this.seq;
  }

  /** Logged events with seq_id > `after` (for the per-step persistence and for resume). */
  since(after: number): { seq_id: number; event: StreamEvent }[] {
    return this.log.filter((e) => e.seq_id > after);
  }

  /** Replays logged events after `after`, then follows live; returns the unsubscribe function. */
  subscribe(after: number, listener: ChannelListener): () => void {
    this.subscribed = true;
    for (const e of this.since(after)) listener({ kind: 'event', ...e });
    if (this.ended) {
      listener({ kind: 'end' });
      return () => {};
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The channels of the runs this process is executing (dropped a while after each ends). */
export class RunChannels {
  private readonly channels = new Map<string, RunChannel>();

  open(runId: string): RunChannel {
    const c = new RunChannel();
    this.channels.set(runId, c);
    return c;
  }

  get(runId: string): RunChannel | undefined {
    return this.channels.get(runId);
  }

  /** Ends the channel and forgets it after `graceMs` (late resumes read the database). */
  close(runId: string, graceMs = 2_000): void {
    const c = this.channels.get(runId);
    if (!c) return;
    c.end();
    setTimeout(() => {
      if (this.channels.get(runId) === c) this.channels.delete(runId);
    }, graceMs).unref();
  }
}
