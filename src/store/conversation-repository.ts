import type { Kysely, Selectable } from 'kysely';
import type { StoreDialect } from './dialect/store-dialect.js';
import { pageRows } from './paginate.js';
import { type ConversationRecord, type PageQuery, parseJson } from './records.js';
import type { ConversationTable, Database } from './schema.js';
import { type BatchedWrite, Statement } from './statement.js';

const GET = new Statement<ConversationTable>(
  'SELECT * FROM conversations WHERE organization_id = ? AND id = ?',
);
const GET_DEFAULT = new Statement<ConversationTable>(
  'SELECT * FROM conversations WHERE organization_id = ? AND agent_id = ? AND is_default = 1',
);
const SET_CONTEXT = new Statement(
  `UPDATE conversations SET in_context_message_ids = ?, last_message_at = ?, updated_at = ?,
     memory_fingerprint = COALESCE(?, memory_fingerprint)
   WHERE organization_id = ? AND id = ?`,
);
const SET_FINGERPRINT = new Statement(
  'UPDATE conversations SET memory_fingerprint = ? WHERE organization_id = ? AND id = ?',
);
// The context of a step and, with its last step, the release of the run's claim: one UPDATE,
// as a write batch may change a row only once.
const SET_CONTEXT_RELEASE = new Statement(
  `UPDATE conversations SET in_context_message_ids = ?, last_message_at = ?, updated_at = ?,
     active_run_id = CASE WHEN active_run_id = ? THEN NULL ELSE active_run_id END,
     lease_until = CASE WHEN active_run_id = ? THEN NULL ELSE lease_until END
   WHERE organization_id = ? AND id = ?`,
);
const CLAIM = new Statement<ConversationTable>(
  `UPDATE conversations SET active_run_id = ?, lease_until = ?
   WHERE id = ? AND (active_run_id IS NULL OR lease_until < ?) RETURNING *`,
);
// A claim that also checks the conversation is as the caller read it (its context and memory
// fingerprint): the caller then begins the turn from what it read, without reading it back.
const CLAIM_UNCHANGED = new Statement(
  `UPDATE conversations SET active_run_id = ?, lease_until = ?
   WHERE id = ? AND (active_run_id IS NULL OR lease_until < ?)
     AND in_context_message_ids = ? AND COALESCE(memory_fingerprint, '') = ?`,
);
const RELEASE = new Statement(
  'UPDATE conversations SET active_run_id = NULL, lease_until = NULL WHERE id = ? AND active_run_id = ?',
);

/** Conversations: threads of one agent, each with its own in-context message list. */
export class ConversationRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: StoreDialect,
  ) {}

  async insert(c: ConversationRecord): Promise<void> {
    await this.db.insertInto('conversations').values(toRow(c)).execute();
  }

  async get(org: string, id: string): Promise<ConversationRecord | undefined> {
    const row = await GET.first(this.db, this.dialect, [org, id]);
    return row && fromRow(row);
  }

  async getDefault(org: string, agentId: string): Promise<ConversationRecord | undefined> {
    const row = await GET_DEFAULT.first(this.db, this.dialect, [org, agentId]);
    return row && fromRow(row);
  }

  async list(
    org: string,
    query: PageQuery & { agentId?: string | undefined; includeArchived?: boolean },
  ): Promise<ConversationRecord[]> {
    let q = this.db.selectFrom('conversations').selectAll().where('organization_id', '=', org);
    if (query.agentId !== undefined) q = q.where('agent_id', '=', query.agentId);
    if (!query.includeArchived) q = q.where('archived', '=', 0);
    return (await pageRows(q, 'conversations', query, org)).map(fromRow);
  }

  /** Replaces the in-context list (after a step or a compaction). */
  async setContext(
    org: string,
    id: string,
    ids: string[],
    at: string,
    memoryFingerprint?: string,
  ): Promise<void> {
    await SET_CONTEXT.execute(this.db, this.dialect, [
      JSON.stringify(ids),
      at,
      at,
      memoryFingerprint ?? null,
      org,
      id,
    ]);
  }

  /**
   * {@link setContext} as a write of a batch; with `releaseRunId`, also releases that run's claim
   * on the conversation (as {@link ConversationClaims.release}) in the same UPDATE.
   */
  setContextWrite(org: string, id: string, ids: string[], at: string, releaseRunId?: string): BatchedWrite {
    if (releaseRunId === undefined) return SET_CONTEXT.write([JSON.stringify(ids), at, at, null, org, id]);
    return SET_CONTEXT_RELEASE.write([JSON.stringify(ids), at, at, releaseRunId, releaseRunId, org, id]);
  }

  async setFingerprint(org: string, id: string, fingerprint: string): Promise<void> {
    await SET_FINGERPRINT.execute(this.db, this.dialect, [fingerprint, org, id]);
  }

  async update(
    org: string,
    id: string,
    patch: { summary?: string | null; archived?: boolean },
    at: string,
  ): Promise<void> {
    await this.db
      .updateTable('conversations')
      .set({
        updated_at: at,
        ...(patch.summary === undefined ? {} : { summary: patch.summary }),
        ...(patch.archived === undefined ? {} : { archived: patch.archived ? 1 : 0 }),
      })
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .execute();
  }
}

