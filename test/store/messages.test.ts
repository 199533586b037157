/**
 * The storage conformance suite, messages: run unchanged on a real SQLite file and a real
 * PostgreSQL database (`describe.each(DIALECTS)`).
 * Messages: getMany order, the increasing `seq`, cursors in both orders, keyword search (Unicode
 * case folding on both dialects) and in-place content updates.
 */
import { describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.js';
import type { NewMessage, Store } from '../../src/store/index.js';
import { DIALECTS } from '../support/databases.js';
import { ids, messageRecord, runRecord, storeFixture } from '../support/store-fixture.js';

describe.each(DIALECTS)('store: messages (%s)', (dialect) => {
  const { store, newOrg, seedAgent } = storeFixture(dialect);

  it('getMany returns messages in the requested order and skips unknown ids', async () => {
    const org = await newOrg();
    const { agent, conversation } = await seedAgent(org);
    const msgs = Array.from({ length: 5 }, (_, i) =>
      messageRecord(org, agent.id, conversation.id, { content: `m${i}` }),
    );
    msgs.push(
      messageRecord(org, agent.id, conversation.id, {
        role: 'assistant',
        content: null,
        reasoning: 'thinking',
        tool_calls: [{ id: 'call_1', name: 'send_message', arguments: '{"message":"hi"}' }],
        metadata: { heartbeat: true },
      }),
      messageRecord(org, agent.id, conversation.id, {
        role: 'tool',
        content: '{"ok":true}',
        tool_call_id: 'call_1',
        name: 'send_message',
        status: 'success',
      }),
    );
    await store.messages.insertMany(msgs);
    await store.messages.insertMany([]);
    const wanted = [msgs[6]!.id, msgs[2]!.id, newId('message'), msgs[0]!.id, msgs[5]!.id];
    const got = await store.messages.getMany(org, wanted);
    expect(ids(got)).toEqual([msgs[6]!.id, msgs[2]!.id, msgs[0]!.id, msgs[5]!.id]);
    const { seq: _seq, ...assistant } = got[3]!;
    expect(assistant).toEqual(msgs[5]);
    expect(await store.messages.getMany(org, [])).toEqual([]);
    expect((await store.messages.get(org, msgs[6]!.id))?.status).toBe('success');
    expect(await store.messages.count(org, { conversationId: conversation.id })).toBe(7);
  });

  it('assigns a strictly increasing seq in insertion order', async () => {
    const org = await newOrg();
    const { agent, conversation } = await seedAgent(org);
    const batches = [0, 1, 2].map((b) =>
      Array.from({ length: 4 }, (_, i) =>
        messageRecord(org, agent.id, conversation.id, { content: `${b}.${i}` }),
      ),
    );
    for (const batch of batches) await store.messages.insertMany(batch);
    const listed = await store.messages.list(org, { limit: 100, conversationId: conversation.id });
    expect(ids(listed)).toEqual(ids(batches.flat()));
    for (let i = 1; i < listed.length; i++) expect(listed[i]!.seq).toBeGreaterThan(listed[i - 1]!.seq);
    expect(listed.every((m) => Number.isInteger(m.seq))).toBe(true);
  });

  it('lists with after/before cursors in both orders, and by run', async () => {
    const org = await newOrg();
    const { agent, conversation } = await seedAgent(org);
    const run = runRecord(org, agent.id, conversation.id);
    const msgs = Array.from({ length: 6 }, (_, i) =>
      messageRecord(org, agent.id, conversation.id, { run_id: i >= 3 ? run.id : null }),
    );
    await store.messages.insertMany(msgs);
    const all = ids(msgs);
    const q = { conversationId: conversation.id };

    const seen: string[] = [];
    const sizes: number[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await store.messages.list(org, { ...q, limit: 4, after });
      sizes.push(page.length);
      if (page.length === 0) break;
      seen.push(...ids(page));
      after = page.at(-1)?.id;
    }
    expect(seen).toEqual(all);
    expect(sizes).toEqual([4, 2, 0]);

    expect(ids(await store.messages.list(org, { ...q, limit: 2, order: 'desc' }))).toEqual([all[5], all[4]]);
    expect(ids(await store.messages.list(org, { ...q, limit: 2, order: 'desc', after: all[4] }))).toEqual([
      all[3],
      all[2],
    ]);
    expect(ids(await store.messages.list(org, { ...q, limit: 10, before: all[2] }))).toEqual([
      all[0],
      all[1],
    ]);
    expect(ids(await store.messages.list(org, { ...q, limit: 10, order: 'desc', before: all[3] }))).toEqual([
      all[5],
      all[4],
    ]);
    expect(ids(await store.messages.list(org, { ...q, limit: 10, after: all[0], before: all[3] }))).toEqual([
      all[1],
      all[2],
    ]);
    expect(await store.messages.list(org, { ...q, limit: 10, order: 'desc', after: all[0] })).toEqual([]);
    expect(ids(await store.messages.list(org, { limit: 10, runId: run.id }))).toEqual(all.slice(3));
    expect(ids(await store.messages.list(org, { limit: 10, agentId: agent.id, order: 'desc' }))).toEqual(
      [...all].reverse(),
    );
  });

  it('searches by keyword (case-insensitive, any term), role and date, newest first, never system', async () => {
    const org = await newOrg();
    const { agent, conversation } = await seedAgent(org);
    const m = (role: NewMessage['role'], content: string, created_at: string) =>
      messageRecord(org, agent.id, conversation.id, { role, content, created_at });
    const msgs = [
      m('system', 'You love Pizza.', '2025-01-01T00:00:00.000Z'),
      m('user', 'I love PIZZA with pineapple', '2025-01-02T00:00:00.000Z'),
      m('assistant', 'Pizza is great; 100% agreed_', '2025-01-03T00:00:00.000Z'),
      m('user', 'what about pasta?', '2025-01-04T00:00:00.000Z'),
      m('tool', '{"result":"pizza"}', '2025-01-05T00:00:00.000Z'),
    ];
    await store.messages.insertMany(msgs);
    const search = async (q: Partial<Parameters<Store['messages']['search']>[1]>) =>
      ids(await store.messages.search(org, { agentId: agent.id, limit: 10, ...q }));
    const [, u1, a1, u2, t1] = ids(msgs);

    expect(await search({ query: 'pizza' })).toEqual([t1, a1, u1]);
    expect(await search({ query: 'PiZzA pasta' })).toEqual([t1, u2, a1, u1]);
    expect(await search({ query: 'pizza', roles: ['user'] })).toEqual([u1]);
    expect(await search({ query: 'pizza', roles: ['user', 'assistant'] })).toEqual([a1, u1]);
    expect(
      await search({ startDate: '2025-01-02T12:00:00.000Z', endDate: '2025-01-04T00:00:00.000Z' }),
    ).toEqual([u2, a1]);
    expect(await search({})).toEqual([t1, u2, a1, u1]);
    expect(await search({ query: 'pizza', limit: 1 })).toEqual([t1]);
    expect(await search({ query: '100%' })).toEqual([a1]);
    expect(await search({ query: 'sushi' })).toEqual([]);
    // Case folding covers more than ASCII, on both dialects.
    const umlaut = m('user', 'ÜBER die Straße', '2025-01-06T00:00:00.000Z');
    await store.messages.insertMany([umlaut]);
    expect(await search({ query: 'über' })).toEqual([umlaut.id]);
    expect(await search({ query: 'STRASSE' })).toEqual([]);
  });

  it('updates content in place (the system message)', async () => {
    const org = await newOrg();
    const { agent, conversation } = await seedAgent(org);
    const sys = messageRecord(org, agent.id, conversation.id, { role: 'system', content: 'old' });
    await store.messages.insertMany([sys]);
    await store.messages.updateContent(org, sys.id, 'new', 42);
    expect(await store.messages.get(org, sys.id)).toMatchObject({ content: 'new', tokens: 42 });
  });
});
