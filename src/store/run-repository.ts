import { type Kysely, type Selectable, sql } from 'kysely';
import type { StoreDialect } from './dialect/store-dialect.js';
import { pageRows } from './paginate.js';
import { type PageQuery, parseJson, type RunRecord, type RunStatus, type StepRecord } from './records.js';
import type { Database, RunTable } from './schema.js';
import { type BatchedWrite, InsertStatement, Statement } from './statement.js';

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

const RUN_COLUMNS = [
  'id',
  'organization_id',
  'agent_id',
  'conversation_id',
  'status',
  'stop_reason',
  'background',
  'callback_url',
  'metadata',
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
  'step_count',
  'owner',
  'created_at',
  'updated_at',
  'completed_at',
] as const;
const INSERT_RUN = new InsertStatement('runs', RUN_COLUMNS);
const GET_RUN = new Statement<RunTable>('SELECT * FROM runs WHERE organization_id = ? AND id = ?');
// One statement for every transition: fields not given keep their value.
const TRANSITION = new Statement(
  `UPDATE runs SET status = ?, updated_at = ?, stop_reason = COALESCE(?, stop_reason),
     completed_at = COALESCE(?, completed_at), metadata = COALESCE(?, metadata),
     prompt_tokens = COALESCE(?, prompt_tokens), completion_tokens = COALESCE(?, completion_tokens),
     total_tokens = COALESCE(?, total_tokens), step_count = COALESCE(?, step_count)
   WHERE organization_id = ? AND id = ? AND status IN ('created', 'running')`,
);
const STEP_COLUMNS = [
  'id',
  'organization_id',
  'run_id',
  'agent_id',
  'model',
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
  'stop_reason',
  'created_at',
] as const;
const INSERT_STEP = new InsertStatement('steps', STEP_COLUMNS);
const INSERT_EVENTS = new InsertStatement('run_events', [
  'run_id',
  'seq_id',
  'organization_id',
  'payload',
  'created_at',
]);

export interface StepListQuery extends PageQuery {
  agentId?: string | undefined;
  /** The model handle (`openai/gpt-4o-mini`) or bare name the step used. */
  model?: string | undefined;
  /** ISO datetimes, inclusive. */
  startDate?: string | undefined;
  endDate?: string | undefined;
}

/** Runs (one per send), their steps (token usage) and their stream events (for resume). */
export class RunRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: StoreDialect,
  ) {}

  async insert(run: RunRecord): Promise<void> {
    const row = toRow(run);
    await INSERT_RUN.execute(this.db, this.dialect, [RUN_COLUMNS.map((c) => row[c])]);
  }

  /** {@link insert} as writes of a batch. */
  insertWrites(run: RunRecord): BatchedWrite[] {
    const row = toRow(run);
    return INSERT_RUN.writes([RUN_COLUMNS.map((c) => row[c])]);
  }

  async get(org: string, id: string): Promise<RunRecord | undefined> {
    const row = await GET_RUN.first(this.db, this.dialect, [org, id]);
    return row && fromRow(row);
  }

  /** The failed or cancelled runs among `ids` (to mark the turns that did not complete). */
  async listUnsuccessful(org: string, ids: readonly string[]): Promise<RunRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('runs')
      .selectAll()
      .where('organization_id', '=', org)
      .where('id', 'in', [...ids])
      .where('status', 'in', ['failed', 'cancelled'])
      .execute();
    return rows.map(fromRow);
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
    return (await pageRows(q, 'runs', query, org)).map(fromRow);
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
    if (fields.owner === undefined) {
      const { params } = this.transitionWrite(org, id, status, fields, at);
      return (await TRANSITION.changes(this.db, this.dialect, params)) === 1;
    }
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

  /** {@link transition} (without `owner`) as a write of a batch: it changes 1 row, or 0. */
  transitionWrite(
    org: string,
    id: string,
    status: RunStatus,
    fields: Partial<Pick<RunRecord, 'stop_reason' | 'completed_at' | 'metadata'>> & {
      usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number; step_count: number };
    },
    at: string,
  ): { statement: typeof TRANSITION; params: unknown[] } {
    const u = fields.usage;
    return {
      statement: TRANSITION,
      params: [
        status,
        at,
        fields.stop_reason ?? null,
        fields.completed_at ?? null,
        fields.metadata === undefined ? null : JSON.stringify(fields.metadata),
        u?.prompt_tokens ?? null,
        u?.completion_tokens ?? null,
        u?.total_tokens ?? null,
        u?.step_count ?? null,
        org,
        id,
      ],
    };
  }

  /** Records one step (its usage); the run's totals are written when it ends. */
  async addStep(step: StepRecord): Promise<void> {
    await INSERT_STEP.execute(this.db, this.dialect, [STEP_COLUMNS.map((c) => step[c])]);
  }

  /** {@link addStep} as writes of a batch. */
  addStepWrites(step: StepRecord): BatchedWrite[] {
    return INSERT_STEP.writes([STEP_COLUMNS.map((c) => step[c])]);
  }

  /** {@link appendEvents} as writes of a batch. */
  appendEventsWrites(
    org: string,
    runId: string,
    events: { seq_id: number; payload: unknown }[],
    at: string,
  ): BatchedWrite[] {
    return INSERT_EVENTS.writes(eventRows(org, runId, events, at));
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

  /** A page of the organization's steps (`/v1/steps`), filtered by agent, model and date. */
  async listStepPage(org: string, query: StepListQuery): Promise<StepRecord[]> {
    let q = this.db.selectFrom('steps').selectAll().where('organization_id', '=', org);
    if (query.agentId !== undefined) q = q.where('agent_id', '=', query.agentId);
    const model = query.model;
    if (model !== undefined) {
      const bare = `%/${model.replace(/[\\%_]/g, (c) => `\\${c}`)}`;
      q = q.where(sql<boolean>`(model = ${model} or model like ${bare} escape '\\')`);
    }
    if (query.startDate !== undefined) q = q.where('created_at', '>=', query.startDate);
    if (query.endDate !== undefined) q = q.where('created_at', '<=', query.endDate);
    return pageRows(q, 'steps', query, org);
  }

  async getStep(org: string, id: string): Promise<StepRecord | undefined> {
    return this.db
      .selectFrom('steps')
      .selectAll()
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .executeTakeFirst();
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
    await INSERT_EVENTS.execute(this.db, this.dialect, eventRows(org, runId, events, at));
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

function eventRows(org: string, runId: string, events: { seq_id: number; payload: unknown }[], at: string) {
  return events.map((e) => [runId, e.seq_id, org, JSON.stringify(e.payload), at]);
}
