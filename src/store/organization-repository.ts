import type { Kysely } from 'kysely';
import { DEFAULT_ORG_ID, newId } from '../ids.js';
import { nowIso } from './records.js';
import type { Database, OrganizationTable } from './schema.js';

export type OrganizationRecord = OrganizationTable;

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
    return this.db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async getByName(name: string): Promise<OrganizationRecord | undefined> {
    return this.db.selectFrom('organizations').selectAll().where('name', '=', name).executeTakeFirst();
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

  async list(): Promise<OrganizationRecord[]> {
    return this.db.selectFrom('organizations').selectAll().orderBy('created_at').execute();
  }
}
