/**
 * Reading runs: one run, filtered lists (several agents merged in one order), the active runs of
 * a conversation, a run's steps and its stored stream events (for resume). Runs are written by the
 * send path (`message-service.ts`), never here.
 */
import { LettaError } from '../errors.js';
import type { PageQuery, RunRecord, RunStatus, StepRecord } from '../store/records.js';
import { ACTIVE_STATUSES, type RunEventRecord, type StepListQuery } from '../store/run-repository.js';
import type { RunSignals } from '../store/run-signals.js';
import type { Store } from '../store/store.js';
import type { RequestContext } from './context.js';

export type { RunEventRecord, StepListQuery };

const STATUSES: readonly RunStatus[] = ['created', 'running', 'completed', 'failed', 'cancelled'];

/** A run listing as the V1 API asks for it. */
export interface RunFilter extends PageQuery {
  /** Runs of any of these agents (none: every agent). */
  agentIds?: readonly string[] | undefined;
  conversationId?: string | undefined;
  /** Status names; unknown ones are ignored. */
  statuses?: readonly string[] | undefined;
  /** Only created or running runs (intersected with `statuses`). */
  active?: boolean | undefined;
  background?: boolean | undefined;
}

export class RunService {
  constructor(
    private readonly store: Store,
    private readonly signals: RunSignals,
  ) {}

  /**
   * Calls `listener` each time the run stores new events, in whichever process runs it (at the
   * commit); returns the unsubscribe.
   */
  onEvents(runId: string, listener: () => void): () => void {
    return this.signals.on('events', runId, listener);
  }

  /** The run, or 404 RUN_NOT_FOUND. */
  async get(ctx: RequestContext, id: string): Promise<RunRecord> {
    const run = await this.store.runs.get(ctx.org, id);
    if (!run) throw new LettaError('RUN_NOT_FOUND', `Run '${id}' not found`);
    return run;
  }

  /** The run, if it exists. */
  find(ctx: RequestContext, id: string): Promise<RunRecord | undefined> {
    return this.store.runs.get(ctx.org, id);
  }

  /** One page of runs; several agents are each paged and merged in the same (created_at, id) order. */
  async list(ctx: RequestContext, filter: RunFilter): Promise<RunRecord[]> {
    let statuses = (filter.statuses ?? []).filter((s): s is RunStatus => STATUSES.includes(s as RunStatus));
    if (filter.active) {
      statuses =
        statuses.length > 0 ? statuses.filter((s) => ACTIVE_STATUSES.includes(s)) : [...ACTIVE_STATUSES];
      if (statuses.length === 0) return [];
    }
    const order = filter.order ?? 'desc';
    const page = {
      limit: filter.limit,
      after: filter.after,
      before: filter.before,
      order,
      statuses,
      conversationId: filter.conversationId,
    } as const;
    const agents = [...new Set(filter.agentIds ?? [])];
    let runs: RunRecord[];
    if (agents.length <= 1) runs = await this.store.runs.list(ctx.org, { ...page, agentId: agents[0] });
    else {
      const all = (
        await Promise.all(agents.map((agentId) => this.store.runs.list(ctx.org, { ...page, agentId })))
      ).flat();
      const dir = order === 'desc' ? -1 : 1;
      all.sort((a, b) => dir * (a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id)));
      runs = all.slice(0, page.limit);
    }
    if (filter.background !== undefined) runs = runs.filter((r) => r.background === filter.background);
    return runs;
  }

  /** The created or running runs (newest first) of an agent or a conversation, at most `limit`. */
  listActive(
    ctx: RequestContext,
    where: { agentId?: string | undefined; conversationId?: string | undefined },
    limit: number,
  ): Promise<RunRecord[]> {
    return this.store.runs.list(ctx.org, {
      agentId: where.agentId,
      conversationId: where.conversationId,
      statuses: [...ACTIVE_STATUSES],
      limit,
      order: 'desc',
    });
  }

  /** A conversation's newest run. */
  async latestInConversation(ctx: RequestContext, conversationId: string): Promise<RunRecord | undefined> {
    return (await this.store.runs.list(ctx.org, { conversationId, limit: 1, order: 'desc' }))[0];
  }

  /** The events a run stored after `startingAfter` (its stream, for a resume from another process). */
  listEvents(ctx: RequestContext, runId: string, startingAfter: number): Promise<RunEventRecord[]> {
    return this.store.runs.listEvents(ctx.org, runId, startingAfter);
  }

  /** The step, or 404 NOT_FOUND. */
  async getStep(ctx: RequestContext, id: string): Promise<StepRecord> {
    const step = await this.store.runs.getStep(ctx.org, id);
    if (!step) throw new LettaError('NOT_FOUND', `Step '${id}' not found`);
    return step;
  }

  /** One page of steps of every run (filtered by agent, model and date). */
  listSteps(ctx: RequestContext, query: StepListQuery): Promise<StepRecord[]> {
    return this.store.runs.listStepPage(ctx.org, query);
  }

  /** Every step of a run, oldest first. */
  listRunSteps(ctx: RequestContext, runId: string): Promise<StepRecord[]> {
    return this.store.runs.listSteps(ctx.org, runId);
  }
  /**
   * `RunMetrics` as far as the store knows: start and duration (from `created_at` and
   * `completed_at`), steps, and the tools the run called (their ids when the agent still has a
   * tool of that name, else the name). Cloud-only fields are null.
   */
  async runMetrics(ctx: RequestContext, id: string): Promise<RunMetrics> {
    const run = await this.get(ctx, id);
    const [messages, tools] = await Promise.all([
      this.store.messages.list(ctx.org, { runId: run.id, limit: 10_000, order: 'asc' }),
      this.store.tools.listForAgent(ctx.org, run.agent_id),
    ]);
    const names = new Set<string>();
    for (const m of messages) for (const call of m.tool_calls ?? []) names.add(call.name);
    const byName = new Map(tools.map((t) => [t.name, t.id]));
    const start = Date.parse(run.created_at);
    return {
      id: run.id,
      agent_id: run.agent_id,
      project_id: null,
      run_start_ns: start * 1_000_000,
      run_ns: run.completed_at ? (Date.parse(run.completed_at) - start) * 1_000_000 : null,
      num_steps: run.step_count,
      tools_used: [...names].map((n) => byName.get(n) ?? n),
      template_id: null,
      base_template_id: null,
    };
  }

  /** `StepMetrics` as far as the store knows: the step's start; timings it never measured are null. */
  async stepMetrics(ctx: RequestContext, id: string): Promise<StepMetrics> {
    const step = await this.getStep(ctx, id);
    return {
      id: step.id,
      provider_id: null,
      run_id: step.run_id,
      agent_id: step.agent_id,
      step_start_ns: Date.parse(step.created_at) * 1_000_000,
      llm_request_start_ns: null,
      llm_request_ns: null,
      tool_execution_ns: null,
      step_ns: null,
      base_template_id: null,
      template_id: null,
      project_id: null,
    };
  }
}

export interface RunMetrics {
  id: string;
  agent_id: string;
  project_id: null;
  run_start_ns: number;
  run_ns: number | null;
  num_steps: number;
  tools_used: string[];
  template_id: null;
  base_template_id: null;
}

export interface StepMetrics {
  id: string;
  provider_id: null;
  run_id: string;
  agent_id: string;
  step_start_ns: number;
  llm_request_start_ns: null;
  llm_request_ns: null;
  tool_execution_ns: null;
  step_ns: null;
  base_template_id: null;
  template_id: null;
  project_id: null;
}
