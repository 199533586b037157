/**
 * The storage conformance suite, transactions: run unchanged on a real SQLite file and a real
 * PostgreSQL database (`describe.each(DIALECTS)`).
 * Transactions: everything written inside rolls back when the callback throws or a statement fails,
 * and commits when it returns.
 */
import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.js';
import {
  agentRecord,
  blockRecord,
  conversationRecord,
  messageRecord,
  runRecord,
  storeFixture,
  tick,
  toolRecord,
} from '../support/store-fixture.js';

describe.each(DIALECTS)('store: transactions (%s)', (dialect) => {
  const { store, newOrg, seedAgent } = storeFixture(dialect);

  it('rolls back everything written inside when the callback throws', async () => {
    const org = await newOrg();
    const { agent: existing, conversation: existingConv } = await seedAgent(org);
    const agent = agentRecord(org);
    const conversation = conversationRecord(org, agent.id, { is_default: true });
    const block = blockRecord(org);
    const message = messageRecord(org, agent.id, conversation.id);
    const run = runRecord(org, agent.id, conversation.id);
    await expect(
      store.transaction(async (tx) => {
        await tx.agents.insert(agent);
        await tx.conversations.insert(conversation);
        await tx.blocks.insert(block);
        await tx.blocks.attach(org, agent.id, block.id);
        await tx.messages.insertMany([message]);
        await tx.runs.insert(run);
        await tx.agents.update(org, existing.id, { description: 'changed' }, tick());
        await tx.conversations.setContext(org, existingConv.id, [message.id], tick());
        // A nested transaction joins the outer one.
        await tx.transaction(async (inner) => inner.tools.insertMissing([toolRecord(org, 'inner')]));
        expect(await tx.agents.find(org, agent.id)).toEqual(agent);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.agents.find(org, agent.id)).toBeUndefined();
    expect(await store.conversations.get(org, conversation.id)).toBeUndefined();
    expect(await store.blocks.get(org, block.id)).toBeUndefined();
    expect(await store.messages.get(org, message.id)).toBeUndefined();
    expect(await store.runs.get(org, run.id)).toBeUndefined();
    expect(await store.tools.list(org, { limit: 10 })).toEqual([]);
    expect((await store.agents.find(org, existing.id))?.description).toBeNull();
    expect((await store.conversations.get(org, existingConv.id))?.in_context_message_ids).toEqual([]);
  });

  it('rolls back when a statement fails, and commits when the callback returns', async () => {
    const org = await newOrg();
    const first = agentRecord(org, { name: 'dup' });
    await expect(
      store.transaction(async (tx) => {
        await tx.agents.insert(first);
        await tx.agents.insert(agentRecord(org, { id: first.id })); // the same primary key
      }),
    ).rejects.toThrow();
    expect(await store.agents.count(org)).toBe(0);

    const result = await store.transaction(async (tx) => {
      await tx.agents.insert(first);
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(await store.agents.find(org, 'dup')).toEqual(first);
  });
});
