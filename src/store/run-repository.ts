import type { Kysely, Selectable } from 'kysely';
import { paginate } from './paginate.js';
import { type PageQuery, parseJson, type RunRecord, type RunStatus, type StepRecord } from './records.js';
import type { Database, RunTable } from './schema.js';

export interface RunListQuery extends PageQuery {
  agentId?: string | undefined;
  conversationId?: string | undefined;
  statuses?: RunStatus[] | undefined;
}

export interface RunEventRecord {
  seq_id: number;
  payload: unknown;
}

export const ACTIVE_STATUSES: RunStatus[] = ['created', 'running'];

/** Runs (one per send), their steps (token usage) and their stream events (for resume). */
export class RunRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(run: RunRecord): Promise<void> {
    await this.db.insertInto('runs').values(toRow(run)).execute();
  }

  async get(org: string, id: string): Promise<RunRecord | undefined> {
    const row = await this.db
      .selectFrom('runs')
      .selectAll()
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  /** A run by id in any organization (crash recovery only; API paths use {@link get}). */
  async getAny(id: string): Promise<RunRecord | undefined> {
    const row = await this.db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
    return row && fromRow(row);
  }

  /** Fails runs still `created` (never started) since before `before`. */
  async failStaleCreated(before: string, at: string): Promise<number> {
    const res = await this.db
      .updateTable('runs')
      .set({ status: 'failed', stop_reason: 'error', completed_at: at, updated_at: at })
      .where('status', '=', 'created')
      .where('created_at', '<', before)
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  async list(org: string, query: RunListQuery): Promise<RunRecord[]> {
    let q = this.db.selectFrom('runs').selectAll().where('organization_id', '=', org);
    if (query.agentId !== undefined) q = q.where('agent_id', '=', query.agentId);
    if (query.conversationId !== undefined) q = q.where('conversation_id', '=', query.conversationId);
    if (query.statuses && query.statuses.length > 0) q = q.where('status', 'in', query.statuses);
    return (await paginate(q, 'runs', query).execute()).map(fromRow);
  }

  /** Moves a run to `status` unless it already ended; returns whether it changed. */
  async transition(
    org: string,
    id: string,
    status: RunStatus,
    fields: Partial<Pick<RunRecord, 'stop_reason' | 'completed_at' | 'metadata' | 'owner'>> & {
      /** The run's total usage, recorded when it ends. */
      usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number; step_count: number };
    },
    at: string,
  ): Promise<boolean> {
    const res = await this.db
      .updateTable('runs')
      .set({
        status,
        updated_at: at,
        ...(fields.stop_reason === undefined ? {} : { stop_reason: fields.stop_reason }),
        ...(fields.completed_at === undefined ? {} : { completed_at: fields.completed_at }),
        ...(fields.owner === undefined ? {} : { owner: fields.owner }),
        ...(fields.metadata === undefined ? {} : { metadata: JSON.stringify(fields.metadata) }),
        ...(fields.usage === undefined
          ? {}
          : {
              prompt_tokens: fields.usage.prompt_tokens,
              completion_tokens: fields.usage.completion_tokens,
              total_tokens: fields.usage.total_tokens,
              step_count: fields.usage.step_count,
            }),
      })
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .where('status', 'in', ACTIVE_STATUSES)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Records one step (its usage); the run's totals are written when it ends. */
  async addStep(step: StepRecord): Promise<void> {
    await this.db.insertInto('steps').values(step).execute();
  }

  async listSteps(org: string, runId: string): Promise<StepRecord[]> {
    return this.db
      .selectFrom('steps')
      .selectAll()
      .where('organization_id', '=', org)
      .where('run_id', '=', runId)
      .orderBy('created_at')
      .execute();
  }

  /** Runs left active by a process that is gone (crash recovery at start). */
  async failOrphans(owner: string | null, at: string): Promise<number> {
    let q = this.db
      .updateTable('runs')
      .set({ status: 'failed', stop_reason: 'error', completed_at: at, updated_at: at })
      .where('status', 'in', ACTIVE_STATUSES);
    q = owner === null ? q : q.where('owner', '=', owner);
    const res = await q.executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  async appendEvents(
    org: string,
    runId: string,
    events: { seq_id: number; payload: unknown }[],
    at: string,
  ): Promise<void> {
    if (events.length === 0) return;
    await this.db
      .insertInto('run_events')
      .values(
        events.map((e) => ({
          run_id: runId,
          seq_id: e.seq_id,
          organization_id: org,
          payload: JSON.stringify(e.payload),
          created_at: at,
        })),
      )
      .execute();
  }

  async listEvents(org: string, runId: string, startingAfter: number): Promise<RunEventRecord[]> {
    const rows = await this.db
      .selectFrom('run_events')
      .select(['seq_id', 'payload'])
      .where('organization_id', '=', org)
      .where('run_id', '=', runId)
      .where('seq_id', '>', startingAfter)
      .orderBy('seq_id')
      .execute();
    return rows.map((r) => ({ seq_id: Number(r.seq_id), payload: JSON.parse(r.payload) }));
  }
}

function toRow(r: RunRecord): RunTable {
  return { ...r, background: r.background ? 1 : 0, metadata: JSON.stringify(r.metadata) };
}

function fromRow(r: Selectable<RunTable>): RunRecord {
  return {
    ...r,
    status: r.status as RunStatus,
    background: r.background === 1,
    metadata: parseJson(r.metadata, {}),
  };
}
