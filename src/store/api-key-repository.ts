/**
 * API keys: each belongs to one organization. Only the sha256 of the secret is stored (plus a
 * short prefix for listings); {@link ApiKeyRepository.findActiveByHash} is the lookup behind auth.
 */
import type { Kysely } from 'kysely';
import type { ApiKeyTable, Database } from './schema.js';

export type ApiKeyRecord = ApiKeyTable;

/** A key as listed: its record plus the organization's name. */
export interface ApiKeyListing extends ApiKeyRecord {
  organization_name: string;
}

export class ApiKeyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(key: ApiKeyRecord): Promise<void> {
    await this.db.insertInto('api_keys').values(key).execute();
  }

  /** The unrevoked key with this hash, if any. */
  async findActiveByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    return this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('key_hash', '=', keyHash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
  }

  /** Every key (revoked ones too), oldest first; only those of `org` when given. */
  async list(org?: string): Promise<ApiKeyListing[]> {
    let q = this.db
      .selectFrom('api_keys')
      .innerJoin('organizations', 'organizations.id', 'api_keys.organization_id')
      .selectAll('api_keys')
      .select('organizations.name as organization_name');
    if (org !== undefined) q = q.where('api_keys.organization_id', '=', org);
    return q.orderBy('api_keys.created_at').orderBy('api_keys.id').execute();
  }

  /** Marks the key revoked; false when no such key exists. Revoking twice keeps the first time. */
  async revoke(id: string, at: string): Promise<boolean> {
    const row = await this.db.selectFrom('api_keys').select('id').where('id', '=', id).executeTakeFirst();
    if (!row) return false;
    await this.db
      .updateTable('api_keys')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
    return true;
  }

  async touch(id: string, at: string): Promise<void> {
    await this.db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
  }

  /** How many unrevoked keys exist (startup check for `--auth`). */
  async countActive(): Promise<number> {
    const row = await this.db
      .selectFrom('api_keys')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }
}
