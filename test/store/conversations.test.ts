/**
 * The storage conformance suite, conversations: run unchanged on a real SQLite file and a real
 * PostgreSQL database (`describe.each(DIALECTS)`).
 * Conversations: the default conversation, archived ones left out of lists, and the in-context
 * message ids with the memory fingerprint.
 */
import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.js';
import { conversationRecord, ids, storeFixture, tick } from '../support/store-fixture.js';

describe.each(DIALECTS)('store: conversations (%s)', (dialect) => {
  const { store, newOrg, seedAgent } = storeFixture(dialect);

  it('finds the default conversation and lists without archived ones', async () => {
    const org = await newOrg();
    const { agent, conversation } = await seedAgent(org);
    const c2 = conversationRecord(org, agent.id);
    const c3 = conversationRecord(org, agent.id);
    await store.conversations.insert(c2);
    await store.conversations.insert(c3);
    const { agent: other } = await seedAgent(org);
    expect(await store.conversations.getDefault(org, agent.id)).toEqual(conversation);
    expect(await store.conversations.get(org, c2.id)).toEqual(c2);

    await store.conversations.update(org, c2.id, { archived: true, summary: 'old talk' }, tick());
    const listed = await store.conversations.list(org, { limit: 10, agentId: agent.id });
    expect(ids(listed)).toEqual([conversation.id, c3.id]);
    const all = await store.conversations.list(org, {
      limit: 10,
      agentId: agent.id,
      includeArchived: true,
    });
    expect(ids(all)).toEqual([conversation.id, c2.id, c3.id]);
    expect(all[1]).toMatchObject({ archived: true, summary: 'old talk' });
    expect(await store.conversations.list(org, { limit: 10 })).toHaveLength(3);
    expect(ids(await store.conversations.list(org, { limit: 10, agentId: other.id }))).toHaveLength(1);
    expect(
      ids(await store.conversations.list(org, { limit: 1, agentId: agent.id, after: conversation.id })),
    ).toEqual([c3.id]);
  });

  it('setContext replaces the in-context ids and, when given, the memory fingerprint', async () => {
    const org = await newOrg();
    const { conversation } = await seedAgent(org);
    const at = tick();
    await store.conversations.setContext(org, conversation.id, ['message-1', 'message-2'], at, 'fp-1');
    expect(await store.conversations.get(org, conversation.id)).toEqual({
      ...conversation,
      in_context_message_ids: ['message-1', 'message-2'],
      memory_fingerprint: 'fp-1',
      last_message_at: at,
      updated_at: at,
    });
    await store.conversations.setContext(org, conversation.id, ['message-3'], tick());
    const after = await store.conversations.get(org, conversation.id);
    expect(after?.in_context_message_ids).toEqual(['message-3']);
    expect(after?.memory_fingerprint).toBe('fp-1');
    await store.conversations.setFingerprint(org, conversation.id, 'fp-2');
    expect((await store.conversations.get(org, conversation.id))?.memory_fingerprint).toBe('fp-2');
  });
});
