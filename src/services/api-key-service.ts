/**
 * API keys and the organizations they stand for. A key is `lt-` + 32 random bytes (base64url);
 * it is shown once by {@link ApiKeyService.create} and stored only as its sha256 hash plus a
 * short prefix for listings. {@link ApiKeyService.verify} maps a presented key to its
 * organization.
 *
 * Hot path: verified keys are cached in-process for {@link KEY_CACHE_TTL_MS} (keyed by hash), so
 * a request with a known key costs no query, and `last_used_at` is written at most once per
 * {@link TOUCH_INTERVAL_MS} per key. Consequence: a key revoked by another process (`letta keys
 * revoke` while the server runs) stops working within that TTL; a revoke through this service
 * takes effect at once in this process.
 */
import { createHash, randomBytes } from 'node:crypto';
import { LettaError } from '../errors.js';
import { newId } from '../ids.js';
import type { ApiKeyListing } from '../store/api-key-repository.js';
import { nowIso, type Store } from '../store/index.js';
import type { RequestContext } from './context.js';

/** How long a verified key is trusted without asking the database again. */
export const KEY_CACHE_TTL_MS = 30_000;
/** `last_used_at` is updated at most this often per key. */
export const TOUCH_INTERVAL_MS = 60_000;
/** Cache entries kept at most (oldest dropped first). */
const MAX_CACHED = 10_000;
const PREFIX_LENGTH = 10;

/** A key as shown once on creation: the secret and where it belongs. */
export interface CreatedApiKey {
  id: string;
  key: string;
  prefix: string;
  organization_id: string;
  organization_name: string;
  label: string | null;
  created_at: string;
}

interface CachedKey {
  id: string;
  org: string;
  expires: number;
}

/** The sha256 (hex) under which a key is stored. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export class ApiKeyService {
  private readonly cache = new Map<string, CachedKey>();
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates a key for organization `orgName` (created when new); the secret is returned once. */
  async create(orgName: string, label?: string): Promise<CreatedApiKey> {
    const name = orgName.trim();
    if (!name) throw new LettaError('BAD_REQUEST', 'an organization name is required (--org <name>)');
    const org = await this.store.organizations.ensure(name);
    const key = `lt-${randomBytes(32).toString('base64url')}`;
    const record = {
      id: newId('key'),
      organization_id: org.id,
      label: label ?? null,
      key_hash: hashApiKey(key),
      prefix: key.slice(0, PREFIX_LENGTH),
      created_at: nowIso(),
      revoked_at: null,
      last_used_at: null,
    };
    await this.store.apiKeys.insert(record);
    return {
      id: record.id,
      key,
      prefix: record.prefix,
      organization_id: org.id,
      organization_name: org.name,
      label: record.label,
      created_at: record.created_at,
    };
  }

  /** Every key (no secrets), of organization `orgName` only when given. */
  async list(orgName?: string): Promise<ApiKeyListing[]> {
    if (orgName === undefined) return this.store.apiKeys.list();
    const org = await this.store.organizations.getByName(orgName);
    return org ? this.store.apiKeys.list(org.id) : [];
  }

  /** Revokes key `id` (effective at once here, within {@link KEY_CACHE_TTL_MS} elsewhere). */
  async revoke(id: string): Promise<void> {
    if (!(await this.store.apiKeys.revoke(id, nowIso()))) {
      throw new LettaError('API_KEY_NOT_FOUND', `API key '${id}' not found`);
    }
    for (const [hash, entry] of this.cache) if (entry.id === id) this.cache.delete(hash);
  }

  /** Whether any unrevoked key exists (lets `--auth` start without LETTA_API_KEY). */
  async anyActive(): Promise<boolean> {
    return (await this.store.apiKeys.countActive()) > 0;
  }

  /** The caller `key` stands for, or null when it is unknown or revoked. */
  async verify(key: string): Promise<RequestContext | null> {
    if (!key.startsWith('lt-')) return null;
    const hash = hashApiKey(key);
    const now = this.now();
    let entry = this.cache.get(hash);
    if (!entry || entry.expires <= now) {
      this.cache.delete(hash);
      const row = await this.store.apiKeys.findActiveByHash(hash);
      if (!row) return null;
      entry = { id: row.id, org: row.organization_id, expires: now + KEY_CACHE_TTL_MS };
      if (this.cache.size >= MAX_CACHED) {
        const oldest = this.cache.keys().next();
        if (!oldest.done) this.cache.delete(oldest.value);
      }
      this.cache.set(hash, entry);
    }
    this.touch(entry.id, now);
    return { org: entry.org };
  }

  /** Records use, at most once per {@link TOUCH_INTERVAL_MS} per key, without delaying the request. */
  private touch(id: string, now: number): void {
    const last = this.touched.get(id);
    if (last !== undefined && now - last < TOUCH_INTERVAL_MS) return;
    this.touched.set(id, now);
    if (this.touched.size > MAX_CACHED) this.touched.clear();
    this.store.apiKeys.touch(id, new Date(now).toISOString()).catch(() => {
      // Best effort: a failed bookkeeping write never fails the request.
    });
  }
}
