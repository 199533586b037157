/**
 * API keys: the service (hashing, cache, revocation, last_used_at throttling) on both dialects,
 * and the `letta keys` commands with a real `letta server --auth` (SQLite; the CLI is dialect-blind).
 */
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_ORG_ID } from '../src/ids.js';
import {
  ApiKeyService,
  hashApiKey,
  KEY_CACHE_TTL_MS,
  TOUCH_INTERVAL_MS,
} from '../src/services/api-key-service.js';
import { createTestDatabase, DIALECTS } from './support/databases.js';
import { runCli, startCli, startTestServer } from './support/server.js';

describe.each(DIALECTS)('ApiKeyService (%s)', (dialect) => {
  it('stores only a hash, verifies to the key org, caches, throttles last_used_at, revokes', async () => {
    await using db = await createTestDatabase(dialect);
    const { store } = await db.open();
    await store.organizations.ensureDefault();
    let now = 1_000_000;
    const keys = new ApiKeyService(store, () => now);
    const a1 = await keys.create('acme', 'first');
    const a2 = await keys.create('acme', 'rotation');
    const b = await keys.create('beta');
    expect(a1.key).toMatch(/^lt-[A-Za-z0-9_-]{43}$/);
    expect(a1.organization_id).toBe(a2.organization_id);
    expect(b.organization_id).not.toBe(a1.organization_id);
    const listed = await keys.list();
    expect(listed.map((k) => k.id).sort()).toEqual([a1.id, a2.id, b.id].sort());
    expect(JSON.stringify(listed)).not.toContain(a1.key);
    expect(listed.find((k) => k.id === a1.id)).toMatchObject({
      key_hash: hashApiKey(a1.key),
      prefix: a1.key.slice(0, 10),
      label: 'first',
    });
    expect((await keys.list('beta')).map((k) => k.id)).toEqual([b.id]);
    expect(await keys.list('nobody')).toEqual([]);

    const lookups = vi.spyOn(store.apiKeys, 'findActiveByHash');
    const touches = vi.spyOn(store.apiKeys, 'touch');
    expect(await keys.verify(a1.key)).toEqual({ org: a1.organization_id });
    expect(await keys.verify(a2.key)).toEqual({ org: a1.organization_id });
    expect(await keys.verify(b.key)).toEqual({ org: b.organization_id });
    expect(await keys.verify('lt-unknown')).toBeNull();
    expect(await keys.verify('not-even-a-key')).toBeNull();
    expect(lookups).toHaveBeenCalledTimes(4);
    for (let i = 0; i < 50; i++) await keys.verify(a1.key);
    expect(lookups).toHaveBeenCalledTimes(4);
    expect(touches).toHaveBeenCalledTimes(3);
    now += TOUCH_INTERVAL_MS;
    await keys.verify(a1.key);
    expect(touches).toHaveBeenCalledTimes(4);
    await new Promise((r) => setTimeout(r, 50));
    expect((await keys.list('acme')).find((k) => k.id === a1.id)?.last_used_at).toBe(
      new Date(now).toISOString(),
    );

    // Revoked through this service: at once. Revoked elsewhere: within the cache TTL.
    await keys.revoke(a1.id);
    expect(await keys.verify(a1.key)).toBeNull();
    expect(await keys.verify(a2.key)).not.toBeNull();
    const other = new ApiKeyService(store, () => now);
    await other.revoke(a2.id);
    expect(await keys.verify(a2.key)).not.toBeNull();
    now += KEY_CACHE_TTL_MS;
    expect(await keys.verify(a2.key)).toBeNull();
    await expect(keys.revoke('key-nope')).rejects.toMatchObject({ code: 'API_KEY_NOT_FOUND' });
    expect((await keys.list('acme')).every((k) => k.revoked_at !== null)).toBe(true);
    expect(await keys.anyActive()).toBe(true);
    await keys.revoke(b.id);
    expect(await keys.anyActive()).toBe(false);
  });

  it('LETTA_API_KEY maps to the default org, a stored key to its own, over HTTP', async () => {
    await using server = await startTestServer(dialect, {
      flags: { auth: true },
      env: { LETTA_API_KEY: 'env-key-0123456789abcdef' },
    });
    const key = await server.core.apiKeys.create('acme');
    const as = (token: string, init: RequestInit = {}) =>
      fetch(`${server.baseUrl}/agents`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      });
    expect((await as(key.key, { method: 'POST', body: JSON.stringify({ name: 'a' }) })).status).toBe(201);
    expect(
      (await as('env-key-0123456789abcdef', { method: 'POST', body: JSON.stringify({ name: 'd' }) })).status,
    ).toBe(201);
    expect(((await (await as(key.key)).json()) as { name: string }[]).map((a) => a.name)).toEqual(['a']);
    expect(
      ((await (await as('env-key-0123456789abcdef')).json()) as { name: string }[]).map((a) => a.name),
    ).toEqual(['d']);
    const agents = await server.core.store.agents.list(DEFAULT_ORG_ID, { limit: 10 });
    expect(agents.map((a) => a.name)).toEqual(['d']);
    await server.core.apiKeys.revoke(key.id);
    expect((await as(key.key)).status).toBe(401);
  });
});

