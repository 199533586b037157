import type { Kysely } from 'kysely';
import { DEFAULT_ORG_ID, newId } from '../ids.js';
import { nowIso } from './records.js';
import type { Database, OrganizationTable } from './schema.js';

/** An organization as the rest of the code sees it (its callback secret is read on its own). */
export type OrganizationRecord = Omit<OrganizationTable, 'callback_secret'>;

const COLUMNS = ['id', 'name', 'created_at'] as const;

/** Organizations: the tenancy boundary. Every other row belongs to one. */
export class OrganizationRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Creates the default organization if missing (used until API keys name another). */
  async ensureDefault(): Promise<OrganizationRecord> {
    const existing = await this.get(DEFAULT_ORG_ID);
    if (existing) return existing;
    const row = { id: DEFAULT_ORG_ID, name: 'default', created_at: nowIso() };
    await this.db
      .insertInto('organizations')
      .values(row)
      .onConflict((oc) => oc.doNothing())
      .execute();
    return row;
  }

  async get(id: string): Promise<OrganizationRecord | undefined> {
    return this.db.selectFrom('organizations').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  }

  async getByName(name: string): Promise<OrganizationRecord | undefined> {
    return this.db.selectFrom('organizations').select(COLUMNS).where('name', '=', name).executeTakeFirst();
  }

  /** The organization named `name`, created when new. */
  async ensure(name: string): Promise<OrganizationRecord> {
    const existing = await this.getByName(name);
    if (existing) return existing;
    const row = { id: newId('org'), name, created_at: nowIso() };
    await this.db
      .insertInto('organizations')
      .values(row)
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    return (await this.getByName(name))!;
  }

  /**
   * The organization's callback secret, created on first use (concurrent first uses agree: only
   * the first write lands); `create` makes a new one, `rotate` replaces the stored one.
   * Undefined for an unknown organization.
   */
  async callbackSecret(id: string, create: () => string, rotate = false): Promise<string | undefined> {
    if (!rotate) {
      const row = await this.db
        .selectFrom('organizations')
        .select('callback_secret')
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) return undefined;
      if (row.callback_secret) return row.callback_secret;
    }
    let update = this.db.updateTable('organizations').set({ callback_secret: create() }).where('id', '=', id);
    if (!rotate) update = update.where('callback_secret', 'is', null);
    await update.execute();
    const row = await this.db
      .selectFrom('organizations')
      .select('callback_secret')
      .where('id', '=', id)
      .executeTakeFirst();
    return row?.callback_secret ?? undefined;
  }

  async list(): Promise<OrganizationRecord[]> {
    return this.db.selectFrom('organizations').select(COLUMNS).orderBy('created_at').execute();
  }
}
