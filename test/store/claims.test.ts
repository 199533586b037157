/**
 * The storage conformance suite, claims: run unchanged on a real SQLite file and a real
 * PostgreSQL database (`describe.each(DIALECTS)`).
 * Conversation claims: one holder at a time (also among concurrent claimants on two connections),
 * lease renewal, lapsed leases and releaseAll.
 */
import { describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.js';
import { DIALECTS } from '../support/databases.js';
import { clockNow, conversationRecord, storeFixture, tick } from '../support/store-fixture.js';

describe.each(DIALECTS)('store: claims (%s)', (dialect) => {
  const fx = storeFixture(dialect);
  const { store, newOrg, seedAgent } = fx;

  const lease = (ms: number) => new Date(clockNow() + ms).toISOString();

  it('claims, refuses a second claim while held, renews and releases', async () => {
    const org = await newOrg();
    const { conversation } = await seedAgent(org);
    const now = tick();
    expect(Boolean(await store.claims.claim(conversation.id, 'run-a', now, lease(30_000)))).toBe(true);
    expect(await store.claims.holder(conversation.id)).toBe('run-a');
    expect(Boolean(await store.claims.claim(conversation.id, 'run-b', now, lease(30_000)))).toBe(false);
    await store.claims.renew(['run-a'], lease(60_000));
    expect((await store.conversations.get(org, conversation.id))?.lease_until).toBe(lease(60_000));
    // Only the holder can release.
    await store.claims.release(conversation.id, 'run-b');
    expect(await store.claims.holder(conversation.id)).toBe('run-a');
    await store.claims.release(conversation.id, 'run-a');
    expect(await store.claims.holder(conversation.id)).toBeNull();
    expect(Boolean(await store.claims.claim(conversation.id, 'run-b', tick(), lease(30_000)))).toBe(true);
    expect(Boolean(await store.claims.claim(newId('conv'), 'run-c', tick(), lease(30_000)))).toBe(false);
  });

  it('lets a lapsed lease be taken over, and releaseLapsed clears only lapsed claims', async () => {
    const org = await newOrg();
    const { agent, conversation } = await seedAgent(org);
    const held = conversationRecord(org, agent.id);
    await store.conversations.insert(held);
    const start = tick();
    expect(Boolean(await store.claims.claim(conversation.id, 'run-old', start, lease(500)))).toBe(true);
    expect(Boolean(await store.claims.claim(held.id, 'run-held', start, lease(3_600_000)))).toBe(true);
    const later = tick();
    expect(Boolean(await store.claims.claim(conversation.id, 'run-new', later, lease(30_000)))).toBe(true);
    expect(await store.claims.holder(conversation.id)).toBe('run-new');

    await store.claims.renew(['run-new'], new Date(clockNow() - 1).toISOString());
    const lapsed = await store.claims.releaseLapsed(tick());
    expect(lapsed).toContain('run-new');
    expect(lapsed).not.toContain('run-held');
    expect(await store.claims.holder(conversation.id)).toBeNull();
    expect(await store.claims.holder(held.id)).toBe('run-held');
    await store.claims.release(held.id, 'run-held');
  });

  it('lets exactly one of many concurrent claimants win', async () => {
    const org = await newOrg();
    const { conversation } = await seedAgent(org);
    const { store: other } = await fx.db.open();
    const stores = [store, other];
    const now = tick();
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        stores[i % 2]!.claims.claim(conversation.id, `run-${i}`, now, lease(30_000)).then(Boolean),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.claims.holder(conversation.id)).toBe(`run-${results.indexOf(true)}`);
  });

  it('releaseAll clears every claim', async () => {
    const org = await newOrg();
    const { conversation } = await seedAgent(org);
    expect(Boolean(await store.claims.claim(conversation.id, 'run-x', tick(), lease(30_000)))).toBe(true);
    await store.claims.releaseAll();
    expect(await store.claims.holder(conversation.id)).toBeNull();
    expect((await store.conversations.get(org, conversation.id))?.lease_until).toBeNull();
  });
});
