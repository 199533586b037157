/**
 * The end of a run as written: its status, stop reason and usage, the agent's last stop reason,
 * the events kept for resume, and the release of the conversation claim, in one transaction
 * (the last step's, or one of its own).
 */
import { LettaError } from '../errors.js';
import type { RequestContext } from '../request-context.js';
import type { RunRecord, RunStatus } from '../store/records.js';
import { nowIso } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { Release } from './conversation-gate.js';
import type { RunChannel, StreamEvent } from './run-channel.js';
import { runStatusFor, type StopReason, type Usage } from './stop-reasons.js';

export interface RunEnd {
  stopReason: StopReason;
  usage: Usage | undefined;
  metadata?: Record<string, string> | undefined;
  events: { seq_id: number; payload: unknown }[];
}

/** Marks the run ended, records the agent's last stop reason, stores events, releases the claim. */
export async function writeRunEnd(
  tx: Store,
  ctx: RequestContext,
  run: RunRecord,
  end: RunEnd,
  release?: Release,
): Promise<RunRecord> {
  const at = nowIso();
  const { stopReason, usage, metadata } = end;
  const changed = await tx.runs.transition(
    ctx.org,
    run.id,
    runStatusFor(stopReason),
    {
      stop_reason: stopReason,
      completed_at: at,
      ...(metadata ? { metadata } : {}),
      ...(usage ? { usage } : {}),
    },
    at,
  );
  await tx.agents.setLastStopReason(ctx.org, run.agent_id, stopReason, at);
  await tx.runs.appendEvents(ctx.org, run.id, end.events, at);
  await release?.(tx);
  // Cancelled elsewhere first: the run keeps that status.
  return endedRun(run, changed ? runStatusFor(stopReason) : 'cancelled', stopReason, at, usage, metadata);
}

/**
 * The run's events to store for resume, after `storedSeq` (those already stored with earlier
 * steps): the ones published since, then `pending` (published after the commit), then `tail`
 * (the stop reason and usage, when the run ends). Stored with each step, a follower in another
 * process sees them as they happen; the last ones are stored before the run is marked ended, so
 * a resume never misses them. Events are kept only when someone streamed the run or it runs in
 * the background.
 */
export function eventsToKeep(
  run: RunRecord,
  channel: RunChannel,
  storedSeq: number,
  pending: StreamEvent[],
  tail: StreamEvent[],
): { seq_id: number; payload: unknown }[] {
  if (!run.background && !channel.subscribed) return [];
  const lastSeq = channel.lastSeq;
  return [
    ...channel.since(storedSeq).map((e) => ({ seq_id: e.seq_id, payload: e.event })),
    ...[...pending, ...tail].map((payload, i) => ({ seq_id: lastSeq + i + 1, payload })),
  ];
}

/** The stream's last two events: how the run stopped and what it used. */
export function tailEvents(stopReason: StopReason, usage: Usage & { run_ids: string[] }): StreamEvent[] {
  return [
    { message_type: 'stop_reason', stop_reason: stopReason },
    { message_type: 'usage_statistics', ...usage },
  ];
}

/** The run record as it ended. */
export function endedRun(
  run: RunRecord,
  status: RunStatus,
  stopReason: StopReason,
  at: string,
  usage: Usage | undefined,
  metadata: Record<string, string> | undefined,
): RunRecord {
  return {
    ...run,
    status,
    stop_reason: status === 'cancelled' ? 'cancelled' : stopReason,
    completed_at: at,
    updated_at: at,
    ...(metadata ? { metadata } : {}),
    ...(usage
      ? {
          prompt_tokens: usage.prompt_tokens,
          completion_tokens: usage.completion_tokens,
          total_tokens: usage.total_tokens,
          step_count: usage.step_count,
        }
      : {}),
  };
}

/** A database outage or full disk (not a bug): the run's end is kept and written later. */
export function isDatabaseFault(err: unknown): err is LettaError {
  return err instanceof LettaError && (err.code === 'DATABASE_UNAVAILABLE' || err.code === 'STORAGE_FULL');
}
