/**
 * The storage conformance suite, organizations: run unchanged on a real SQLite file and a real
 * PostgreSQL database (`describe.each(DIALECTS)`).
 * Organizations: the default one and organizations by name, created once even when asked
 * concurrently.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_ORG_ID } from '../../src/ids.js';
import { DIALECTS } from '../support/databases.js';
import { storeFixture, uid } from '../support/store-fixture.js';

describe.each(DIALECTS)('store: organizations (%s)', (dialect) => {
  const { store } = storeFixture(dialect);

  it('ensureDefault is idempotent, also when called concurrently', async () => {
    const [a, b] = await Promise.all([
      store.organizations.ensureDefault(),
      store.organizations.ensureDefault(),
    ]);
    const c = await store.organizations.ensureDefault();
    expect(a.id).toBe(DEFAULT_ORG_ID);
    expect(b.id).toBe(DEFAULT_ORG_ID);
    expect(c).toEqual(await store.organizations.get(DEFAULT_ORG_ID));
    const all = await store.organizations.list();
    expect(all.filter((o) => o.id === DEFAULT_ORG_ID)).toHaveLength(1);
  });

  it('ensure(name) creates once and then returns the same organization', async () => {
    const name = `acme-${uid()}`;
    const results = await Promise.all(Array.from({ length: 5 }, () => store.organizations.ensure(name)));
    const again = await store.organizations.ensure(name);
    expect(new Set(results.map((o) => o.id)).size).toBe(1);
    expect(again.id).toBe(results[0]?.id);
    expect(again.id).toMatch(/^org-/);
    expect(await store.organizations.getByName(name)).toEqual(again);
    expect((await store.organizations.list()).filter((o) => o.name === name)).toHaveLength(1);
  });
});