describe('letta keys (sqlite; the command is dialect-blind)', () => {
  it('create prints the key last, list hides secrets, --auth starts on stored keys, revoke works', async () => {
    await using db = await createTestDatabase('sqlite');
    const refused = await runCli(['server', '--auth', '--port', '0'], db.env);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/^letta: --auth needs an API key: .*letta keys create --org <name>/);

    const c1 = await runCli(['keys', 'create', '--org', 'acme', '--label', 'laptop'], db.env);
    expect(c1.code, c1.stderr).toBe(0);
    const key1 = c1.stdout.trimEnd().split('\n').at(-1) ?? '';
    expect(key1).toMatch(/^lt-[A-Za-z0-9_-]{43}$/);
    expect(c1.stdout.split(key1)).toHaveLength(2); // printed once
    const c2 = await runCli(['keys', 'create', '--org', 'acme'], db.env);
    const key2 = c2.stdout.trimEnd().split('\n').at(-1) ?? '';
    const list = await runCli(['keys', 'list'], db.env);
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+ORG\s+LABEL\s+PREFIX\s+CREATED\s+REVOKED$/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/acme\s+laptop\s+lt-/);
    expect(list.stdout).not.toContain(key1);
    expect(list.stdout).not.toContain(key2);
    expect((await runCli(['keys', 'create'], db.env)).code).not.toBe(0);

    await using server = await startCli(db.env, ['--auth']);
    const get = (key: string) =>
      fetch(`${server.baseUrl}/agents`, { headers: { authorization: `Bearer ${key}` } });
    expect((await get(key1)).status).toBe(200);
    expect((await get(key2)).status).toBe(200); // two valid at once: rotation
    expect((await get('lt-wrong')).status).toBe(401);

    const id1 = lines[1]?.split(/\s+/)[0] ?? '';
    const revoked = await runCli(['keys', 'revoke', id1], db.env);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect((await runCli(['keys', 'list', '--org', 'acme'], db.env)).stdout).toMatch(
      new RegExp(`${id1}.*\\d{4}-\\d\\d-\\d\\dT.*\\d{4}-\\d\\d-\\d\\dT`),
    );
    const missing = await runCli(['keys', 'revoke', 'key-nope'], db.env);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr.trim()).toBe("letta: API key 'key-nope' not found");
    // A fresh server sees the revocation at once (the running one within the 30 s cache TTL).
    await server.stop();
    await using again = await startCli(db.env, ['--auth']);
    const res = await fetch(`${again.baseUrl}/agents`, { headers: { authorization: `Bearer ${key1}` } });
    expect(res.status).toBe(401);
    const ok = await fetch(`${again.baseUrl}/agents`, { headers: { authorization: `Bearer ${key2}` } });
    expect(ok.status).toBe(200);
  });
});
