/**
 * The storage conformance suite, blocks: run unchanged on a real SQLite file and a real
 * PostgreSQL database (`describe.each(DIALECTS)`).
 * Memory blocks: insert/get/list, attachment order, versions and compare-and-set (one winner among
 * concurrent writers on two connections).
 */
import { describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.js';
import { DIALECTS } from '../support/databases.js';
import { blockRecord, ids, storeFixture, tick } from '../support/store-fixture.js';

describe.each(DIALECTS)('store: blocks (%s)', (dialect) => {
  const fx = storeFixture(dialect);
  const { store, newOrg, seedAgent } = fx;

  it('inserts, gets and lists by label', async () => {
    const org = await newOrg();
    const persona = blockRecord(org, { read_only: true, metadata: { a: 1 }, tags: ['t'] });
    const human = blockRecord(org, { label: 'human', value: 'Chad' });
    await store.blocks.insert(persona);
    await store.blocks.insert(human);
    expect(await store.blocks.get(org, persona.id)).toEqual(persona);
    expect(ids(await store.blocks.list(org, { limit: 10 }))).toEqual([persona.id, human.id]);
    expect(ids(await store.blocks.list(org, { limit: 10, label: 'human' }))).toEqual([human.id]);
    expect(ids(await store.blocks.list(org, { limit: 10, order: 'desc' }))).toEqual([human.id, persona.id]);
  });

  it('keeps attachment order, survives re-attach, and lists the agents of a block', async () => {
    const org = await newOrg();
    const { agent } = await seedAgent(org);
    const { agent: other } = await seedAgent(org);
    const blocks = [
      blockRecord(org, { label: 'b1' }),
      blockRecord(org, { label: 'b2' }),
      blockRecord(org, { label: 'b3' }),
    ];
    // Inserted in reverse, attached in order: order is the attachment's, not the block's.
    for (const b of [...blocks].reverse()) await store.blocks.insert(b);
    for (const b of blocks) await store.blocks.attach(org, agent.id, b.id);
    await store.blocks.attach(org, agent.id, blocks[0]!.id);
    expect((await store.blocks.listForAgent(org, agent.id)).map((b) => b.label)).toEqual(['b1', 'b2', 'b3']);

    await store.blocks.detach(org, agent.id, blocks[1]!.id);
    const b4 = blockRecord(org, { label: 'b4' });
    await store.blocks.insert(b4);
    await store.blocks.attach(org, agent.id, b4.id);
    expect((await store.blocks.listForAgent(org, agent.id)).map((b) => b.label)).toEqual(['b1', 'b3', 'b4']);

    await store.blocks.attach(org, other.id, blocks[0]!.id);
    expect((await store.blocks.listAgentIds(org, blocks[0]!.id)).sort()).toEqual([agent.id, other.id].sort());
    expect(await store.blocks.listAgentIds(org, blocks[1]!.id)).toEqual([]);
    expect(await store.blocks.delete(org, blocks[0]!.id)).toBe(true);
    expect((await store.blocks.listForAgent(org, agent.id)).map((b) => b.label)).toEqual(['b3', 'b4']);
  });

  it('bumps the version on every update', async () => {
    const org = await newOrg();
    const block = blockRecord(org);
    await store.blocks.insert(block);
    const at = tick();
    await store.blocks.update(org, block.id, { value: 'v2', read_only: true, tags: ['x'], limit: 10 }, at);
    expect(await store.blocks.get(org, block.id)).toEqual({
      ...block,
      value: 'v2',
      read_only: true,
      tags: ['x'],
      limit: 10,
      version: 2,
      updated_at: at,
    });
    await store.blocks.update(org, block.id, { description: 'd' }, tick());
    expect((await store.blocks.get(org, block.id))?.version).toBe(3);
  });

  it('compareAndSet succeeds only at the current version', async () => {
    const org = await newOrg();
    const block = blockRecord(org);
    await store.blocks.insert(block);
    expect(await store.blocks.compareAndSet(org, block.id, 1, 'second', tick())).toBe(true);
    expect(await store.blocks.compareAndSet(org, block.id, 1, 'stale', tick())).toBe(false);
    const now = await store.blocks.get(org, block.id);
    expect(now?.value).toBe('second');
    expect(now?.version).toBe(2);
    expect(await store.blocks.compareAndSet(org, newId('block'), 1, 'x', tick())).toBe(false);
  });

  it('lets exactly one of many concurrent compareAndSet calls on one version win', async () => {
    const org = await newOrg();
    const block = blockRecord(org);
    await store.blocks.insert(block);
    // A second connection (another process, on PostgreSQL) competes too.
    const { store: other } = await fx.db.open();
    const stores = [store, other];
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        stores[i % 2]!.blocks.compareAndSet(org, block.id, 1, `writer-${i}`, tick()),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    const after = await store.blocks.get(org, block.id);
    expect(after?.value).toBe(`writer-${winner}`);
    expect(after?.version).toBe(2);
  });
});