function toRow(c: ConversationRecord): ConversationTable {
  return {
    ...c,
    is_default: c.is_default ? 1 : 0,
    archived: c.archived ? 1 : 0,
    in_context_message_ids: JSON.stringify(c.in_context_message_ids),
  };
}

function fromRow(r: Selectable<ConversationTable>): ConversationRecord {
  return {
    ...r,
    is_default: r.is_default === 1,
    archived: r.archived === 1,
    in_context_message_ids: parseJson(r.in_context_message_ids, []),
  };
}

/**
 * Claims for "one run at a time per conversation". A claim is a conditional UPDATE, so it is
 * atomic on both dialects and across processes; a lease lets a crashed holder's claim lapse.
 */
export class ConversationClaims {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: StoreDialect,
  ) {}

  /**
   * Takes the conversation for `runId` if free (or its lease lapsed); returns the claimed row
   * (read in the same statement), or undefined when someone else holds it.
   */
  async claim(
    id: string,
    runId: string,
    now: string,
    leaseUntil: string,
  ): Promise<ConversationRecord | undefined> {
    const row = await CLAIM.first(this.db, this.dialect, [runId, leaseUntil, id, now]);
    return row && fromRow(row);
  }

  /**
   * {@link claim} as a write of a batch (it changes 1 row, or 0), taken only if the conversation
   * still has the in-context messages and memory fingerprint of `seen`.
   */
  claimUnchangedWrite(
    seen: Pick<ConversationRecord, 'id' | 'in_context_message_ids' | 'memory_fingerprint'>,
    runId: string,
    now: string,
    leaseUntil: string,
  ): BatchedWrite {
    return CLAIM_UNCHANGED.write([
      runId,
      leaseUntil,
      seen.id,
      now,
      JSON.stringify(seen.in_context_message_ids),
      seen.memory_fingerprint ?? '',
    ]);
  }

  async renew(runIds: string[], leaseUntil: string): Promise<void> {
    if (runIds.length === 0) return;
    await this.db
      .updateTable('conversations')
      .set({ lease_until: leaseUntil })
      .where('active_run_id', 'in', runIds)
      .execute();
  }

  async release(id: string, runId: string): Promise<void> {
    await RELEASE.execute(this.db, this.dialect, [id, runId]);
  }

  /** The run currently holding the conversation, if any. */
  async holder(id: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('conversations')
      .select('active_run_id')
      .where('id', '=', id)
      .executeTakeFirst();
    return row?.active_run_id ?? null;
  }

  /** Clears every claim (SQLite start: this process is the only one). */
  async releaseAll(): Promise<void> {
    await this.db
      .updateTable('conversations')
      .set({ active_run_id: null, lease_until: null })
      .where('active_run_id', 'is not', null)
      .execute();
  }

  /** Clears lapsed claims and returns the run ids that held them. */
  async releaseLapsed(now: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('conversations')
      .select(['id', 'active_run_id'])
      .where('active_run_id', 'is not', null)
      .where('lease_until', '<', now)
      .execute();
    for (const r of rows) {
      await this.db
        .updateTable('conversations')
        .set({ active_run_id: null, lease_until: null })
        .where('id', '=', r.id)
        .where('active_run_id', '=', r.active_run_id)
        .execute();
    }
    return rows.map((r) => r.active_run_id).filter((x): x is string => x !== null);
  }
}
