/**
 * The storage conformance suite, archives: run unchanged on a real SQLite file and a real
 * PostgreSQL database. Create, get, list (by name, by agent, with cursors), update, the embedding
 * an archive's passages use, links to agents (the first linked is the one an agent writes to),
 * delete (its passages and links go with it), and organization scoping.
 */
import { describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.js';
import type { Store } from '../../src/store/index.js';
import { DIALECTS } from '../support/databases.js';
import { archiveRecord, ids, passageRecord, storeFixture } from '../support/store-fixture.js';

describe.each(DIALECTS)('store: archives (%s)', (dialect) => {
  const { store, newOrg, seedAgent } = storeFixture(dialect);

  it('inserts and gets an archive with its metadata, and updates its name, description and embedding', async () => {
    const org = await newOrg();
    const archive = archiveRecord(org, { description: 'notes', metadata: { k: [1, { x: true }] } });
    await store.archives.insert(archive);
    expect(await store.archives.get(org, archive.id)).toEqual(archive);
    expect(await store.archives.get(org, newId('archive'))).toBeUndefined();

    const updated = await store.archives.update(org, archive.id, { name: 'renamed', description: null });
    expect(updated).toEqual({
      ...archive,
      name: 'renamed',
      description: null,
      updated_at: expect.any(String),
    });
    expect(await store.archives.update(org, newId('archive'), { name: 'x' })).toBeUndefined();

    await store.archives.updateEmbedding(org, archive.id, 'openai/text-embedding-3-small', 1536);
    expect(await store.archives.get(org, archive.id)).toMatchObject({
      embedding: 'openai/text-embedding-3-small',
      embedding_dim: 1536,
    });
    await store.archives.updateEmbedding(org, archive.id, null, null);
    expect(await store.archives.get(org, archive.id)).toMatchObject({ embedding: null, embedding_dim: null });
  });

  it('lists by name and pages with after/before cursors in both orders', async () => {
    const org = await newOrg();
    const archives = Array.from({ length: 5 }, (_, i) =>
      archiveRecord(org, { name: i === 3 ? 'shared' : `a${i}` }),
    );
    for (const a of [...archives].reverse()) await store.archives.insert(a);
    const all = ids(archives);
    const list = (q: Parameters<Store['archives']['list']>[1]) => store.archives.list(org, q).then(ids);
    expect(await list({ limit: 10 })).toEqual(all);
    expect(await list({ limit: 10, order: 'desc' })).toEqual([...all].reverse());
    expect(await list({ limit: 10, name: 'shared' })).toEqual([all[3]]);
    expect(await list({ limit: 10, name: 'nope' })).toEqual([]);
    expect(await list({ limit: 2, after: all[1] })).toEqual([all[2], all[3]]);
    expect(await list({ limit: 2, before: all[4] })).toEqual([all[2], all[3]]);
    expect(await list({ limit: 10, order: 'desc', after: all[2] })).toEqual([all[1], all[0]]);
    expect(await list({ limit: 10, after: all[0], before: all[3] })).toEqual([all[1], all[2]]);
    expect(await list({ limit: 10, after: all[4] })).toEqual([]);
    expect(await list({ limit: 10, after: newId('archive') })).toEqual([]);
  });

  it('attaches archives to agents (idempotently): first linked first, listed by agent, detached', async () => {
    const org = await newOrg();
    const { agent } = await seedAgent(org);
    const { agent: other } = await seedAgent(org);
    const [own, shared, unused] = [archiveRecord(org), archiveRecord(org), archiveRecord(org)];
    for (const a of [shared, own, unused]) await store.archives.insert(a);
    await store.archives.attach(org, own.id, agent.id);
    await store.archives.attach(org, shared.id, agent.id);
    await store.archives.attach(org, own.id, agent.id);
    await store.archives.attach(org, shared.id, other.id);
    expect(ids(await store.archives.listForAgent(org, agent.id))).toEqual([own.id, shared.id]);
    expect(ids(await store.archives.listForAgent(org, other.id))).toEqual([shared.id]);
    expect(
      (await store.archives.list(org, { limit: 10, agentId: agent.id })).map((a) => a.id).sort(),
    ).toEqual([own.id, shared.id].sort());
    expect(await store.archives.listAgentIds(org, shared.id, { limit: 10 })).toEqual([agent.id, other.id]);
    expect(await store.archives.listAgentIds(org, shared.id, { limit: 1, after: agent.id })).toEqual([
      other.id,
    ]);
    expect(await store.archives.listAgentIds(org, unused.id, { limit: 10 })).toEqual([]);

    await store.archives.detach(org, shared.id, agent.id);
    expect(ids(await store.archives.listForAgent(org, agent.id))).toEqual([own.id]);
    expect(await store.archives.listAgentIds(org, shared.id, { limit: 10 })).toEqual([other.id]);
    // Attaching a missing archive or agent links nothing.
    await store.archives.attach(org, newId('archive'), agent.id);
    await store.archives.attach(org, unused.id, newId('agent'));
    expect(ids(await store.archives.listForAgent(org, agent.id))).toEqual([own.id]);
    expect(await store.archives.listAgentIds(org, unused.id, { limit: 10 })).toEqual([]);
  });

  it('deletes an archive with its passages and links, leaving the agents', async () => {
    const org = await newOrg();
    const { agent } = await seedAgent(org);
    const [doomed, kept] = [archiveRecord(org), archiveRecord(org)];
    for (const a of [doomed, kept]) await store.archives.insert(a);
    await store.archives.attach(org, doomed.id, agent.id);
    await store.archives.attach(org, kept.id, agent.id);
    const gone = passageRecord(org, doomed.id, { text: 'lost plum', vector: [1, 0, 0, 0] });
    const stays = passageRecord(org, kept.id, { text: 'kept plum', vector: [1, 0, 0, 0] });
    await store.passages.ensureDimension(4);
    await store.passages.insert([gone, stays]);

    expect(await store.archives.delete(org, doomed.id)).toBe(true);
    expect(await store.archives.delete(org, doomed.id)).toBe(false);
    expect(await store.archives.get(org, doomed.id)).toBeUndefined();
    expect(ids(await store.archives.listForAgent(org, agent.id))).toEqual([kept.id]);
    expect(await store.passages.getMany(org, [gone.id, stays.id])).toHaveLength(1);
    expect(await store.passages.count(org, doomed.id)).toBe(0);
    const both = [doomed.id, kept.id];
    expect(ids(await store.passages.nearest(org, both, [1, 0, 0, 0], {}, 10))).toEqual([stays.id]);
    expect(ids(await store.passages.keyword(org, both, 'plum', {}, 10))).toEqual([stays.id]);
    expect((await store.agents.find(org, agent.id))?.id).toBe(agent.id);
  });

  it("never shows, changes or links one organization's archives to a call made with another", async () => {
    const [a, b] = [await newOrg(), await newOrg()];
    const { agent: agentA } = await seedAgent(a);
    const { agent: agentB } = await seedAgent(b);
    const archive = archiveRecord(a, { name: 'private' });
    await store.archives.insert(archive);
    await store.archives.attach(a, archive.id, agentA.id);
    const own = archiveRecord(b);
    await store.archives.insert(own);

    expect(await store.archives.get(b, archive.id)).toBeUndefined();
    expect(ids(await store.archives.list(b, { limit: 10 }))).toEqual([own.id]);
    expect(await store.archives.list(b, { limit: 10, name: 'private' })).toEqual([]);
    expect(await store.archives.list(b, { limit: 10, agentId: agentA.id })).toEqual([]);
    expect(await store.archives.listForAgent(b, agentA.id)).toEqual([]);
    expect(await store.archives.listAgentIds(b, archive.id, { limit: 10 })).toEqual([]);
    // A's archive id as B's cursor behaves like an unknown id.
    expect(await store.archives.list(b, { limit: 10, after: archive.id })).toEqual([]);
    expect(await store.archives.list(b, { limit: 10, before: archive.id })).toEqual([]);

    expect(await store.archives.update(b, archive.id, { name: 'hijacked' })).toBeUndefined();
    await store.archives.updateEmbedding(b, archive.id, 'x/y', 3);
    await store.archives.detach(b, archive.id, agentA.id);
    // B links A's archive to its own agent, or its own archive to A's agent: no link appears.
    await store.archives.attach(b, archive.id, agentB.id);
    await store.archives.attach(b, own.id, agentA.id);
    expect(await store.archives.listForAgent(b, agentB.id)).toEqual([]);
    expect(ids(await store.archives.listForAgent(a, agentA.id))).toEqual([archive.id]);
    expect(await store.archives.delete(b, archive.id)).toBe(false);
    expect(await store.archives.get(a, archive.id)).toEqual(archive);
  });
});
